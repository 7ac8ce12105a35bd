/**
 * DES and Triple DES (EDE) in CBC mode, FIPS 46-3 / SP 800-67.
 *
 * Why our own: WebCrypto has no DES at all, yet 3DES-CBC is what OpenSSL 1.x, Windows
 * and macOS use to protect PKCS#12 keys (pbeWithSHAAnd3-KeyTripleDES-CBC, RFC 7292) and
 * what old S/MIME clients still encrypt mail with (des-ede3-cbc, RFC 3370). Read-only
 * use is the point; it is never offered for new content.
 *
 * The tables are the standard's. The round function is table driven (S-box and P
 * merged into eight 64-entry tables, the initial and final permutations done per byte)
 * so megabytes of 3DES mail decrypt in reasonable time.
 */
import { CoreError } from '../errors'

const IP = [
  58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
  57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
]
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25]
const PC1 = [
  57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
  63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
]
const PC2 = [
  14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2,
  41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
]
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1]
/** S1..S8, each 4 rows of 16. Exported for the table sanity test. */
export const SBOX: readonly (readonly number[])[] = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
]

/** SP[i][v]: P applied to S-box i's output for 6-bit input v, placed in its nibble. */
const SP: Uint32Array[] = SBOX.map((box, i) => {
  const t = new Uint32Array(64)
  for (let v = 0; v < 64; v++) {
    const row = ((v >> 4) & 2) | (v & 1)
    const col = (v >> 1) & 15
    const s = box[row * 16 + col]! << (28 - 4 * i)
    let out = 0
    for (let j = 0; j < 32; j++) if ((s >>> (32 - P[j]!)) & 1) out |= 1 << (31 - j)
    t[v] = out >>> 0
  }
  return t
})

/** A 64-bit permutation done per input byte: 8 × 256 entries of (hi, lo) words. */
function byteTables(perm: readonly number[]): Uint32Array {
  const t = new Uint32Array(8 * 256 * 2)
  for (let pos = 0; pos < 8; pos++) {
    for (let v = 0; v < 256; v++) {
      let hi = 0
      let lo = 0
      for (let j = 0; j < 64; j++) {
        const src = perm[j]! - 1 // 0-based input bit, MSB first
        if ((src >> 3) !== pos) continue
        if (!((v >> (7 - (src & 7))) & 1)) continue
        if (j < 32) hi |= 1 << (31 - j)
        else lo |= 1 << (63 - j)
      }
      t[(pos * 256 + v) * 2] = hi >>> 0
      t[(pos * 256 + v) * 2 + 1] = lo >>> 0
    }
  }
  return t
}
const FP: number[] = new Array(64)
IP.forEach((src, j) => (FP[src - 1] = j + 1))
const IP_T = byteTables(IP)
const FP_T = byteTables(FP)

function permute(t: Uint32Array, hi: number, lo: number, out: Uint32Array): void {
  let a = 0
  let b = 0
  for (let k = 0; k < 8; k++) {
    const byte = k < 4 ? (hi >>> (24 - 8 * k)) & 0xff : (lo >>> (56 - 8 * k)) & 0xff
    const idx = (k * 256 + byte) * 2
    a |= t[idx]!
    b |= t[idx + 1]!
  }
  out[0] = a >>> 0
  out[1] = b >>> 0
}

/** 16 round keys, each as eight 6-bit chunks, from an 8-byte key (parity bits ignored). */
function keySchedule(key: Uint8Array): Uint8Array {
  const bit = (i: number) => (key[i >> 3]! >> (7 - (i & 7))) & 1
  const cd = PC1.map((p) => bit(p - 1))
  const c = cd.slice(0, 28)
  let d = cd.slice(28)
  let cc = c
  const ks = new Uint8Array(16 * 8)
  for (let r = 0; r < 16; r++) {
    const s = SHIFTS[r]!
    cc = cc.slice(s).concat(cc.slice(0, s))
    d = d.slice(s).concat(d.slice(0, s))
    const all = cc.concat(d)
    for (let i = 0; i < 8; i++) {
      let v = 0
      for (let j = 0; j < 6; j++) v = (v << 1) | all[PC2[i * 6 + j]! - 1]!
      ks[r * 8 + i] = v
    }
  }
  return ks
}

const [SP0, SP1, SP2, SP3, SP4, SP5, SP6, SP7] = SP as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array]

/** Feistel state between rounds, kept in module scope to avoid allocation per block. */
let L = 0
let R = 0

/**
 * 16 DES rounds on (L, R) — the state after IP — with round keys in order or reversed,
 * ending with the halves swapped back as the final permutation expects.
 */
function rounds(ks: Uint8Array, decrypt: boolean): void {
  let l = L
  let r = R
  for (let round = 0; round < 16; round++) {
    const k = (decrypt ? 15 - round : round) * 8
    // E expansion: box i reads bits 4i..4i+5 (1-based, wrapping) of R; after rotating
    // right by one they sit at fixed offsets of a.
    const a = ((r >>> 1) | (r << 31)) >>> 0
    const f =
      SP0[((a >>> 26) & 63) ^ ks[k]!]! |
      SP1[((a >>> 22) & 63) ^ ks[k + 1]!]! |
      SP2[((a >>> 18) & 63) ^ ks[k + 2]!]! |
      SP3[((a >>> 14) & 63) ^ ks[k + 3]!]! |
      SP4[((a >>> 10) & 63) ^ ks[k + 4]!]! |
      SP5[((a >>> 6) & 63) ^ ks[k + 5]!]! |
      SP6[((a >>> 2) & 63) ^ ks[k + 6]!]! |
      SP7[(((a & 15) << 2) | (a >>> 30)) ^ ks[k + 7]!]!
    const nr = (l ^ f) >>> 0
    l = r
    r = nr
  }
  // R16 L16 is the pre-output block
  L = r
  R = l
}

