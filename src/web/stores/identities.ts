/**
 * Your identities (certificate + sealed key): the list, import, backup, defaults, delete.
 * Import and backup run in the crypto worker; this store only ever holds public facts.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { toPem } from '../../core/util/base64'
import type { IdentityInfo } from '../storage/db'
export type { IdentityInfo }
import { listIdentities, setDefaultIdentity } from '../storage/identities'
import { cryptoWorker, type ImportPfxResult } from '../workers/client'
import { useKeystoreStore } from './keystore'
import { t } from '../i18n'

export type LoadState = 'idle' | 'loading' | 'done' | 'error'

/** The identity to use for a From address: the chosen default, else the first that carries it. */
export function identityForAddress(list: readonly IdentityInfo[], address: string): IdentityInfo | undefined {
  const a = address.trim().toLowerCase()
  return list.find((i) => i.defaultFor.includes(a)) ?? list.find((i) => i.emails.includes(a))
}

export const useIdentitiesStore = defineStore('identities', () => {
  const list = ref<IdentityInfo[]>([])
  const state = ref<LoadState>('idle')

  async function load(): Promise<void> {
    state.value = 'loading'
    try {
      list.value = await listIdentities()
      state.value = 'done'
    } catch (e) {
      state.value = 'error'
      throw e
    }
  }

  /** Import a PFX/PKCS#12 file. Errors are WorkerError with the engine's code. */
  async function importPfx(bytes: Uint8Array, pfxPassword: string, passphrase: string): Promise<ImportPfxResult> {
    const result = await cryptoWorker().call('importPfx', { bytes, pfxPassword, passphrase })
    await load()
    await useKeystoreStore().refresh()
    return result
  }

  function certificateFile(id: string, format: 'der' | 'pem'): { bytes: Uint8Array; filename: string; type: string } {
    const i = list.value.find((x) => x.id === id)
    if (!i) throw new Error(t('misc.identityGone'))
    const base = fileBase(i)
    if (format === 'der') return { bytes: i.certificate, filename: `${base}.cer`, type: 'application/pkix-cert' }
    return { bytes: new TextEncoder().encode(toPem('CERTIFICATE', i.certificate)), filename: `${base}.pem`, type: 'application/x-pem-file' }
  }

  /** A new PFX of the identity under a new password (needs the key store unlocked). */
  async function backupPfx(id: string, newPassword: string): Promise<{ bytes: Uint8Array; filename: string }> {
    const i = list.value.find((x) => x.id === id)
    if (!i) throw new Error(t('misc.identityGone'))
    const bytes = await cryptoWorker().call('exportPfx', { identityId: id, newPassword })
    return { bytes, filename: `${fileBase(i)}.p12` }
  }

  async function setDefault(id: string, address: string): Promise<void> {
    await setDefaultIdentity(id, address)
    await load()
  }

  async function remove(id: string): Promise<void> {
    await cryptoWorker().call('deleteIdentity', { identityId: id })
    await load()
    await useKeystoreStore().refresh()
  }

  const byAddress = computed(() => (address: string) => identityForAddress(list.value, address))

  return { list, state, load, importPfx, certificateFile, backupPfx, setDefault, remove, byAddress }
})

function fileBase(i: IdentityInfo): string {
  const name = i.emails[0] ?? i.subject
  return name.replace(/[^A-Za-z0-9@._-]+/g, '_').slice(0, 80) || 'certificate'
}
