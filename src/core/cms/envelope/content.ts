import { cbc } from '@noble/ciphers/aes.js'
import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { desCbcDecrypt } from '../../cipher/des'
import { rc2CbcDecrypt } from '../../cipher/rc2'

/** A view WebCrypto accepts (TS 5.9 separates ArrayBuffer from SharedArrayBuffer views). */
export const bs = (u: Uint8Array): BufferSource => u as Uint8Array<ArrayBuffer>

export interface ContentAlgorithm {
  oid: string
  /** Name as reports show it. */
  name: string
  keyLength: number
  /** 'des3' is the DES family (single DES and 3DES-EDE: the key length tells them apart). */
  mode: 'cbc' | 'gcm' | 'des3' | 'rc2'
  /** Set when the algorithm is obsolete; the name goes into the report's `weak`. */
  weak: boolean
}

const TABLE: ContentAlgorithm[] = [
  { oid: OID.aes128CBC, name: 'aes-128-cbc', keyLength: 16, mode: 'cbc', weak: false },
  { oid: OID.aes192CBC, name: 'aes-192-cbc', keyLength: 24, mode: 'cbc', weak: false },
  { oid: OID.aes256CBC, name: 'aes-256-cbc', keyLength: 32, mode: 'cbc', weak: false },
  { oid: OID.aes128GCM, name: 'aes-128-gcm', keyLength: 16, mode: 'gcm', weak: false },
  { oid: OID.aes192GCM, name: 'aes-192-gcm', keyLength: 24, mode: 'gcm', weak: false },
  { oid: OID.aes256GCM, name: 'aes-256-gcm', keyLength: 32, mode: 'gcm', weak: false },
  { oid: OID.desEDE3CBC, name: 'des-ede3-cbc', keyLength: 24, mode: 'des3', weak: true },
  // Single DES (56-bit key): read only on explicit request (weak.ts, issue 16).
  { oid: OID.desCBC, name: 'des-cbc', keyLength: 8, mode: 'des3', weak: true },
  // keyLength is the effective key size, read from RC2CBCParameter (RFC 3370 §5.2)
  { oid: OID.rc2CBC, name: 'rc2-cbc', keyLength: 16, mode: 'rc2', weak: true },
]

export function contentAlgorithm(oid: string): ContentAlgorithm | null {
  return TABLE.find((a) => a.oid === oid) ?? null
}

export function contentAlgorithmByName(name: string): ContentAlgorithm {
  const a = TABLE.find((x) => x.name === name)
  if (!a) throw new CoreError('unsupported-algorithm', `Content encryption ${name} is not supported.`)
  return a
}

/** Names for content algorithms we recognise but cannot decrypt, for the report. */
export const KNOWN_UNSUPPORTED: Record<string, string> = {}

const decryptFailed = (): CoreError =>
  new CoreError('decrypt-failed', 'The message could not be decrypted: it is damaged or was not encrypted for this key.')

/**
 * CBC content decryption (RFC 3565 AES, RFC 3370 3DES). CBC has no integrity: a wrong
 * key and altered ciphertext both end here as 'decrypt-failed' (bad padding) or, rarely,
 * as garbage; the report says integrity: false either way.
 */
/**
 * `inPlace`: the caller owns `data` and never reads it again, so a large content is
 * decrypted over its own ciphertext (no second buffer of the message's size).
 */
export async function decryptCbc(alg: ContentAlgorithm, key: Uint8Array, iv: Uint8Array, data: Uint8Array, crypto: CryptoLike, rc2Bits = 0, inPlace = false): Promise<Uint8Array> {
  if (alg.mode === 'des3' || alg.mode === 'rc2') {
    if (iv.length !== 8 || data.length % 8 !== 0 || data.length === 0) throw decryptFailed()
    try {
      return alg.mode === 'des3' ? desCbcDecrypt(key, iv, data) : rc2CbcDecrypt(key, rc2Bits, iv, data)
    } catch {
      throw decryptFailed()
    }
  }
  if (iv.length !== 16 || data.length % 16 !== 0 || data.length === 0) throw decryptFailed()
  // Large content in slices (one WebCrypto call on 25 MB holds a copy of the input and a
  // separate output at once): over a copy of the ciphertext, or over it when the caller
  // gave it away.
  if (data.length > 2 * STREAM_SLICE) return decryptCbcStream(key, iv, inPlace ? data : data.slice(), 0, data.length, () => {}, crypto)
  let k: CryptoKey | null = null
  try {
    k = await crypto.subtle.importKey('raw', bs(key), 'AES-CBC', false, ['decrypt'])
  } catch {
    // Chromium's WebCrypto has no AES-192: fall back to the software cipher.
  }
  try {
    if (k) return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: bs(iv) }, k, bs(data)))
    return cbc(key, iv).decrypt(data)
  } catch {
    throw decryptFailed()
  }
}

/**
 * Slices of a streamed AES-CBC decryption, and how many are asked of WebCrypto before the
 * first answer is awaited (where it works on another thread, as in Node, the next slice
 * is decoded meanwhile; Chromium does the work in the call itself). Chromium's allocator
 * maps buffers of about 1 MiB and more afresh on every call (page faults on each): 512 KiB
 * slices decrypt 18 MB in 26 ms where 1 or 2 MiB take 41 ms.
 */
export const STREAM_SLICE = 512 * 1024
const STREAM_DEPTH = 2

