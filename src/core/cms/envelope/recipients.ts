import { OID, oidName } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { isIssuerAndSerial } from '../../pki'
import type { Identity } from '../../types'
import { equal } from '../../util/bytes'
import { BerReader, readAlgId, type AlgId } from './ber'
import type { CertRefs } from './cert'
import { bs } from './content'
import { curveOf, sharedSecret } from './ecdh'
import { HASHES, KARI_SCHEMES, eccCmsSharedInfo, kariKdf } from './kdf'
import { oaepDecrypt } from './oaep'
import { WRAP_KEY_LENGTH, aesKeyUnwrap } from './keywrap'
import type { ParsedRecipient, RecipientId } from './parse'
import { parsePkcs8, parseRsaPrivateKey, pkcs1v15DecryptKey } from './rsa'

/**
 * Recovering the content-encryption key (CEK) from one RecipientInfo with one of our
 * identities. Every path returns a key of the expected length or throws; RSA paths never
 * reveal why a key is wrong (RFC 3218): a bad padding gives a synthetic key, and the
 * failure surfaces later as content decryption failure, the same as a wrong key.
 */
export function ridMatches(rid: RecipientId, refs: CertRefs, certificate: Uint8Array): boolean {
  if ('ski' in rid) return refs.ski !== null && equal(rid.ski, refs.ski)
  if (equal(rid.serial, refs.serial) && equal(rid.issuer, refs.issuer)) return true
  // Senders that re-encode the issuer Name (string type, case): compare normalized (RFC 5280 §7.1).
  return isIssuerAndSerial(certificate, rid.issuer, rid.serial)
}

const WEBCRYPTO_HASH: Record<string, string> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
}

/** RSAES-OAEP-params (RFC 8017 A.2.1, RFC 4055 §4.1); absent fields take the SHA-1 defaults. */
export function parseOaepParams(alg: AlgId): { hash: string; mgfHash: string; label: Uint8Array | null } {
  let hash: string = OID.sha1
  let mgfHash: string = OID.sha1
  let label: Uint8Array | null = null
  if (alg.params && alg.params.tag === 0x30) {
    const r = new BerReader(alg.raw)
    const top = r.children(r.read(0))
    const paramsT = top[1]
    if (paramsT) {
      for (const f of r.children(paramsT)) {
        const inner = r.children(f)[0]
        if (f.tag === 0xa0) hash = readAlgId(r, inner).oid
        else if (f.tag === 0xa1) {
          const mgf = readAlgId(r, inner)
          if (mgf.oid !== OID.mgf1 || !mgf.params) throw new CoreError('unsupported-algorithm', `OAEP mask generation ${oidName(mgf.oid)} is not supported.`)
          mgfHash = readAlgId(r, mgf.params).oid
        } else if (f.tag === 0xa2) {
          const ps = readAlgId(r, inner)
          if (ps.oid !== OID.pSpecified) throw new CoreError('unsupported-algorithm', 'OAEP label source is not supported.')
          label = ps.params ? r.value(ps.params) : null
        }
      }
    }
  }
  return { hash, mgfHash, label: label && label.length ? label : null }
}

function randomKey(length: number, crypto: CryptoLike): Uint8Array {
  const k = new Uint8Array(length)
  crypto.getRandomValues(k)
  return k
}

