/**
 * The crypto worker's key vault: the ONLY place private keys exist unsealed.
 *
 * Locked: nothing but sealed records in IndexedDB. Unlocked: the passphrase-derived key
 * and every identity's PKCS#8 in this worker's memory, until `lock()` (explicit, or after
 * `idleMinutes` without a key being used). "Remember on this device" stores the derived
 * key wrapped by a non-extractable AES-GCM CryptoKey in IndexedDB: the browser can unwrap
 * it on this device but script cannot export the wrapping key, so copying the database
 * elsewhere does not reveal the keys. It is an explicit opt-in because anyone using this
 * browser profile can then use the keys.
 */
import type { CryptoLike } from '../../core/crypto'
import { CoreError } from '../../core/errors'
import {
  checkDerivedKey,
  checkPassphrase,
  createVerifier,
  sameKdf,
  unsealKey,
  unsealKeyWith,
  type PassphraseVerifier,
} from '../../core/keystore'
import type { Identity } from '../../core/types'
import { fromBase64, toBase64 } from '../../core/util/base64'
import { toArrayBuffer } from '../../core/util/bytes'
import { loadIdentityRecords } from '../storage/identities'
import { deleteDeviceRecord, getDeviceRecord, getVerifier, putDeviceRecord, putVerifier } from '../storage/keystoreMeta'
import type { KeystoreStatus } from './protocol'
import { deriveIndexKey } from './searchIndex'

const DEVICE_AAD = new TextEncoder().encode('cachet-keystore/v1/device')

export class Vault {
  private derivedKey: Uint8Array | null = null
  private keys = new Map<string, Identity>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private lockAt: number | null = null
  idleMinutes = 15

  constructor(
    private readonly crypto: CryptoLike,
    private readonly onChange: () => void,
  ) {}

  get unlocked(): boolean {
    return this.derivedKey !== null
  }

  async status(): Promise<KeystoreStatus> {
    const [verifier, device, records] = await Promise.all([getVerifier(), getDeviceRecord(), loadIdentityRecords()])
    return {
      initialized: verifier !== null,
      unlocked: this.unlocked,
      identities: records.length,
      idleMinutes: this.idleMinutes,
      lockAt: this.lockAt,
      remembered: device !== null,
    }
  }

  /** Unlock with the passphrase: checks the verifier, then unseals every identity. */
  async unlock(passphrase: string): Promise<void> {
    const verifier = await this.requireVerifier()
    const derived = await checkPassphrase(verifier, passphrase, this.crypto)
    await this.load(verifier, derived, passphrase)
  }