const tmp = new Uint32Array(2)

/** A DES or 3DES-EDE key schedule: one key (DES) or three (K1, K2, K3). */
interface Schedule {
  keys: Uint8Array[]
}

function schedule(key: Uint8Array): Schedule {
  if (key.length === 8) return { keys: [keySchedule(key)] }
  if (key.length === 16) return { keys: [keySchedule(key.subarray(0, 8)), keySchedule(key.subarray(8, 16)), keySchedule(key.subarray(0, 8))] }
  if (key.length === 24) return { keys: [0, 8, 16].map((o) => keySchedule(key.subarray(o, o + 8))) }
  throw new CoreError('bad-key', `A DES key is 8, 16 or 24 bytes long, not ${key.length}.`)
}

const blk = new Uint32Array(2)

/**
 * Encrypt (or decrypt) one block into `blk`. For 3DES the final permutation of one
 * stage and the initial permutation of the next cancel, so IP and FP run once.
 */
function cryptWords(s: Schedule, decrypt: boolean, hi: number, lo: number): void {
  permute(IP_T, hi, lo, tmp)
  L = tmp[0]!
  R = tmp[1]!
  const k = s.keys
  if (k.length === 1) rounds(k[0]!, decrypt)
  else if (!decrypt) {
    rounds(k[0]!, false)
    rounds(k[1]!, true)
    rounds(k[2]!, false)
  } else {
    rounds(k[2]!, true)
    rounds(k[1]!, false)
    rounds(k[0]!, true)
  }
  permute(FP_T, L, R, blk)
}
const encryptWords = (s: Schedule, hi: number, lo: number) => cryptWords(s, false, hi, lo)
const decryptWords = (s: Schedule, hi: number, lo: number) => cryptWords(s, true, hi, lo)

const rd = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0
function wr(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24
  b[o + 1] = v >>> 16
  b[o + 2] = v >>> 8
  b[o + 3] = v
}

/** Encrypt one 8-byte block with DES (8-byte key) or 3DES-EDE (16- or 24-byte key). ECB, for test vectors. */
export function desEncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(8)
  encryptWords(schedule(key), rd(block, 0), rd(block, 4))
  wr(out, 0, blk[0]!)
  wr(out, 4, blk[1]!)
  return out
}

/** Decrypt one 8-byte block (ECB). */
export function desDecryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  const out = new Uint8Array(8)
  decryptWords(schedule(key), rd(block, 0), rd(block, 4))
  wr(out, 0, blk[0]!)
  wr(out, 4, blk[1]!)
  return out
}

/**
 * CBC encryption with PKCS#5 padding (RFC 8018 §6.1.1 step 4; RFC 5652 §6.3).
 * `key`: 8 bytes (DES), 16 (two-key 3DES) or 24 (three-key 3DES); `iv`: 8 bytes.
 */
export function desCbcEncrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 8) throw new CoreError('bad-input', 'A DES-CBC IV is 8 bytes.')
  const s = schedule(key)
  const pad = 8 - (data.length % 8)
  const out = new Uint8Array(data.length + pad)
  out.set(data)
  out.fill(pad, data.length)
  let ch = rd(iv, 0)
  let cl = rd(iv, 4)
  for (let o = 0; o < out.length; o += 8) {
    encryptWords(s, (rd(out, o) ^ ch) >>> 0, (rd(out, o + 4) ^ cl) >>> 0)
    ch = blk[0]!
    cl = blk[1]!
    wr(out, o, ch)
    wr(out, o + 4, cl)
  }
  return out
}

/**
 * CBC decryption that checks and strips PKCS#5 padding. A bad length or padding
 * throws CoreError('decrypt-failed'): for PKCS#12 that almost always means the wrong
 * password, and callers translate it.
 */
export function desCbcDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 8) throw new CoreError('bad-input', 'A DES-CBC IV is 8 bytes.')
  if (data.length === 0 || data.length % 8 !== 0) {
    throw new CoreError('decrypt-failed', 'DES-CBC ciphertext is not a whole number of 8-byte blocks.')
  }
  const s = schedule(key)
  const out = new Uint8Array(data.length)
  let ph = rd(iv, 0)
  let pl = rd(iv, 4)
  for (let o = 0; o < data.length; o += 8) {
    const ch = rd(data, o)
    const cl = rd(data, o + 4)
    decryptWords(s, ch, cl)
    wr(out, o, (blk[0]! ^ ph) >>> 0)
    wr(out, o + 4, (blk[1]! ^ pl) >>> 0)
    ph = ch
    pl = cl
  }
  return stripPkcs5(out, 8)
}

/** Remove PKCS#5/PKCS#7 padding for the given block size, or throw decrypt-failed. */
export function stripPkcs5(out: Uint8Array, blockSize: number): Uint8Array {
  const pad = out[out.length - 1]!
  let bad = pad === 0 || pad > blockSize ? 1 : 0
  for (let i = 1; i <= Math.min(pad, blockSize); i++) bad |= out[out.length - i] === pad ? 0 : 1
  if (bad) throw new CoreError('decrypt-failed', 'The decrypted data has invalid padding (wrong key or corrupt data).')
  return out.subarray(0, out.length - pad)
}