/**
 * AES-CBC decryption of ciphertext that is still arriving (issue #5: the message's
 * base64 is decoded while WebCrypto decrypts): the ciphertext is `buf[start, start +
 * length)`, of which `ready(end)` makes `buf[0, end)` available (it throws when the input
 * ends before), and each slice's plaintext is written over its own ciphertext. Returns
 * the plaintext, a view of `buf`.
 *
 * WebCrypto checks and strips PKCS#7 padding on every call, so every slice but the last
 * gets one extra block that decrypts to a full padding block: E_K(P ⊕ c_last) with P =
 * sixteen 0x10 bytes and c_last the slice's last ciphertext block (also the next slice's
 * IV), made in software from the content key (one AES block), not by a WebCrypto round
 * trip. It is put after the slice in `buf` just for the call (WebCrypto copies its
 * input when called, WebCrypto §14.3.2 step 2) and the bytes it covered are put back.
 * Up to STREAM_DEPTH slices are asked for before the oldest answer is awaited. The last
 * slice is decrypted as is, so the message's own padding is checked exactly as in one
 * call; any failure is 'decrypt-failed', as in decryptCbc.
 */
export async function decryptCbcStream(
  key: Uint8Array,
  iv: Uint8Array,
  buf: Uint8Array,
  start: number,
  length: number,
  ready: (end: number) => void,
  crypto: CryptoLike,
  slice = STREAM_SLICE,
): Promise<Uint8Array> {
  if (iv.length !== 16 || length % 16 !== 0 || length === 0 || slice % 16 !== 0 || slice <= 0) throw decryptFailed()
  const end = start + length
  let k: CryptoKey | null = null
  try {
    k = await crypto.subtle.importKey('raw', bs(key), 'AES-CBC', false, ['decrypt'])
  } catch {
    // Chromium's WebCrypto has no AES-192: the software cipher, on the whole content.
  }
  try {
    if (!k) {
      ready(end)
      const plain = cbc(key, iv).decrypt(buf.subarray(start, end))
      buf.set(plain, start)
      return buf.subarray(start, start + plain.length)
    }
    const padBlock = new Uint8Array(16).fill(16)
    const inFlight: { at: number; plain: Promise<ArrayBuffer> }[] = []
    let prev = iv
    let total = 0
    const settle = async () => {
      const s = inFlight.shift()!
      const plain = await s.plain
      buf.set(new Uint8Array(plain), s.at)
      total += plain.byteLength
    }
    for (let a = start; a < end; a += slice) {
      const b = Math.min(a + slice, end)
      ready(b)
      let plain: Promise<ArrayBuffer>
      if (b < end) {
        const last = buf.slice(b - 16, b)
        const extra = cbc(key, last, { disablePadding: true }).encrypt(padBlock)
        const kept = buf.slice(b, b + 16)
        buf.set(extra, b)
        plain = crypto.subtle.decrypt({ name: 'AES-CBC', iv: bs(prev) }, k, bs(buf.subarray(a, b + 16)))
        buf.set(kept, b)
        prev = last
      } else {
        plain = crypto.subtle.decrypt({ name: 'AES-CBC', iv: bs(prev) }, k, bs(buf.subarray(a, b)))
      }
      plain.catch(() => {}) // awaited in order below; a failure must not go unhandled meanwhile
      inFlight.push({ at: a, plain })
      if (inFlight.length >= STREAM_DEPTH) await settle()
    }
    while (inFlight.length) await settle()
    // Every slice but the last returns exactly its length: anything else is not this cipher.
    if (total > length || total < length - 16) throw decryptFailed()
    return buf.subarray(start, start + total)
  } catch {
    throw decryptFailed()
  }
}

/**
 * AES-GCM content decryption (RFC 5084). `data` holds the ciphertext followed by the tag
 * (the caller gathers both into one buffer, so 25 MB is not copied again). WebCrypto
 * returns all or nothing: an altered message yields 'integrity-failed' and no plaintext.
 */
export async function decryptGcm(key: Uint8Array, nonce: Uint8Array, tagLength: number, data: Uint8Array, aad: Uint8Array | null, crypto: CryptoLike): Promise<Uint8Array> {
  const fail = (): CoreError =>
    new CoreError('integrity-failed', 'The message failed its integrity check: it was altered or not encrypted for this key. Nothing of it is shown.')
  if (![12, 13, 14, 15, 16, 4, 8].includes(tagLength) || nonce.length === 0 || data.length < tagLength) throw fail()
  try {
    const k = await crypto.subtle.importKey('raw', bs(key), 'AES-GCM', false, ['decrypt'])
    const params: AesGcmParams = { name: 'AES-GCM', iv: bs(nonce), tagLength: tagLength * 8 }
    if (aad) params.additionalData = bs(aad)
    return new Uint8Array(await crypto.subtle.decrypt(params, k, bs(data)))
  } catch {
    throw fail()
  }
}

/** Encrypt content; for GCM the result is ciphertext || 16-octet tag. */
export async function encryptContent(alg: ContentAlgorithm, key: Uint8Array, ivOrNonce: Uint8Array, data: Uint8Array, crypto: CryptoLike): Promise<Uint8Array> {
  if (alg.mode === 'cbc') {
    const k = await crypto.subtle.importKey('raw', bs(key), 'AES-CBC', false, ['encrypt'])
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: bs(ivOrNonce) }, k, bs(data)))
  }
  if (alg.mode === 'gcm') {
    const k = await crypto.subtle.importKey('raw', bs(key), 'AES-GCM', false, ['encrypt'])
    return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: bs(ivOrNonce), tagLength: 128 }, k, bs(data)))
  }
  throw new CoreError('unsupported-algorithm', `Cachet does not encrypt with ${alg.name}.`)
}