  /** Unlock from the device record, if the user opted in. Returns whether it worked. */
  async unlockFromDevice(): Promise<boolean> {
    if (this.unlocked) return true
    const [verifier, device] = await Promise.all([getVerifier(), getDeviceRecord()])
    if (!verifier || !device) return false
    try {
      const raw = await this.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: toArrayBuffer(fromBase64(device.iv)), additionalData: DEVICE_AAD },
        device.deviceKey,
        toArrayBuffer(fromBase64(device.data)),
      )
      const derived = new Uint8Array(raw)
      await checkDerivedKey(verifier, derived, this.crypto)
      await this.load(verifier, derived, null)
      return true
    } catch {
      // A stale record (passphrase changed, browser data partly cleared): forget it.
      await deleteDeviceRecord()
      return false
    }
  }

  /**
   * The derived key for sealing a newly imported key. The first import SETS the passphrase
   * (writes the verifier); later ones must match it.
   */
  async keyForImport(passphrase: string): Promise<{ derived: Uint8Array; verifier: PassphraseVerifier; passphraseSet: boolean }> {
    const existing = await getVerifier()
    if (existing) {
      const derived = await checkPassphrase(existing, passphrase, this.crypto)
      return { derived, verifier: existing, passphraseSet: false }
    }
    const { verifier, derivedKey } = await createVerifier(passphrase, this.crypto)
    await putVerifier(verifier)
    return { derived: derivedKey, verifier, passphraseSet: true }
  }

  /** After an import: (re)load everything with the key just checked, so the store is unlocked. */
  async unlockWith(verifier: PassphraseVerifier, derived: Uint8Array, passphrase: string): Promise<void> {
    await this.load(verifier, derived, passphrase)
  }

  /** Pick up identities stored since the last unlock (a completed request): only when unlocked. */
  async reload(): Promise<void> {
    if (!this.derivedKey) return
    const verifier = await this.requireVerifier()
    await this.load(verifier, this.derivedKey, null)
  }

  lock(): void {
    for (const id of this.keys.values()) id.privateKey.fill(0)
    this.keys.clear()
    this.derivedKey?.fill(0)
    this.derivedKey = null
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.lockAt = null
    this.onChange()
  }

  /** Restart the idle timer: called whenever a private key is used. */
  touch(): void {
    if (!this.unlocked) return
    if (this.timer) clearTimeout(this.timer)
    const ms = Math.max(1, this.idleMinutes) * 60_000
    this.lockAt = Date.now() + ms
    this.timer = setTimeout(() => this.lock(), ms)
  }

  setIdleMinutes(minutes: number): void {
    if (!Number.isFinite(minutes) || minutes < 1 || minutes > 24 * 60) {
      throw new CoreError('bad-input', 'Idle minutes must be between 1 and 1440.')
    }
    this.idleMinutes = Math.round(minutes)
    this.touch()
  }

  /** Opt in or out of "remember on this device". Opting in needs the derived key. */
  async setRemember(remember: boolean, passphrase?: string): Promise<void> {
    if (!remember) {
      await deleteDeviceRecord()
      return
    }
    if (!this.unlocked) {
      if (passphrase === undefined) throw new CoreError('key-locked', 'Unlock the key store first, then turn on "remember on this device".')
      await this.unlock(passphrase)
    }
    const deviceKey = await this.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    const iv = this.crypto.getRandomValues(new Uint8Array(12))
    const data = await this.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: toArrayBuffer(iv), additionalData: DEVICE_AAD },
      deviceKey,
      toArrayBuffer(this.derivedKey!),
    )
    await putDeviceRecord({ deviceKey, iv: toBase64(iv), data: toBase64(new Uint8Array(data)), createdAt: new Date().toISOString() })
  }

  /** The search index's key (workers/searchIndex.ts), derived from the unlocked store; null when locked. */
  async indexKey(): Promise<CryptoKey | null> {
    return this.derivedKey ? deriveIndexKey(this.derivedKey, this.crypto) : null
  }

  identity(id: string): Identity | undefined {
    return this.keys.get(id)
  }

  has(id: string): boolean {
    return this.keys.has(id)
  }

  identities(): Identity[] {
    return [...this.keys.values()]
  }

  forget(id: string): void {
    this.keys.get(id)?.privateKey.fill(0)
    this.keys.delete(id)
  }

  private async requireVerifier(): Promise<PassphraseVerifier> {
    const v = await getVerifier()
    if (!v) throw new CoreError('bad-input', 'There is no key store yet: import a PFX file first; that sets the passphrase.')
    return v
  }

  private async load(verifier: PassphraseVerifier, derived: Uint8Array, passphrase: string | null): Promise<void> {
    const records = await loadIdentityRecords()
    const keys = new Map<string, Identity>()
    for (const r of records) {
      // Keys sealed with the store's parameters share one derivation; any other (an older
      // record) needs its own, which is only possible when we have the passphrase.
      let pkcs8: Uint8Array
      if (sameKdf(r.sealedKey.kdf, verifier.kdf)) pkcs8 = await unsealKeyWith(r.sealedKey, derived, this.crypto)
      else if (passphrase !== null) pkcs8 = await unsealKey(r.sealedKey, passphrase, this.crypto)
      else continue
      keys.set(r.id, { certificate: r.certificate, chain: r.chain, privateKey: pkcs8 })
    }
    if (this.derivedKey && this.derivedKey !== derived) this.derivedKey.fill(0)
    for (const [id, old] of this.keys) if (!keys.has(id)) old.privateKey.fill(0)
    this.keys = keys
    this.derivedKey = derived
    this.touch()
    this.onChange()
  }
}
