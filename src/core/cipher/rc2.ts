/**
 * RC2 (RFC 2268) in CBC mode, with the "effective key bits" parameter.
 *
 * Why our own: WebCrypto and @noble/ciphers have no RC2, yet pbeWithSHAAnd40BitRC2-CBC
 * is what OpenSSL 1.x, `openssl pkcs12 -legacy` and Windows use to encrypt the
 * certificates inside a PKCS#12 file (RFC 7292 Appendix C), and old S/MIME mail
 * used rc2-cbc (RFC 3370 §5.2). Read-mostly: encryption exists for tests and symmetry.
 */
import { CoreError } from '../errors'
import { stripPkcs5 } from './des'

/** PITABLE of RFC 2268 §2: a permutation of 0..255 derived from the digits of pi. */
const PITABLE = new Uint8Array([
  0xd9, 0x78, 0xf9, 0xc4, 0x19, 0xdd, 0xb5, 0xed, 0x28, 0xe9, 0xfd, 0x79, 0x4a, 0xa0, 0xd8, 0x9d,
  0xc6, 0x7e, 0x37, 0x83, 0x2b, 0x76, 0x53, 0x8e, 0x62, 0x4c, 0x64, 0x88, 0x44, 0x8b, 0xfb, 0xa2,
  0x17, 0x9a, 0x59, 0xf5, 0x87, 0xb3, 0x4f, 0x13, 0x61, 0x45, 0x6d, 0x8d, 0x09, 0x81, 0x7d, 0x32,
  0xbd, 0x8f, 0x40, 0xeb, 0x86, 0xb7, 0x7b, 0x0b, 0xf0, 0x95, 0x21, 0x22, 0x5c, 0x6b, 0x4e, 0x82,
  0x54, 0xd6, 0x65, 0x93, 0xce, 0x60, 0xb2, 0x1c, 0x73, 0x56, 0xc0, 0x14, 0xa7, 0x8c, 0xf1, 0xdc,
  0x12, 0x75, 0xca, 0x1f, 0x3b, 0xbe, 0xe4, 0xd1, 0x42, 0x3d, 0xd4, 0x30, 0xa3, 0x3c, 0xb6, 0x26,
  0x6f, 0xbf, 0x0e, 0xda, 0x46, 0x69, 0x07, 0x57, 0x27, 0xf2, 0x1d, 0x9b, 0xbc, 0x94, 0x43, 0x03,
  0xf8, 0x11, 0xc7, 0xf6, 0x90, 0xef, 0x3e, 0xe7, 0x06, 0xc3, 0xd5, 0x2f, 0xc8, 0x66, 0x1e, 0xd7,
  0x08, 0xe8, 0xea, 0xde, 0x80, 0x52, 0xee, 0xf7, 0x84, 0xaa, 0x72, 0xac, 0x35, 0x4d, 0x6a, 0x2a,
  0x96, 0x1a, 0xd2, 0x71, 0x5a, 0x15, 0x49, 0x74, 0x4b, 0x9f, 0xd0, 0x5e, 0x04, 0x18, 0xa4, 0xec,
  0xc2, 0xe0, 0x41, 0x6e, 0x0f, 0x51, 0xcb, 0xcc, 0x24, 0x91, 0xaf, 0x50, 0xa1, 0xf4, 0x70, 0x39,
  0x99, 0x7c, 0x3a, 0x85, 0x23, 0xb8, 0xb4, 0x7a, 0xfc, 0x02, 0x36, 0x5b, 0x25, 0x55, 0x97, 0x31,
  0x2d, 0x5d, 0xfa, 0x98, 0xe3, 0x8a, 0x92, 0xae, 0x05, 0xdf, 0x29, 0x10, 0x67, 0x6c, 0xba, 0xc9,
  0xd3, 0x00, 0xe6, 0xcf, 0xe1, 0x9e, 0xa8, 0x2c, 0x63, 0x16, 0x01, 0x3f, 0x58, 0xe2, 0x89, 0xa9,
  0x0d, 0x38, 0x34, 0x1b, 0xab, 0x33, 0xff, 0xb0, 0xbb, 0x48, 0x0c, 0x5f, 0xb9, 0xb1, 0xcd, 0x2e,
  0xc5, 0xf3, 0xdb, 0x47, 0xe5, 0xa5, 0x9c, 0x77, 0x0a, 0xa6, 0x20, 0x68, 0xfe, 0x7f, 0xc1, 0xad,
])

/** RFC 2268 §2 key expansion: 1..128 key bytes and T1 effective bits -> K[0..63]. */
export function rc2ExpandKey(key: Uint8Array, effectiveBits: number): Uint16Array {
  const t = key.length
  if (t < 1 || t > 128) throw new CoreError('bad-key', `An RC2 key is 1 to 128 bytes long, not ${t}.`)
  if (!Number.isInteger(effectiveBits) || effectiveBits < 1 || effectiveBits > 1024) {
    throw new CoreError('bad-key', `RC2 effective key bits must be 1..1024, not ${effectiveBits}.`)
  }
  const L = new Uint8Array(128)
  L.set(key)
  for (let i = t; i < 128; i++) L[i] = PITABLE[(L[i - 1]! + L[i - t]!) & 0xff]!
  const t8 = (effectiveBits + 7) >> 3
  const tm = 0xff >> (8 * t8 - effectiveBits)
  L[128 - t8] = PITABLE[L[128 - t8]! & tm]!
  for (let i = 127 - t8; i >= 0; i--) L[i] = PITABLE[L[i + 1]! ^ L[i + t8]!]!
  const K = new Uint16Array(64)
  for (let i = 0; i < 64; i++) K[i] = L[2 * i]! | (L[2 * i + 1]! << 8)
  return K
}

