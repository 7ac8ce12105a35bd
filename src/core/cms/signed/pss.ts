/**
 * RSASSA-PSS verification in software (RFC 8017 §8.1.2, EMSA-PSS-VERIFY §9.1.2), for the
 * parameter sets WebCrypto cannot express: SHA-224 (WebCrypto has no SHA-224) and an MGF1
 * hash that differs from the message hash (RFC 4055 §3.1 allows it; WebCrypto ties MGF1 to
 * the key's hash). Only the public-key operation is done here, so no secret is involved and
 * early exits are fine. The RSA public key comes from the envelope module's SPKI parser.
 */
import { bigToBytes, bytesToBig, modPow, parseRsaPublicKey } from '../envelope/rsa'
import { HASHES } from '../envelope/kdf'
import { mgf1 } from '../envelope/oaep'
import { equal } from '../../util/bytes'
import type { DigestName } from './algorithms'

export interface PssParams {
  hash: DigestName
  mgfHash: DigestName
  saltLength: number
}

/**
 * EMSA-PSS-VERIFY (RFC 8017 §9.1.2). `em` is the encoded message of `emBits` bits, `mHash`
 * the message hash. True when consistent.
 */
export function emsaPssVerify(mHash: Uint8Array, em: Uint8Array, emBits: number, p: PssParams): boolean {
  const hash = HASHES[p.hash]!
  const mgfHash = HASHES[p.mgfHash]!
  const hLen = mHash.length
  const sLen = p.saltLength
  const emLen = Math.ceil(emBits / 8)
  if (em.length !== emLen || sLen < 0 || emLen < hLen + sLen + 2) return false // step 3
  if (em[emLen - 1] !== 0xbc) return false // step 4: trailer field
  const dbLen = emLen - hLen - 1
  const maskedDb = em.subarray(0, dbLen) // step 5
  const h = em.subarray(dbLen, dbLen + hLen)
  const zeroBits = 8 * emLen - emBits
  const topMask = 0xff >> zeroBits
  if ((maskedDb[0]! & ~topMask & 0xff) !== 0) return false // step 6: leftmost bits zero
  const dbMask = mgf1(mgfHash, h, dbLen) // step 7
  const db = maskedDb.map((b, i) => b ^ dbMask[i]!) // step 8
  db[0] = db[0]! & topMask // step 9
  const padEnd = emLen - hLen - sLen - 2 // step 10: PS zeros, then 0x01
  for (let i = 0; i < padEnd; i++) if (db[i] !== 0) return false
  if (db[padEnd] !== 0x01) return false
  const salt = db.subarray(dbLen - sLen) // step 11
  const mPrime = new Uint8Array(8 + hLen + sLen) // step 12: (0x)00*8 || mHash || salt
  mPrime.set(mHash, 8)
  mPrime.set(salt, 8 + hLen)
  return equal(hash(mPrime), h) // steps 13-14
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) over `data` with an rsaEncryption SPKI. The caller
 * re-tags an id-RSASSA-PSS key first. Throws a CoreError when the key cannot be read;
 * returns false for any signature that does not verify.
 */
export function rsaPssVerify(spki: Uint8Array, p: PssParams, data: Uint8Array, sig: Uint8Array): boolean {
  const pub = parseRsaPublicKey(spki)
  if (pub.n < 3n || pub.e < 3n) return false
  if (sig.length !== pub.k) return false // step 1: length check
  const s = bytesToBig(sig)
  if (s >= pub.n) return false // RSAVP1 step 1: representative out of range
  const m = modPow(s, pub.e, pub.n) // RSAVP1 step 2
  const modBits = pub.n.toString(2).length
  const emBits = modBits - 1
  const emLen = Math.ceil(emBits / 8)
  if (m >> BigInt(8 * emLen) !== 0n) return false // I2OSP would fail: "integer too large"
  const em = bigToBytes(m, emLen)
  return emsaPssVerify(HASHES[p.hash]!(data), em, emBits, p)
}
