import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { toHex } from '../../util/bytes'
import { BerReader, decodeOid, expectTag, readAlgId } from './ber'

/**
 * RSA with BigInt, for what WebCrypto lacks: RSAES-PKCS1-v1_5 (RFC 8017 §7.2), the key
 * transport most S/MIME mail uses. Decryption uses CRT with blinding and implements
 * implicit rejection (RFC 3218 §2.3; draft-irtf-cfrg-rsa-guidance): a padding error
 * yields a synthetic key instead of an error, so the caller fails later, at content
 * decryption, exactly as with a wrong key. There is no early exit on padding errors.
 */
export interface RsaPrivateKey {
  n: bigint
  e: bigint
  d: bigint
  p: bigint
  q: bigint
  dp: bigint
  dq: bigint
  qinv: bigint
  /** Modulus length in octets. */
  k: number
  /** d as k octets (input to the implicit-rejection key derivation). */
  dBytes: Uint8Array
}

export interface RsaPublicKey {
  n: bigint
  e: bigint
  k: number
}

export function bytesToBig(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + toHex(b))
}

/** I2OSP: big-endian, exactly `len` octets. */
export function bigToBytes(x: bigint, len: number): Uint8Array {
  const hex = x.toString(16).padStart(len * 2, '0')
  if (hex.length > len * 2) throw new CoreError('internal', 'integer too large')
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16)
  return out
}

function byteLength(n: bigint): number {
  return Math.ceil(n.toString(16).length / 2)
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  // Fixed 4-bit window: the sequence of squarings and multiplications does not depend
  // on the exponent's bits (a multiplication per window, by table[0] = 1 for zero windows).
  base %= mod
  const table: bigint[] = [1n, base]
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * base) % mod)
  const hex = exp.toString(16)
  let r = 1n
  for (let i = 0; i < hex.length; i++) {
    r = (r * r) % mod
    r = (r * r) % mod
    r = (r * r) % mod
    r = (r * r) % mod
    r = (r * table[parseInt(hex[i]!, 16)]!) % mod
  }
  return r
}

export function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [((a % m) + m) % m, m]
  let [oldS, s] = [1n, 0n]
  while (r !== 0n) {
    const q = oldR / r
    ;[oldR, r] = [r, oldR - q * r]
    ;[oldS, s] = [s, oldS - q * s]
  }
  if (oldR !== 1n) throw new CoreError('bad-key', 'The RSA key is not valid (no inverse).')
  return ((oldS % m) + m) % m
}

function readInts(seqBytes: Uint8Array): bigint[] {
  const inner = new BerReader(seqBytes)
  return inner.children(expectTag(inner.read(0), 0x30, 'an RSA key')).map((t) => bytesToBig(inner.value(expectTag(t, 0x02, 'an integer'))))
}

/** PKCS#8 PrivateKeyInfo (RFC 5208) → algorithm OID, the named curve if any, and the inner key bytes. */
export function parsePkcs8(der: Uint8Array): { algorithm: string; curve: string | null; privateKey: Uint8Array } {
  try {
    const r = new BerReader(der)
    const k = r.children(expectTag(r.read(0), 0x30, 'a PKCS#8 key'))
    const alg = readAlgId(r, k[1])
    const curve = alg.params?.tag === 0x06 ? decodeOid(r.value(alg.params)) : null
    return { algorithm: alg.oid, curve, privateKey: r.value(expectTag(k[2], 0x04, 'the private key octets')) }
  } catch (e) {
    throw new CoreError('bad-key', 'The private key could not be read (not PKCS#8).', { cause: e })
  }
}

export function parseRsaPrivateKey(pkcs8: Uint8Array): RsaPrivateKey {
  const { algorithm, privateKey } = parsePkcs8(pkcs8)
  if (algorithm !== OID.rsaEncryption && algorithm !== OID.rsaesOaep) {
    throw new CoreError('bad-key', 'The private key is not an RSA key.')
  }
  try {
    const ints = readInts(privateKey)
    const [, n, e, d, p, q, dp, dq, qinv] = ints
    if (n === undefined || e === undefined || d === undefined) throw new Error('short key')
    const k = byteLength(n)
    return {
      n,
      e,
      d,
      p: p ?? 0n,
      q: q ?? 0n,
      dp: dp ?? 0n,
      dq: dq ?? 0n,
      qinv: qinv ?? 0n,
      k,
      dBytes: bigToBytes(d, k),
    }
  } catch (e) {
    if (e instanceof CoreError) throw e
    throw new CoreError('bad-key', 'The RSA private key could not be read.', { cause: e })
  }
}

/** RSAPublicKey from a SubjectPublicKeyInfo (RFC 5280, RFC 8017 A.1.1). */
export function parseRsaPublicKey(spki: Uint8Array): RsaPublicKey {
  const r = new BerReader(spki)
  const s = r.children(expectTag(r.read(0), 0x30, 'a public key info'))
  const alg = readAlgId(r, s[0])
  if (alg.oid !== OID.rsaEncryption && alg.oid !== OID.rsaesOaep) throw new CoreError('certificate-unusable', 'The certificate does not hold an RSA key.')
  const bits = r.value(expectTag(s[1], 0x03, 'a public key'))
  const [n, e] = readInts(bits.subarray(1))
  if (n === undefined || e === undefined) throw new CoreError('certificate-unusable', 'The RSA public key is malformed.')
  return { n, e, k: byteLength(n) }
}

