/**
 * The PKCS#12 password-based key derivation of RFC 7292 Appendix B, and the password
 * encodings PKCS#12 files are made with.
 *
 * Why the care with encodings: Appendix B.1 hashes the password as a BMPString
 * (UTF-16BE) with a trailing 00 00, while PBES2 (RFC 8018) takes the password as bytes
 * (UTF-8 in OpenSSL, NSS and Windows). An absent password (Windows "no password"
 * exports) is the empty byte string, while an empty password "" is just the 00 00
 * terminator; files of both kinds exist, and OpenSSL tries both, so do we.
 */
import { sha1 } from '@noble/hashes/legacy.js'
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { CoreError } from '../errors'
import { utf8 } from '../util/bytes'

export type HashName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512'

export interface SyncHash {
  (msg: Uint8Array): Uint8Array
  outputLen: number
  blockLen: number
}

export const HASHES: Record<HashName, SyncHash> = {
  'SHA-1': sha1 as unknown as SyncHash,
  'SHA-224': sha224 as unknown as SyncHash,
  'SHA-256': sha256 as unknown as SyncHash,
  'SHA-384': sha384 as unknown as SyncHash,
  'SHA-512': sha512 as unknown as SyncHash,
}

/**
 * Bounds on iteration counts so a hostile file cannot pin the CPU for minutes. PBKDF2
 * runs natively in WebCrypto; the RFC 7292 KDF runs in JavaScript, so it gets a lower
 * bound that still covers NSS's 600 000.
 */
export const MAX_ITERATIONS = 10_000_000
export const MAX_KDF_ITERATIONS = 2_000_000

export const KDF_ID = { key: 1, iv: 2, mac: 3 } as const

/**
 * RFC 7292 B.2: derive `n` bytes of purpose `id` (1 key, 2 IV, 3 MAC key) from the
 * BMPString-encoded password `pw` (terminator included, or empty when absent).
 */
export function pkcs12Kdf(hashName: HashName, pw: Uint8Array, salt: Uint8Array, id: number, iterations: number, n: number): Uint8Array {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_KDF_ITERATIONS) {
    throw new CoreError('unsupported-algorithm', `The PKCS#12 iteration count ${iterations} is outside 1..${MAX_KDF_ITERATIONS}.`)
  }
  const H = HASHES[hashName]
  const u = H.outputLen
  const v = H.blockLen
  const fill = (src: Uint8Array) => {
    const len = src.length === 0 ? 0 : v * Math.ceil(src.length / v)
    const out = new Uint8Array(len)
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!
    return out
  }
  const S = fill(salt)
  const P = fill(pw)
  const I = new Uint8Array(S.length + P.length)
  I.set(S)
  I.set(P, S.length)
  const D = new Uint8Array(v).fill(id)
  const out = new Uint8Array(n)
  const DI = new Uint8Array(v + I.length)
  DI.set(D)
  const Bv = new Uint8Array(v)
  for (let off = 0; off < n; off += u) {
    DI.set(I, v)
    const A = iterateHash(hashName, DI, iterations)
    out.set(A.subarray(0, Math.min(u, n - off)), off)
    if (off + u >= n) break
    for (let i = 0; i < v; i++) Bv[i] = A[i % u]!
    // I_j = (I_j + B + 1) mod 2^(8v), big-endian, for every v-byte block of I
    for (let j = 0; j < I.length; j += v) {
      let carry = 1
      for (let k = v - 1; k >= 0; k--) {
        const s = I[j + k]! + Bv[k]! + carry
        I[j + k] = s & 0xff
        carry = s >>> 8
      }
    }
  }
  return out
}

interface IncrementalHash {
  update(b: Uint8Array): IncrementalHash
  digestInto(out: Uint8Array): void
  _cloneInto(to: IncrementalHash): IncrementalHash
}

/**
 * H^r(input). The loop is the hot spot of the RFC 7292 KDF (NSS writes 600 000
 * iterations), so for the 32-bit SHA family the hash state is reset by cloning a fresh
 * instance instead of allocating a hash object per round (about 4× faster).
 */
export function iterateHash(hashName: HashName, input: Uint8Array, iterations: number): Uint8Array {
  const H = HASHES[hashName]
  if (hashName === 'SHA-384' || hashName === 'SHA-512') {
    let A = H(input)
    for (let r = 1; r < iterations; r++) A = H(A)
    return A
  }
  const create = (H as unknown as { create(): IncrementalHash }).create
  const fresh = create()
  const work = create()
  const A = new Uint8Array(H.outputLen)
  fresh._cloneInto(work).update(input).digestInto(A)
  for (let r = 1; r < iterations; r++) fresh._cloneInto(work).update(A).digestInto(A)
  return A
}

/** One way of turning the user's password into bytes; readers try each in turn. */
export interface PasswordForm {
  /** For the RFC 7292 KDF: BMPString with 00 00, or empty when absent. */
  bmp: Uint8Array
  /** For PBES1/PBES2/PBMAC1 (RFC 8018, RFC 9579): UTF-8 bytes. */
  bytes: Uint8Array
}

/** BMPString (UTF-16BE code units) plus the 00 00 terminator (RFC 7292 B.1). */
export function bmpPassword(pw: string): Uint8Array {
  const out = new Uint8Array(pw.length * 2 + 2)
  for (let i = 0; i < pw.length; i++) {
    const c = pw.charCodeAt(i)
    out[2 * i] = c >> 8
    out[2 * i + 1] = c & 0xff
  }
  return out
}

/**
 * The encodings to try for `password`, most likely first: null (absent) and "" are
 * each tried both ways; a non-ASCII password is also tried the way OpenSSL 1.x made
 * it (each UTF-8 byte widened to 16 bits), as OpenSSL 3 does when the MAC fails.
 */
export function passwordForms(password: string | null): PasswordForm[] {
  const empty = new Uint8Array(0)
  const terminator = new Uint8Array(2)
  if (password === null) return [{ bmp: empty, bytes: empty }, { bmp: terminator, bytes: empty }]
  if (password === '') return [{ bmp: terminator, bytes: empty }, { bmp: empty, bytes: empty }]
  const bytes = utf8(password)
  const forms = [{ bmp: bmpPassword(password), bytes }]
  if ([...password].some((ch) => ch.charCodeAt(0) > 0x7f)) {
    const wide = new Uint8Array(bytes.length * 2 + 2)
    bytes.forEach((c, i) => (wide[2 * i + 1] = c))
    forms.push({ bmp: wide, bytes })
  }
  return forms
}
