/**
 * Password-based encryption schemes found in PKCS#12 files, decrypt side, plus PBES2
 * encryption for writing.
 *
 * - RFC 7292 Appendix C: pbeWithSHAAnd{3,2}-KeyTripleDES-CBC, pbeWithSHAAnd{128,40}BitRC2-CBC,
 *   pbeWithSHAAnd{128,40}BitRC4 — key and IV from the Appendix B KDF over the BMPString password.
 * - RFC 8018 PBES2: PBKDF2 (HMAC-SHA-1/224/256/384/512) with AES-CBC, DES-EDE3-CBC,
 *   DES-CBC or RC2-CBC — password as UTF-8 bytes.
 * - RFC 8018 PBES1 (MD5/SHA-1 with DES or RC2), still met in old Java keystores.
 * A wrong password surfaces here as bad padding: CoreError('decrypt-failed').
 */
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js'
import { md5 } from '@noble/hashes/legacy.js'
import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { OID } from '../asn1/oids'
import { desCbcDecrypt } from '../cipher/des'
import { rc2CbcDecrypt, rc2EffectiveBitsFromVersion } from '../cipher/rc2'
import { rc4 } from '../cipher/rc4'
import { toArrayBuffer } from '../util/bytes'
import { algorithm, b, children, int, octets, parseDer as parseDerLimited, type Node } from './asn1'
import { HASHES, KDF_ID, MAX_ITERATIONS, pkcs12Kdf, type HashName, type PasswordForm, type SyncHash } from './kdf'

export type Algorithm = { oid: string; params: Node | undefined }

const LEGACY: Record<string, { name: string; cipher: 'des3' | 'rc2' | 'rc4'; keyLen: number; bits?: number }> = {
  [OID.pbeWithSHAAnd3KeyTripleDESCBC]: { name: 'pbeWithSHAAnd3-KeyTripleDES-CBC', cipher: 'des3', keyLen: 24 },
  [OID.pbeWithSHAAnd2KeyTripleDESCBC]: { name: 'pbeWithSHAAnd2-KeyTripleDES-CBC', cipher: 'des3', keyLen: 16 },
  [OID.pbeWithSHAAnd128BitRC2CBC]: { name: 'pbeWithSHAAnd128BitRC2-CBC', cipher: 'rc2', keyLen: 16, bits: 128 },
  [OID.pbeWithSHAAnd40BitRC2CBC]: { name: 'pbeWithSHAAnd40BitRC2-CBC', cipher: 'rc2', keyLen: 5, bits: 40 },
  [OID.pbeWithSHAAnd128BitRC4]: { name: 'pbeWithSHAAnd128BitRC4', cipher: 'rc4', keyLen: 16 },
  [OID.pbeWithSHAAnd40BitRC4]: { name: 'pbeWithSHAAnd40BitRC4', cipher: 'rc4', keyLen: 5 },
}

const PBES1: Record<string, { name: string; hash: 'MD5' | 'SHA-1'; cipher: 'des' | 'rc2' }> = {
  '1.2.840.113549.1.5.3': { name: 'pbeWithMD5AndDES-CBC', hash: 'MD5', cipher: 'des' },
  '1.2.840.113549.1.5.6': { name: 'pbeWithMD5AndRC2-CBC', hash: 'MD5', cipher: 'rc2' },
  '1.2.840.113549.1.5.10': { name: 'pbeWithSHA1AndDES-CBC', hash: 'SHA-1', cipher: 'des' },
  '1.2.840.113549.1.5.11': { name: 'pbeWithSHA1AndRC2-CBC', hash: 'SHA-1', cipher: 'rc2' },
}

export const PRF: Record<string, HashName> = {
  [OID.hmacWithSHA1]: 'SHA-1',
  '1.2.840.113549.2.8': 'SHA-224',
  [OID.hmacWithSHA256]: 'SHA-256',
  [OID.hmacWithSHA384]: 'SHA-384',
  [OID.hmacWithSHA512]: 'SHA-512',
}

const CIPHERS: Record<string, { name: string; keyLen: number }> = {
  [OID.aes128CBC]: { name: 'AES-128-CBC', keyLen: 16 },
  [OID.aes192CBC]: { name: 'AES-192-CBC', keyLen: 24 },
  [OID.aes256CBC]: { name: 'AES-256-CBC', keyLen: 32 },
  [OID.desEDE3CBC]: { name: 'DES-EDE3-CBC', keyLen: 24 },
  '1.3.14.3.2.7': { name: 'DES-CBC', keyLen: 8 },
  [OID.rc2CBC]: { name: 'RC2-CBC', keyLen: 16 },
}

function unsupported(what: string, oidValue: string): never {
  throw new CoreError('unsupported-algorithm', `The PKCS#12 file uses ${what} ${oidValue}, which Cachet does not support. Export it again with AES (for example \`openssl pkcs12 -export\` with OpenSSL 3) and import that file.`)
}

interface Pbkdf2Params {
  salt: Uint8Array
  iterations: number
  keyLength?: number
  prf: HashName
}

