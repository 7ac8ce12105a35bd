import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { fromBase64, toBase64 } from '../util/base64'
import { toArrayBuffer, utf8 } from '../util/bytes'
import { checkKdfParams, deriveKeystoreKey, newKdfParams, type KdfParams } from './kdf'

/**
 * A private key at rest: PKCS#8 encrypted with AES-256-GCM (NIST SP 800-38D) under a key
 * derived from the key-store passphrase. GCM authenticates, so a wrong passphrase or a
 * tampered record fails cleanly instead of yielding garbage key bytes. The additional
 * authenticated data names the purpose and version, so a record cannot be replayed as a
 * different kind of record (e.g. a verifier passed off as a key).
 *
 * The shape is plain JSON (base64 strings), versioned by `v`, so it survives IndexedDB,
 * structured clone and a JSON backup alike.
 */
export interface SealedKey {
  v: 1
  kdf: KdfParams
  cipher: 'AES-256-GCM'
  /** Base64 12-byte IV, random per seal. */
  iv: string
  /** Base64 ciphertext with the 16-byte tag appended (WebCrypto's layout). */
  data: string
}

export interface SealOptions {
  /** Reuse the key store's KDF parameters (one derivation unlocks every key). */
  kdf?: KdfParams
  /** Key already derived from the passphrase with `kdf` (skips the slow derivation). */
  derivedKey?: Uint8Array
  /** Iterations for fresh parameters (ignored with `kdf`). */
  iterations?: number
}

const IV_BYTES = 12
export const SEALED_KEY_AAD = 'cachet-keystore/v1/pkcs8'

/** Encrypt a PKCS#8 key under the key-store passphrase. */
export async function sealKey(pkcs8: Uint8Array, passphrase: string, crypto: CryptoLike, opts: SealOptions = {}): Promise<SealedKey> {
  if (pkcs8.length === 0) throw new CoreError('bad-input', 'There is no private key to protect.')
  const kdf = opts.kdf ?? newKdfParams(crypto, opts.iterations)
  checkKdfParams(kdf)
  const key = opts.derivedKey ?? (await deriveKeystoreKey(passphrase, kdf, crypto))
  const { iv, data } = await gcmEncrypt(key, pkcs8, SEALED_KEY_AAD, crypto)
  return { v: 1, kdf, cipher: 'AES-256-GCM', iv, data }
}

/** Decrypt a sealed key. A wrong passphrase throws CoreError('wrong-password'). */
export async function unsealKey(sealed: SealedKey, passphrase: string, crypto: CryptoLike): Promise<Uint8Array> {
  checkSealed(sealed)
  const key = await deriveKeystoreKey(passphrase, sealed.kdf, crypto)
  return unsealKeyWith(sealed, key, crypto)
}

/** Decrypt with a key already derived from the passphrase (the unlocked worker's path). */
export async function unsealKeyWith(sealed: SealedKey, derivedKey: Uint8Array, crypto: CryptoLike): Promise<Uint8Array> {
  checkSealed(sealed)
  return gcmDecrypt(derivedKey, sealed.iv, sealed.data, SEALED_KEY_AAD, crypto)
}

export function checkSealed(s: unknown): asserts s is SealedKey {
  const k = s as Partial<SealedKey> | null
  if (!k || typeof k !== 'object' || k.v !== 1 || k.cipher !== 'AES-256-GCM' || typeof k.iv !== 'string' || typeof k.data !== 'string') {
    throw new CoreError('bad-input', 'This stored key is not in a format this version of Cachet knows.')
  }
  checkKdfParams(k.kdf)
}

/** AES-256-GCM with a random IV; returns base64 fields. */
export async function gcmEncrypt(
  rawKey: Uint8Array,
  plaintext: Uint8Array,
  aad: string,
  crypto: CryptoLike,
): Promise<{ iv: string; data: string }> {
  const key = await importAesKey(rawKey, 'encrypt', crypto)
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: toArrayBuffer(iv), additionalData: toArrayBuffer(utf8(aad)), tagLength: 128 },
    key,
    toArrayBuffer(plaintext),
  )
  return { iv: toBase64(iv), data: toBase64(new Uint8Array(ct)) }
}

/** Inverse of gcmEncrypt; any authentication failure is reported as a wrong passphrase. */
export async function gcmDecrypt(
  rawKey: Uint8Array,
  iv: string,
  data: string,
  aad: string,
  crypto: CryptoLike,
): Promise<Uint8Array> {
  const key = await importAesKey(rawKey, 'decrypt', crypto)
  const ivBytes = fromBase64(iv)
  if (ivBytes.length !== IV_BYTES) throw new CoreError('bad-input', 'This stored key has a malformed IV.')
  try {
    const pt = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: toArrayBuffer(ivBytes), additionalData: toArrayBuffer(utf8(aad)), tagLength: 128 },
      key,
      toArrayBuffer(fromBase64(data)),
    )
    return new Uint8Array(pt)
  } catch (e) {
    throw new CoreError('wrong-password', 'The key store passphrase is wrong. Check it and try again.', { cause: e })
  }
}

async function importAesKey(raw: Uint8Array, use: 'encrypt' | 'decrypt', crypto: CryptoLike): Promise<CryptoKey> {
  if (raw.length !== 32) throw new CoreError('bad-key', 'The key store key must be 32 bytes.')
  return crypto.subtle.importKey('raw', toArrayBuffer(raw), { name: 'AES-GCM' }, false, [use])
}
