import type { CryptoLike } from '../../crypto'
import { bigToBytes, bytesToBig, rsaDecryptRaw, type RsaPrivateKey } from './rsa'
import type { HashFn } from './kdf'

/** MGF1 (RFC 8017 B.2.1); shared with RSASSA-PSS verification in cms/signed/pss.ts. */
export function mgf1(hash: HashFn, seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length)
  const input = new Uint8Array(seed.length + 4)
  input.set(seed)
  for (let counter = 0, o = 0; o < length; counter++) {
    new DataView(input.buffer).setUint32(seed.length, counter)
    const h = hash(input)
    out.set(h.subarray(0, Math.min(h.length, length - o)), o)
    o += h.length
  }
  return out
}

/**
 * RSAES-OAEP decryption in software (RFC 8017 §7.1.2), for parameter sets WebCrypto
 * cannot express: a hash different from the MGF1 hash (Java's "OAEPWithSHA-256AndMGF1Padding"
 * keeps MGF1-SHA-1) or SHA-224. Checks are combined without early exit; returns null on any
 * decoding error (the caller substitutes a random key, so failure shows up only as a
 * content decryption failure).
 */
export function oaepDecrypt(key: RsaPrivateKey, ciphertext: Uint8Array, hash: HashFn, mgfHash: HashFn, label: Uint8Array, crypto: CryptoLike): Uint8Array | null {
  const k = key.k
  const lHash = hash(label)
  const hLen = lHash.length
  if (ciphertext.length !== k || k < 2 * hLen + 2) return null
  const c = bytesToBig(ciphertext)
  if (c >= key.n) return null
  const em = bigToBytes(rsaDecryptRaw(key, c, crypto), k)
  const maskedSeed = em.subarray(1, 1 + hLen)
  const maskedDb = em.subarray(1 + hLen)
  const seedMask = mgf1(mgfHash, maskedDb, hLen)
  const seed = maskedSeed.map((b, i) => b ^ seedMask[i]!)
  const dbMask = mgf1(mgfHash, seed, k - hLen - 1)
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!)
  let bad = em[0]!
  for (let i = 0; i < hLen; i++) bad |= db[i]! ^ lHash[i]!
  // Find the 0x01 separator after the zero padding without branching on secret data early.
  let found = 0
  let index = 0
  for (let i = hLen; i < db.length; i++) {
    const isOne = db[i] === 1 ? 1 : 0
    const isZero = db[i] === 0 ? 1 : 0
    const first = isOne & (found ^ 1)
    index = first ? i : index
    bad |= (found ^ 1) & ((isOne | isZero) ^ 1)
    found |= isOne
  }
  if (bad !== 0 || !found) return null
  return db.slice(index + 1)
}