/** PBKDF2-params (RFC 8018 A.2). */
export function parsePbkdf2(alg: Algorithm): Pbkdf2Params {
  if (alg.oid !== OID.pbkdf2) unsupported('the key derivation function', alg.oid)
  const c = children(alg.params, 'PBKDF2-params')
  const saltNode = c[0]
  if (!saltNode || saltNode.idBlock.tagNumber !== 4) unsupported('a PBKDF2 salt source', 'otherSource')
  const salt = octets(saltNode, 'PBKDF2 salt')
  const iterations = int(c[1], 'PBKDF2 iteration count')
  let i = 2
  let keyLength: number | undefined
  if (c[i] && c[i]!.idBlock.tagClass === 1 && c[i]!.idBlock.tagNumber === 2) keyLength = int(c[i++], 'PBKDF2 key length')
  let prf: HashName = 'SHA-1'
  if (c[i]) {
    const p = algorithm(c[i], 'PBKDF2 prf')
    prf = PRF[p.oid] ?? unsupported('the PBKDF2 pseudo-random function', p.oid)
  }
  return { salt, iterations, keyLength, prf }
}

/** PBKDF2, by WebCrypto where it can (fast, native), else by @noble/hashes. */
export async function pbkdf2(crypto: CryptoLike, prf: HashName, password: Uint8Array, salt: Uint8Array, iterations: number, len: number): Promise<Uint8Array> {
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new CoreError('unsupported-algorithm', `The PBKDF2 iteration count ${iterations} is outside 1..${MAX_ITERATIONS}.`)
  }
  if (prf !== 'SHA-224' && password.length > 0) {
    try {
      const k = await crypto.subtle.importKey('raw', toArrayBuffer(password), 'PBKDF2', false, ['deriveBits'])
      const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: prf, salt: toArrayBuffer(salt), iterations }, k, len * 8)
      return new Uint8Array(bits)
    } catch {
      // fall through: some engines refuse particular inputs; noble computes the same function
    }
  }
  return pbkdf2Async(HASHES[prf] as never, password, salt, { c: iterations, dkLen: len, asyncTick: 20 })
}

/** Human name of an encryption AlgorithmIdentifier; throws unsupported-algorithm. */
export function pbeName(alg: Algorithm): string {
  const legacy = LEGACY[alg.oid] ?? PBES1[alg.oid]
  if (legacy) return legacy.name
  if (alg.oid !== OID.pbes2) unsupported('the encryption algorithm', alg.oid)
  const c = children(alg.params, 'PBES2-params')
  const kdf = parsePbkdf2(algorithm(c[0], 'PBES2 key derivation'))
  const enc = algorithm(c[1], 'PBES2 encryption scheme')
  const cipher = CIPHERS[enc.oid] ?? unsupported('the PBES2 cipher', enc.oid)
  return `PBES2 PBKDF2-HMAC-${kdf.prf.replace('-', '')} ${cipher.name}`
}

async function aesCbcDecrypt(crypto: CryptoLike, key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  if (data.length === 0 || data.length % 16 !== 0) throw new CoreError('decrypt-failed', 'AES-CBC ciphertext is not a whole number of blocks.')
  try {
    const k = await crypto.subtle.importKey('raw', toArrayBuffer(key), 'AES-CBC', false, ['decrypt'])
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: toArrayBuffer(iv) }, k, toArrayBuffer(data)))
  } catch (e) {
    throw new CoreError('decrypt-failed', 'AES-CBC decryption failed (wrong key or corrupt data).', { cause: e })
  }
}

function iterate(h: SyncHash, input: Uint8Array, count: number): Uint8Array {
  let t = h(input)
  for (let i = 1; i < count; i++) t = h(t)
  return t
}

/**
 * Decrypt `data` encrypted under `alg` with one interpretation of the password.
 * Throws decrypt-failed (probably the wrong password) or unsupported-algorithm.
 */