function randomBelow(n: bigint, crypto: CryptoLike): bigint {
  const len = byteLength(n) + 8
  const buf = new Uint8Array(len)
  crypto.getRandomValues(buf)
  const r = bytesToBig(buf) % n
  return r < 2n ? 2n : r
}

/** RSADP with CRT and multiplicative blinding (a fresh random r per operation). */
export function rsaDecryptRaw(key: RsaPrivateKey, c: bigint, crypto: CryptoLike): bigint {
  const { n, e } = key
  let r = randomBelow(n, crypto)
  let rInv: bigint
  for (;;) {
    try {
      rInv = modInverse(r, n)
      break
    } catch {
      r = randomBelow(n, crypto)
    }
  }
  const blinded = (c * modPow(r, e, n)) % n
  let m: bigint
  if (key.p > 0n && key.q > 0n && key.dp > 0n && key.dq > 0n && key.qinv > 0n) {
    const m1 = modPow(blinded, key.dp, key.p)
    const m2 = modPow(blinded, key.dq, key.q)
    const h = (key.qinv * (((m1 - m2) % key.p) + key.p)) % key.p
    m = m2 + h * key.q
  } else {
    m = modPow(blinded, key.d, n)
  }
  return (m * rInv) % n
}

/**
 * The implicit-rejection key derivation key: KDK = HMAC-SHA256(SHA-256(d), C), as in
 * draft-irtf-cfrg-rsa-guidance. Deterministic for a given key and ciphertext, so an
 * attacker resending the same ciphertext sees the same (wrong) key every time.
 */
function syntheticKey(key: RsaPrivateKey, cPadded: Uint8Array, length: number): Uint8Array {
  const kdk = hmac(sha256, sha256(key.dBytes), cPadded)
  const out = new Uint8Array(length)
  let filled = 0
  for (let i = 0; filled < length; i++) {
    const block = hmac(sha256, kdk, new Uint8Array([i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff, ...new TextEncoder().encode('message')]))
    out.set(block.subarray(0, Math.min(32, length - filled)), filled)
    filled += 32
  }
  return out
}

/**
 * RSAES-PKCS1-v1_5 decryption of a key of known length, with implicit rejection.
 * Always returns `expectedLength` octets: the real key when EM = 00 02 PS(≥8 nonzero)
 * 00 M with |M| = expectedLength, otherwise the synthetic key. The checks run over
 * every octet and combine with masks; the result is selected octet by octet.
 */
export function pkcs1v15DecryptKey(key: RsaPrivateKey, ciphertext: Uint8Array, expectedLength: number, crypto: CryptoLike): Uint8Array {
  const k = key.k
  // Left-pad (or reject) the ciphertext to k octets; a wrong length is a padding error too.
  const cPadded = new Uint8Array(k)
  let lengthOk = ciphertext.length <= k ? 1 : 0
  cPadded.set(ciphertext.subarray(Math.max(0, ciphertext.length - k)), Math.max(0, k - ciphertext.length))
  const synthetic = syntheticKey(key, cPadded, expectedLength)
  let c = bytesToBig(cPadded)
  if (c >= key.n) {
    lengthOk = 0
    c = 0n
  }
  const em = bigToBytes(rsaDecryptRaw(key, c, crypto), k)
  const sep = k - expectedLength - 1
  // good = EM[0]==0 & EM[1]==2 & EM[2..sep-1] nonzero & EM[sep]==0 & sep >= 10
  let good = lengthOk & (sep >= 10 ? 1 : 0)
  good &= isZero(em[0] ?? 1)
  good &= isZero((em[1] ?? 0) ^ 2)
  for (let i = 2; i < k; i++) {
    const z = isZero(em[i]!)
    const inPs = i < sep ? 1 : 0
    const atSep = i === sep ? 1 : 0
    good &= (inPs & (z ^ 1)) | (atSep & z) | ((inPs | atSep) ^ 1)
  }
  const mask = -good & 0xff
  const out = new Uint8Array(expectedLength)
  for (let i = 0; i < expectedLength; i++) {
    const real = em[k - expectedLength + i] ?? 0
    out[i] = (real & mask) | (synthetic[i]! & ~mask & 0xff)
  }
  return out
}

function isZero(x: number): number {
  return ((x | -x) >>> 31) ^ 1
}

/** RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1) with random nonzero padding. */
export function pkcs1v15Encrypt(pub: RsaPublicKey, message: Uint8Array, crypto: CryptoLike): Uint8Array {
  const k = pub.k
  if (message.length > k - 11) throw new CoreError('certificate-unusable', 'The RSA key is too small for this content key.')
  const em = new Uint8Array(k)
  em[1] = 2
  const ps = em.subarray(2, k - message.length - 1)
  crypto.getRandomValues(ps)
  for (let i = 0; i < ps.length; i++) {
    while (ps[i] === 0) {
      const one = new Uint8Array(1)
      crypto.getRandomValues(one)
      ps[i] = one[0]!
    }
  }
  em.set(message, k - message.length)
  return bigToBytes(modPow(bytesToBig(em), pub.e, pub.n), k)
}
