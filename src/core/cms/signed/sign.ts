/**
 * Creating CMS SignedData (RFC 5652 §5) as S/MIME senders should (RFC 8551 §2.5):
 * signed attributes contentType, messageDigest, signingTime, SMIMECapabilities,
 * SMIMEEncryptionKeyPreference and ESS signingCertificateV2 (RFC 5035); the signer's
 * certificate and intermediates included. RSA signs with PKCS#1 v1.5 (or RSASSA-PSS,
 * RFC 4056), EC keys with ECDSA (RFC 5753) using the curve's matching hash, Ed25519
 * purely with SHA-512 as the digest algorithm (RFC 8419).
 */
import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import type { Identity } from '../../types'
import { equal, toArrayBuffer } from '../../util/bytes'
import { curveOf, digest, DIGEST_OIDS, ecdsaRawToDer, HASH_LEN, WEB_HASH, type DigestName } from './algorithms'
import { derNull, int, lazy, octetString, oid, seq, serialize, set, setOf, time, tlv } from './asn'
import {
  attribute,
  CACHET_CAPABILITIES,
  encodeEncryptionKeyPreference,
  encodeSigningCertificateV2,
  encodeSmimeCapabilities,
} from './attributes'
import { certInfo } from './certs'

export interface SignOptions {
  identity: Identity
  /** Digest for RSA and ECDSA (default sha256 for RSA, the curve's hash for EC). */
  digest?: 'sha256' | 'sha384' | 'sha512'
  /** RSA keys: RSASSA-PSS (MGF1 with the same hash, salt = hash length) instead of v1.5. */
  pss?: boolean
  /** Leave the content out of the SignedData (multipart/signed) or put it in (opaque). */
  detached: boolean
  /** Include SMIMECapabilities (default true). */
  capabilities?: boolean
  signingTime?: Date
}

const EC_HASH: Record<string, DigestName> = { 'P-256': 'sha256', 'P-384': 'sha384', 'P-521': 'sha512' }
const ECDSA_OID: Record<string, string> = { sha256: OID.ecdsaWithSHA256, sha384: OID.ecdsaWithSHA384, sha512: OID.ecdsaWithSHA512 }

/** AlgorithmIdentifier for a SHA-2 digest: parameters absent (RFC 5754 §2). */
const digestAlgId = (d: DigestName) => seq(oid(DIGEST_OIDS[d]))

function pssAlgId(d: DigestName): Uint8Array {
  // RSASSA-PSS-params (RFC 4055 §3.1): hash, MGF1 with the same hash, salt = hash length
  return seq(oid(OID.rsassaPss), seq(tlv(0xa0, digestAlgId(d)), tlv(0xa1, seq(oid(OID.mgf1), digestAlgId(d))), tlv(0xa2, int(HASH_LEN[d]))))
}

/**
 * The digest signData will actually use for this identity and request: Ed25519 always
 * SHA-512 (RFC 8419 §3), EC the curve's hash unless asked, RSA SHA-256 unless asked.
 * Use it for the micalg parameter of multipart/signed. Null when the certificate is
 * unreadable or its key type cannot sign.
 */
export function signingDigest(certificate: Uint8Array, requested?: 'sha256' | 'sha384' | 'sha512'): DigestName | null {
  const cert = certInfo(certificate)
  if (!cert) return null
  if (cert.keyType === 'ed25519') return 'sha512'
  if (cert.keyType === 'rsa') return requested ?? 'sha256'
  if (cert.keyType === 'ec') {
    const c = curveOf(cert.curve)
    return c ? (requested ?? EC_HASH[c.name]!) : null
  }
  return null
}

/**
 * Sign `content` and return the ContentInfo DER. Detached: the content is not included
 * (put it as the first part of multipart/signed, byte for byte).
 */