export async function pbeDecrypt(crypto: CryptoLike, alg: Algorithm, data: Uint8Array, pw: PasswordForm): Promise<Uint8Array> {
  const legacy = LEGACY[alg.oid]
  if (legacy) {
    const c = children(alg.params, 'pkcs-12PbeParams')
    const salt = octets(c[0], 'PBE salt')
    const iterations = int(c[1], 'PBE iteration count')
    const key = pkcs12Kdf('SHA-1', pw.bmp, salt, KDF_ID.key, iterations, legacy.keyLen)
    if (legacy.cipher === 'rc4') return rc4(key, data)
    const iv = pkcs12Kdf('SHA-1', pw.bmp, salt, KDF_ID.iv, iterations, 8)
    return legacy.cipher === 'des3' ? desCbcDecrypt(key, iv, data) : rc2CbcDecrypt(key, legacy.bits!, iv, data)
  }
  const pbes1 = PBES1[alg.oid]
  if (pbes1) {
    const c = children(alg.params, 'PBEParameter')
    const salt = octets(c[0], 'PBE salt')
    const iterations = int(c[1], 'PBE iteration count')
    if (iterations < 1 || iterations > MAX_ITERATIONS) throw new CoreError('unsupported-algorithm', `The PBE iteration count ${iterations} is out of range.`)
    const input = new Uint8Array(pw.bytes.length + salt.length)
    input.set(pw.bytes)
    input.set(salt, pw.bytes.length)
    const dk = iterate(pbes1.hash === 'MD5' ? (md5 as unknown as SyncHash) : HASHES['SHA-1'], input, iterations)
    const key = dk.subarray(0, 8)
    const iv = dk.subarray(8, 16)
    return pbes1.cipher === 'des' ? desCbcDecrypt(key, iv, data) : rc2CbcDecrypt(key, 64, iv, data)
  }
  if (alg.oid !== OID.pbes2) unsupported('the encryption algorithm', alg.oid)
  const c = children(alg.params, 'PBES2-params')
  const kdf = parsePbkdf2(algorithm(c[0], 'PBES2 key derivation'))
  const enc = algorithm(c[1], 'PBES2 encryption scheme')
  const cipher = CIPHERS[enc.oid] ?? unsupported('the PBES2 cipher', enc.oid)
  if (enc.oid === OID.rc2CBC) {
    const p = children(enc.params, 'RC2-CBC parameters')
    const bits = p.length > 1 ? rc2EffectiveBitsFromVersion(int(p[0], 'RC2 version')) : 32
    const iv = octets(p[p.length - 1], 'RC2 IV')
    const key = await pbkdf2(crypto, kdf.prf, pw.bytes, kdf.salt, kdf.iterations, kdf.keyLength ?? cipher.keyLen)
    return rc2CbcDecrypt(key, bits, iv, data)
  }
  if (kdf.keyLength !== undefined && kdf.keyLength !== cipher.keyLen) {
    throw new CoreError('asn1', `PBKDF2 key length ${kdf.keyLength} does not fit ${cipher.name}.`)
  }
  const iv = octets(enc.params, `${cipher.name} IV`)
  const key = await pbkdf2(crypto, kdf.prf, pw.bytes, kdf.salt, kdf.iterations, cipher.keyLen)
  if (cipher.name.startsWith('AES')) {
    if (iv.length !== 16) throw new CoreError('asn1', 'An AES-CBC IV is 16 bytes.')
    return aesCbcDecrypt(crypto, key, iv, data)
  }
  return desCbcDecrypt(key, iv, data)
}

export interface Pbes2Options {
  iterations: number
}

/**
 * PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC (RFC 8018 §6.2, RFC 8018 A.2/B.2.5):
 * what OpenSSL 3 writes by default, read by every current client.
 */
export async function pbes2Encrypt(crypto: CryptoLike, password: Uint8Array, data: Uint8Array, opts: Pbes2Options): Promise<{ algorithm: Node; encrypted: Uint8Array }> {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const iv = crypto.getRandomValues(new Uint8Array(16))
  const key = await pbkdf2(crypto, 'SHA-256', password, salt, opts.iterations, 32)
  const k = await crypto.subtle.importKey('raw', toArrayBuffer(key), 'AES-CBC', false, ['encrypt'])
  const encrypted = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: toArrayBuffer(iv) }, k, toArrayBuffer(data)))
  const algorithmNode = b.seq(
    b.oid(OID.pbes2),
    b.seq(
      b.seq(b.oid(OID.pbkdf2), b.seq(b.octets(salt), b.int(opts.iterations), b.seq(b.oid(OID.hmacWithSHA256), b.null()))),
      b.seq(b.oid(OID.aes256CBC), b.octets(iv)),
    ),
  )
  return { algorithm: algorithmNode, encrypted }
}

/**
 * Decrypt a PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3) — the same structure as a
 * PKCS#12 shrouded key bag, also found on its own in "ENCRYPTED PRIVATE KEY" PEM files.
 * Returns the PrivateKeyInfo DER; throws wrong-password or unsupported-algorithm.
 */
export async function decryptPrivateKeyInfo(crypto: CryptoLike, epki: Node, forms: PasswordForm[]): Promise<Uint8Array> {
  const c = children(epki, 'EncryptedPrivateKeyInfo')
  const alg = algorithm(c[0], 'key encryption')
  const data = octets(c[1], 'encrypted key')
  pbeName(alg)
  for (const form of forms) {
    try {
      const plain = await pbeDecrypt(crypto, alg, data, form)
      // A wrong password yields garbage that passes the padding check about once in 256
      // tries: only a PrivateKeyInfo's whole shape (RFC 5208 / 5958: version 0 or 1,
      // AlgorithmIdentifier, OCTET STRING) counts as the right password, so garbage
      // cannot surface later as a 'bad-key' instead of 'wrong-password'.
      const [version, keyAlgorithm, key] = children(parseDerLimited(plain), 'PrivateKeyInfo')
      const v = int(version, 'PrivateKeyInfo version')
      algorithm(keyAlgorithm, 'private key algorithm')
      octets(key, 'private key')
      if (v === 0 || v === 1) return plain
    } catch (e) {
      if (e instanceof CoreError && (e.code === 'unsupported-algorithm' || e.code === 'limit-exceeded')) throw e
    }
  }
  throw new CoreError('wrong-password', 'The password is not correct for this encrypted private key. Check the password and try again.')
}
