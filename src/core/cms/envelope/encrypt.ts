import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { bs, contentAlgorithmByName, encryptContent } from './content'
import { certRefs, type CertRefs } from './cert'
import { algId, cons, encode, int, octets, oid, prim, seq, set, nullValue, type DerNode } from './der-write'
import { curveOf, ephemeralAgreement } from './ecdh'
import { eccCmsSharedInfo, x963Kdf } from './kdf'
import { aesKeyWrap } from './keywrap'
import { parseRsaPublicKey, pkcs1v15Encrypt } from './rsa'

export type EnvelopeCipher = 'aes-256-cbc' | 'aes-128-cbc' | 'aes-256-gcm' | 'aes-128-gcm'

export interface EncryptOptions {
  /** Recipient certificates (DER). RSA keys get key transport, EC/X25519 keys key agreement. */
  recipients: { certificate: Uint8Array; oaep?: boolean }[]
  cipher: EnvelopeCipher
}

/** IssuerAndSerialNumber from the certificate's own bytes: the form every client matches. */
function issuerAndSerial(refs: CertRefs): DerNode {
  return seq(refs.issuer, refs.serialElement)
}

/**
 * RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 4055 §4.1; hash parameters
 * absent as RFC 5754 asks). OpenSSL 3 and NSS read these.
 */
function oaepSha256(): DerNode {
  const sha256 = algId(OID.sha256)
  return algId(OID.rsaesOaep, seq(cons(0xa0, sha256), cons(0xa1, algId(OID.mgf1, sha256))))
}

/** KeyTransRecipientInfo version 0 (RFC 5652 §6.2.1). */
async function ktri(refs: CertRefs, cek: Uint8Array, oaep: boolean, crypto: CryptoLike): Promise<DerNode> {
  let encryptedKey: Uint8Array
  let alg: DerNode
  if (oaep) {
    const key = await crypto.subtle.importKey('spki', bs(refs.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
    encryptedKey = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, bs(cek)))
    alg = oaepSha256()
  } else {
    encryptedKey = pkcs1v15Encrypt(parseRsaPublicKey(refs.spki), cek, crypto)
    alg = algId(OID.rsaEncryption, nullValue())
  }
  return seq(int(0), issuerAndSerial(refs), alg, octets(encryptedKey))
}

/**
 * KeyAgreeRecipientInfo (RFC 5652 §6.2.2, RFC 5753 §3.1.1): ephemeral-static ECDH,
 * dhSinglePass-stdDH-sha256kdf-scheme, AES-256 key wrap, no ukm. For X25519 the same
 * scheme with the X25519 originator key (RFC 8418 §2).
 */
async function kari(refs: CertRefs, curve: string, cek: Uint8Array, crypto: CryptoLike): Promise<DerNode> {
  const { publicKey, z } = await ephemeralAgreement(curve, refs.spki, crypto)
  const wrapAlg = encode(algId(OID.aes256Wrap))
  const kek = x963Kdf('sha256', z, eccCmsSharedInfo(wrapAlg, null, 256), 32)
  const wrapped = aesKeyWrap(kek, cek)
  const bitString = new Uint8Array(publicKey.length + 1)
  bitString.set(publicKey, 1)
  const origAlg = curve === OID.x25519 ? algId(OID.x25519) : algId(OID.ecPublicKey)
  return cons(
    0xa1,
    int(3),
    cons(0xa0, cons(0xa1, origAlg, prim(0x03, bitString))),
    algId(OID.dhSinglePassStdDHsha256kdf, wrapAlg),
    seq(seq(issuerAndSerial(refs), octets(wrapped))),
  )
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/**
 * Encrypt `content` (a MIME entity, normally) for the given certificates.
 * Returns a ContentInfo DER: EnvelopedData (RFC 5652) for CBC, AuthEnvelopedData
 * (RFC 5083/5084) for GCM. The encrypted content is one primitive OCTET STRING.
 * Throws CoreError('certificate-unusable') for a certificate whose key cannot receive.
 */
export async function encryptEnvelope(content: Uint8Array, opts: EncryptOptions, crypto: CryptoLike): Promise<Uint8Array> {
  const alg = contentAlgorithmByName(opts.cipher)
  if (alg.mode !== 'cbc' && alg.mode !== 'gcm') throw new CoreError('unsupported-algorithm', `Cachet does not encrypt with ${alg.name}.`)
  if (opts.recipients.length === 0) throw new CoreError('bad-input', 'Encrypting needs at least one recipient certificate.')
  const cek = new Uint8Array(alg.keyLength)
  crypto.getRandomValues(cek)
  const iv = new Uint8Array(alg.mode === 'gcm' ? 12 : 16)
  crypto.getRandomValues(iv)

  const infos: Uint8Array[] = []
  let anyKari = false
  for (const r of opts.recipients) {
    let refs: CertRefs
    try {
      refs = certRefs(r.certificate)
    } catch (e) {
      throw new CoreError('certificate-unusable', 'A recipient certificate could not be read.', { cause: e })
    }
    if (refs.keyAlgorithm === OID.rsaEncryption) {
      infos.push(encode(await ktri(refs, cek, r.oaep === true, crypto)))
      continue
    }
    const curve = curveOf(refs.keyAlgorithm, refs.curve)
    if (!curve) {
      throw new CoreError('certificate-unusable', 'A recipient certificate has a key type Cachet cannot encrypt to (only RSA, EC P-256/P-384/P-521 and X25519).')
    }
    infos.push(encode(await kari(refs, curve, cek, crypto)))
    anyKari = true
  }
  infos.sort(compareBytes) // DER SET OF order

  const ct = await encryptContent(alg, cek, iv, content, crypto)
  const isGcm = alg.mode === 'gcm'
  const ciphertext = isGcm ? ct.subarray(0, ct.length - 16) : ct
  const params = isGcm ? seq(octets(iv), int(16)) : octets(iv)
  const eci = seq(oid(OID.data), algId(alg.oid, params), prim(0x80, ciphertext))
  const body = isGcm
    ? seq(int(0), set(...infos), eci, octets(ct.subarray(ct.length - 16)))
    : seq(int(anyKari ? 2 : 0), set(...infos), eci)
  return encode(seq(oid(isGcm ? OID.authEnvelopedData : OID.envelopedData), cons(0xa0, body)))
}