export async function signData(content: Uint8Array, opts: SignOptions, crypto: CryptoLike): Promise<Uint8Array> {
  const { identity } = opts
  const cert = certInfo(identity.certificate)
  if (!cert) throw new CoreError('bad-input', 'The identity certificate could not be read; re-import the PFX file.')
  const subtle = crypto.subtle
  let hash: DigestName
  let sigAlgId: Uint8Array
  let key: CryptoKey
  let sign: (data: Uint8Array) => Promise<Uint8Array>
  const pkcs8 = toArrayBuffer(identity.privateKey)
  const badKey = (e: unknown) =>
    new CoreError('bad-key', `The private key does not fit the certificate or cannot sign (${e instanceof Error ? e.message : String(e)}).`, { cause: e })
  try {
    if (cert.keyType === 'rsa') {
      hash = opts.digest ?? 'sha256'
      const name = opts.pss ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5'
      key = await subtle.importKey('pkcs8', pkcs8, { name, hash: WEB_HASH[hash] }, false, ['sign'])
      sigAlgId = opts.pss ? pssAlgId(hash) : seq(oid(OID.rsaEncryption), derNull())
      const h = hash
      sign = async (d) => new Uint8Array(await subtle.sign(opts.pss ? { name, saltLength: HASH_LEN[h] } : { name }, key, d as BufferSource))
    } else if (cert.keyType === 'ec') {
      const c = curveOf(cert.curve)
      if (!c) throw new CoreError('unsupported-algorithm', `The certificate's EC curve ${cert.curve} is not supported; use P-256, P-384 or P-521.`)
      hash = opts.digest ?? EC_HASH[c.name]!
      key = await subtle.importKey('pkcs8', pkcs8, { name: 'ECDSA', namedCurve: c.name }, false, ['sign'])
      sigAlgId = seq(oid(ECDSA_OID[hash]!))
      const h = hash
      sign = async (d) => ecdsaRawToDer(new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: WEB_HASH[h] }, key, d as BufferSource)))
    } else if (cert.keyType === 'ed25519') {
      hash = 'sha512'
      key = await subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, false, ['sign'])
      sigAlgId = seq(oid(OID.ed25519))
      sign = async (d) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, key, d as BufferSource))
    } else {
      throw new CoreError('unsupported-algorithm', `Signing with a ${cert.keyType} key is not supported; use an RSA, EC or Ed25519 certificate.`)
    }
  } catch (e) {
    if (e instanceof CoreError) throw e
    throw badKey(e)
  }

  const contentDigest = await digest(hash, content, crypto)
  const certHash = await digest('sha256', identity.certificate, crypto)
  const attrs: Uint8Array[] = [
    attribute(OID.contentType, oid(OID.data)),
    attribute(OID.signingTime, time(opts.signingTime ?? new Date())),
    attribute(OID.messageDigest, octetString(contentDigest)),
    attribute(OID.smimeEncryptionKeyPreference, encodeEncryptionKeyPreference(cert.issuer, cert.serialDer)),
    attribute(OID.signingCertificateV2, encodeSigningCertificateV2(certHash, cert.issuer, cert.serialDer)),
  ]
  if (opts.capabilities !== false) attrs.push(attribute(OID.smimeCapabilities, encodeSmimeCapabilities(CACHET_CAPABILITIES)))
  const signedAttrsSet = setOf(attrs) // DER: SET OF sorted (X.690 §11.6)
  let signature: Uint8Array
  try {
    signature = await sign(signedAttrsSet)
  } catch (e) {
    throw badKey(e)
  }
  const signedAttrsImplicit = signedAttrsSet.slice()
  signedAttrsImplicit[0] = 0xa0

  const signerInfo = seq(
    int(1),
    seq(cert.issuer, cert.serialDer), // issuerAndSerialNumber
    digestAlgId(hash),
    signedAttrsImplicit,
    sigAlgId,
    octetString(signature),
  )
  // the signer's certificate first, then intermediates; self-signed roots left out
  const chain = identity.chain.filter((c) => {
    const i = certInfo(c)
    return i && !equal(i.issuer, i.subject) && !equal(c, identity.certificate)
  })
  const encap = opts.detached ? lazy(0x30, oid(OID.data)) : lazy(0x30, oid(OID.data), lazy(0xa0, lazy(0x04, content)))
  const signedData = lazy(
    0x30,
    int(1),
    set(digestAlgId(hash)),
    encap,
    lazy(0xa0, identity.certificate, ...chain),
    set(signerInfo),
  )
  return serialize(lazy(0x30, oid(OID.signedData), lazy(0xa0, signedData)))
}
