/**
 * The organisation's directory, as compose and Contacts use it: which certificates are
 * published for an address (the bridge relays LDAP), and which of them may be encrypted
 * to (core judges them like any other certificate: trusted chain, the address, encryption
 * usage, validity, not revoked). What the directory said is cached for the session per
 * address; the judgement is made afresh each time, so trusting a CA later counts at once.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CertificateSummary } from '../../core/types'
import { fromBase64 } from '../../core/util/base64'
import { ApiError } from '../api/client'
import { lookupDirectory } from '../api/bridge'
import { judgeDirectoryCertificates, summarizeCertificate } from '../pki'
import { keyringForOpen } from './trust'

export interface DirectoryCertificate {
  der: Uint8Array
  summary: CertificateSummary
  /** Usable for encryption to the address; otherwise `reasons` says why not. */
  usable: boolean
  reasons: string[]
}

export type DirectoryAnswer =
  /** Newest usable first, then the rest. */
  | { state: 'found'; certificates: DirectoryCertificate[] }
  | { state: 'none' }
  /** The bridge has no directory: nothing to look up, and nothing to say about it. */
  | { state: 'no-directory' }
  | { state: 'error'; message: string }

/** Published certificates by address, for this session (a page load). */
const published = new Map<string, Promise<Uint8Array[] | 'no-directory'>>()

/** One bridge call for every address not yet asked about; failures are not cached. */
async function publishedFor(addresses: string[]): Promise<Map<string, Uint8Array[] | 'no-directory'>> {
  const wanted = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter((a) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a)))]
  const missing = wanted.filter((a) => !published.has(a))
  if (missing.length) {
    const call = (async () => {
      try {
        const r = await lookupDirectory(missing.slice(0, 100))
        return new Map(r.results.map((x) => [x.address, x.certificates.map((c) => fromBase64(c))]))
      } catch (e) {
        if (e instanceof ApiError && e.code === 'directory_not_configured') return 'no-directory' as const
        throw e
      }
    })()
    for (const a of missing) {
      const one = call.then((m) => (m === 'no-directory' ? m : (m.get(a) ?? [])))
      published.set(a, one)
      one.catch(() => published.delete(a))
    }
  }
  const out = new Map<string, Uint8Array[] | 'no-directory'>()
  for (const a of wanted) out.set(a, await published.get(a)!)
  return out
}

/** Look addresses up and judge what the directory publishes for each. */
export async function directoryCertificates(addresses: string[]): Promise<Map<string, DirectoryAnswer>> {
  const out = new Map<string, DirectoryAnswer>()
  let found: Map<string, Uint8Array[] | 'no-directory'>
  try {
    found = await publishedFor(addresses)
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    for (const a of addresses) out.set(a.trim().toLowerCase(), { state: 'error', message })
    return out
  }
  const keyring = await keyringForOpen()
  for (const [address, certs] of found) {
    if (certs === 'no-directory') {
      out.set(address, { state: 'no-directory' })
      continue
    }
    if (certs.length === 0) {
      out.set(address, { state: 'none' })
      continue
    }
    const j = await judgeDirectoryCertificates(certs, address, { anchors: keyring.trustAnchors, intermediates: keyring.certificates, crls: keyring.crls }, globalThis.crypto)
    const list: DirectoryCertificate[] = []
    for (const der of j.usable) list.push({ der, summary: await summarizeCertificate(der, globalThis.crypto), usable: true, reasons: [] })
    for (const r of j.rejected) {
      const summary = await summarizeCertificate(r.der, globalThis.crypto).catch(() => null)
      if (summary) list.push({ der: r.der, summary, usable: false, reasons: r.reasons })
    }
    out.set(address, { state: 'found', certificates: list })
  }
  return out
}

/**
 * The certificates to encrypt to for an address from the directory: every usable one,
 * newest first. After a renewal the person may still read mail on a device that holds
 * only the old key; an expired or revoked one is never among them (core judged them).
 */
export async function directoryEncryptionCertificates(address: string): Promise<Uint8Array[]> {
  const a = (await directoryCertificates([address])).get(address.trim().toLowerCase())
  return a?.state === 'found' ? a.certificates.filter((c) => c.usable).map((c) => c.der) : []
}

/** Contacts' "Find certificate": the last answer, shown until the next search. */
export const useDirectoryStore = defineStore('directory', () => {
  const query = ref('')
  const state = ref<'idle' | 'loading' | 'done' | 'error'>('idle')
  const answer = ref<DirectoryAnswer | null>(null)

  async function find(address: string): Promise<void> {
    query.value = address.trim().toLowerCase()
    state.value = 'loading'
    answer.value = null
    const a = (await directoryCertificates([query.value])).get(query.value) ?? { state: 'none' as const }
    answer.value = a
    state.value = a.state === 'error' ? 'error' : 'done'
  }

  return { query, state, answer, find }
})