/** KeyTransRecipientInfo (RFC 5652 §6.2.1) with RSA PKCS#1 v1.5 or RSAES-OAEP. */
export async function ktriKey(ri: Extract<ParsedRecipient, { type: 'ktri' }>, identity: Identity, keyLength: number, crypto: CryptoLike): Promise<Uint8Array> {
  if (ri.alg.oid === OID.rsaEncryption) {
    return pkcs1v15DecryptKey(parseRsaPrivateKey(identity.privateKey), ri.encryptedKey, keyLength, crypto)
  }
  if (ri.alg.oid === OID.rsaesOaep) {
    const p = parseOaepParams(ri.alg)
    const hash = WEBCRYPTO_HASH[p.hash]
    if (!hash || p.mgfHash !== p.hash) {
      // Parameters WebCrypto cannot express: software OAEP over the same RSA core.
      const h = HASHES[oidName(p.hash)]
      const m = HASHES[oidName(p.mgfHash)]
      if (!h || !m) throw new CoreError('unsupported-algorithm', `RSAES-OAEP with ${oidName(p.hash)} and MGF1-${oidName(p.mgfHash)} is not supported.`)
      const cek = oaepDecrypt(parseRsaPrivateKey(identity.privateKey), ri.encryptedKey, h, m, p.label ?? new Uint8Array(0), crypto)
      return cek && cek.length === keyLength ? cek : randomKey(keyLength, crypto)
    }
    const key = await crypto.subtle.importKey('pkcs8', bs(identity.privateKey), { name: 'RSA-OAEP', hash }, false, ['decrypt'])
    try {
      const params: RsaOaepParams = { name: 'RSA-OAEP' }
      if (p.label) params.label = bs(p.label)
      const cek = new Uint8Array(await crypto.subtle.decrypt(params, key, bs(ri.encryptedKey)))
      if (cek.length === keyLength) return cek
    } catch {}
    // Same treatment as PKCS#1 v1.5: no distinct error; content decryption will fail.
    return randomKey(keyLength, crypto)
  }
  throw new CoreError('unsupported-algorithm', `Key transport ${oidName(ri.alg.oid)} is not supported.`)
}

/** KeyAgreeRecipientInfo (RFC 5652 §6.2.2) with ECDH per RFC 5753 / RFC 8418 and AES key wrap. */
export async function kariKey(
  ri: Extract<ParsedRecipient, { type: 'kari' }>,
  encryptedKey: Uint8Array,
  identity: Identity,
  keyLength: number,
  crypto: CryptoLike,
): Promise<Uint8Array> {
  const hash = KARI_SCHEMES[ri.alg.oid]
  if (!hash) throw new CoreError('unsupported-algorithm', `Key agreement ${oidName(ri.alg.oid)} is not supported.`)
  const kekLength = ri.wrap ? WRAP_KEY_LENGTH[ri.wrap.oid] : undefined
  if (!ri.wrap || !kekLength) throw new CoreError('unsupported-algorithm', `Key wrap ${ri.wrap ? oidName(ri.wrap.oid) : '(none)'} is not supported.`)
  if (!ri.originatorKey) throw new CoreError('unsupported-algorithm', 'Key agreement with a static originator key is not supported.')
  const pk = parsePkcs8(identity.privateKey)
  const c = curveOf(pk.algorithm, pk.curve)
  if (!c) throw new CoreError('unsupported-algorithm', 'Our key is not on a curve supported for key agreement.')
  const z = await sharedSecret(c, identity.privateKey, ri.originatorKey.publicKey, crypto)
  const kek = kariKdf(hash, z, eccCmsSharedInfo(ri.wrap.raw, ri.ukm, kekLength * 8), kekLength)
  const cek = aesKeyUnwrap(kek, encryptedKey)
  if (cek.length !== keyLength) throw new CoreError('decrypt-failed', 'The unwrapped key has the wrong length.')
  return cek
}

/** KEKRecipientInfo (RFC 5652 §6.2.3) with AES key wrap and a pre-shared key. */
export function kekriKey(ri: Extract<ParsedRecipient, { type: 'kekri' }>, kek: Uint8Array, keyLength: number): Uint8Array {
  const len = WRAP_KEY_LENGTH[ri.alg.oid]
  if (!len) throw new CoreError('unsupported-algorithm', `Key wrap ${oidName(ri.alg.oid)} is not supported.`)
  if (kek.length !== len) throw new CoreError('bad-key', 'The key-encryption key has the wrong length for its algorithm.')
  const cek = aesKeyUnwrap(kek, ri.encryptedKey)
  if (cek.length !== keyLength) throw new CoreError('decrypt-failed', 'The unwrapped key has the wrong length.')
  return cek
}