const R = new Uint16Array(4)

function encryptBlock(K: Uint16Array): void {
  let j = 0
  for (let round = 0; round < 16; round++) {
    // mixing round (RFC 2268 §3.1)
    for (let i = 0; i < 4; i++) {
      let x = (R[i]! + K[j++]! + (R[(i + 3) & 3]! & R[(i + 2) & 3]!) + (~R[(i + 3) & 3]! & R[(i + 1) & 3]!)) & 0xffff
      const s = SHIFT[i]!
      x = ((x << s) | (x >>> (16 - s))) & 0xffff
      R[i] = x
    }
    // mashing rounds after rounds 5 and 11 (§3.2)
    if (round === 4 || round === 10) for (let i = 0; i < 4; i++) R[i] = R[i]! + K[R[(i + 3) & 3]! & 63]!
  }
}

function decryptBlock(K: Uint16Array): void {
  let j = 63
  for (let round = 15; round >= 0; round--) {
    for (let i = 3; i >= 0; i--) {
      const s = SHIFT[i]!
      let x = R[i]!
      x = ((x >>> s) | (x << (16 - s))) & 0xffff
      R[i] = x - K[j--]! - (R[(i + 3) & 3]! & R[(i + 2) & 3]!) - (~R[(i + 3) & 3]! & R[(i + 1) & 3]!)
    }
    if (round === 5 || round === 11) for (let i = 3; i >= 0; i--) R[i] = R[i]! - K[R[(i + 3) & 3]! & 63]!
  }
}
const SHIFT = [1, 2, 3, 5]

function load(b: Uint8Array, o: number): void {
  for (let i = 0; i < 4; i++) R[i] = b[o + 2 * i]! | (b[o + 2 * i + 1]! << 8)
}
function store(b: Uint8Array, o: number): void {
  for (let i = 0; i < 4; i++) {
    b[o + 2 * i] = R[i]! & 0xff
    b[o + 2 * i + 1] = R[i]! >>> 8
  }
}

/** One RC2 block (ECB), for the RFC 2268 §5 test vectors. */
export function rc2EncryptBlock(key: Uint8Array, effectiveBits: number, block: Uint8Array): Uint8Array {
  const K = rc2ExpandKey(key, effectiveBits)
  const out = new Uint8Array(8)
  load(block, 0)
  encryptBlock(K)
  store(out, 0)
  return out
}

export function rc2DecryptBlock(key: Uint8Array, effectiveBits: number, block: Uint8Array): Uint8Array {
  const K = rc2ExpandKey(key, effectiveBits)
  const out = new Uint8Array(8)
  load(block, 0)
  decryptBlock(K)
  store(out, 0)
  return out
}

/** RC2-CBC with PKCS#5 padding. */
export function rc2CbcEncrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 8) throw new CoreError('bad-input', 'An RC2-CBC IV is 8 bytes.')
  const K = rc2ExpandKey(key, effectiveBits)
  const pad = 8 - (data.length % 8)
  const out = new Uint8Array(data.length + pad)
  out.set(data)
  out.fill(pad, data.length)
  let prev: Uint8Array = iv
  for (let o = 0; o < out.length; o += 8) {
    for (let i = 0; i < 8; i++) out[o + i]! ^= prev[i]!
    load(out, o)
    encryptBlock(K)
    store(out, o)
    prev = out.subarray(o, o + 8)
  }
  return out
}

/** RC2-CBC decryption; bad length or padding throws CoreError('decrypt-failed'). */
export function rc2CbcDecrypt(key: Uint8Array, effectiveBits: number, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 8) throw new CoreError('bad-input', 'An RC2-CBC IV is 8 bytes.')
  if (data.length === 0 || data.length % 8 !== 0) {
    throw new CoreError('decrypt-failed', 'RC2-CBC ciphertext is not a whole number of 8-byte blocks.')
  }
  const K = rc2ExpandKey(key, effectiveBits)
  const out = new Uint8Array(data.length)
  let prev: Uint8Array = iv
  for (let o = 0; o < data.length; o += 8) {
    load(data, o)
    decryptBlock(K)
    store(out, o)
    for (let i = 0; i < 8; i++) out[o + i]! ^= prev[i]!
    prev = data.subarray(o, o + 8)
  }
  return stripPkcs5(out, 8)
}

/**
 * RFC 2268 §6: the RC2CBCParameter's rc2ParameterVersion encodes effective key bits
 * (160 -> 40, 120 -> 64, 58 -> 128, values >= 256 are the bit count itself).
 */
export function rc2EffectiveBitsFromVersion(version: number): number {
  if (version >= 256) return version
  const map: Record<number, number> = { 160: 40, 120: 64, 58: 128 }
  const bits = map[version]
  if (bits === undefined) throw new CoreError('unsupported-algorithm', `RC2 parameter version ${version} is not one RFC 2268 defines.`)
  return bits
}
