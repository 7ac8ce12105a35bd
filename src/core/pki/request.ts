/**
 * Certificate requests (PKCS#10, RFC 2986) for enrolment: the key pair and the request
 * are made here, where the key will live (the crypto worker), and only the request
 * leaves. The request follows the CA/Browser Forum S/MIME Baseline Requirements' strict
 * mailbox profile as far as a request can: the address as subject emailAddress and CN
 * and as the only subjectAltName (rfc822Name), emailProtection as the only extended key
 * usage, and a keyUsage that fits the key type (RFC 8550 §4.4.2). The CA decides what it
 * issues; asking for exactly that makes a CA that copies extensions issue the right thing.
 */
import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import type { CryptoLike } from '../crypto'
import { pkiEngine } from '../crypto'
import { OID } from '../asn1/oids'
import { CoreError } from '../errors'
import { toPem } from '../util/base64'
import { equal, toArrayBuffer } from '../util/bytes'
import { parseCertificate } from './certificate'

export type RequestKeyType = 'rsa-3072' | 'p-256'

export const REQUEST_KEY_TYPES: readonly RequestKeyType[] = ['rsa-3072', 'p-256']

export interface CertificateRequest {
  /** The PKCS#10 CertificationRequest, DER. */
  der: Uint8Array
  /** The same, PEM ("CERTIFICATE REQUEST"), for a CA's web form or a file. */
  pem: string
  /** SubjectPublicKeyInfo DER of the new key: how the issued certificate is matched to it. */
  spki: Uint8Array
  /** PKCS#8 PrivateKeyInfo of the new key. Stays in the worker (or the CLI). */
  privateKey: Uint8Array
}

/** RFC 5322 addr-spec as far as a certificate request needs: one @, no spaces or controls. */
function checkAddress(address: string): string {
  const a = address.trim().toLowerCase()
  const atom = '[^\\s@<>()",;:\\\\[\\]]+'
  const shape = new RegExp(`^${atom}@${atom}\\.${atom}$`)
  if (!shape.test(a) || a.length > 254 || [...a].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    throw new CoreError('bad-input', `"${address}" is not an email address a certificate can be requested for.`)
  }
  // IA5String (rfc822Name, emailAddress) holds ASCII only; an internationalized mailbox
  // would need SmtpUTF8Mailbox (RFC 9598), which CAs do not issue for S/MIME yet.
  if (!/^[\x20-\x7e]+$/.test(a)) throw new CoreError('bad-input', 'Certificates can be requested for ASCII email addresses only.')
  return a
}

const KEY_PARAMS: Record<RequestKeyType, RsaHashedKeyGenParams | EcKeyGenParams> = {
  'rsa-3072': { name: 'RSASSA-PKCS1-v1_5', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
  'p-256': { name: 'ECDSA', namedCurve: 'P-256' },
}

/**
 * A new key pair of the given type and a signed request for `address`. RSA keys are
 * made for signing and, as S/MIME uses one key for both, decryption (the PKCS#8 is
 * imported for RSA-OAEP or PKCS#1 v1.5 by the envelope code); P-256 keys sign with ECDSA
 * and decrypt with ECDH (RFC 5753), so keyUsage asks for keyAgreement instead of
 * keyEncipherment.
 */
export async function createCertificateRequest(
  address: string,
  keyType: RequestKeyType,
  crypto: CryptoLike,
): Promise<CertificateRequest> {
  const email = checkAddress(address)
  const params = KEY_PARAMS[keyType]
  if (!params) throw new CoreError('bad-input', `Unknown key type "${String(keyType)}": use rsa-3072 or p-256.`)
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey))
  const privateKey = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey))

  const req = new pkijs.CertificationRequest()
  req.version = 0
  // Two RDNs (CN, then emailAddress), each a SET of one: built as ASN.1 because PKI.js
  // writes a fresh Name's attributes into one multi-valued RDN ("CN=… + emailAddress=…").
  const rdn = (type: string, value: asn1js.BaseBlock) =>
    new asn1js.Set({ value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: type }), value] })] })
  // Parsed from its encoding so PKI.js keeps that encoding (valueBeforeDecode) when it writes.
  req.subject = pkijs.RelativeDistinguishedNames.fromBER(
    new asn1js.Sequence({
      value: [rdn(OID.commonName, new asn1js.Utf8String({ value: email })), rdn(OID.emailAddress, new asn1js.IA5String({ value: email }))],
    }).toBER(false),
  )
  const spkiAsn = asn1js.fromBER(toArrayBuffer(spki))
  req.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: spkiAsn.result })

  const san = new pkijs.GeneralNames({ names: [new pkijs.GeneralName({ type: 1, value: email })] })
  const keyUsageBits = keyType === 'p-256' ? KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT : KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT
  const keyUsage = new asn1js.BitString({ valueHex: new Uint8Array([keyUsageBits]).buffer, unusedBits: unusedBitsOf(keyUsageBits) })
  const extensions = new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({ extnID: OID.subjectAltName, critical: false, extnValue: san.toSchema().toBER(false) }),
      new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: keyUsage.toBER(false) }),
      new pkijs.Extension({
        extnID: OID.extKeyUsage,
        critical: false,
        extnValue: new pkijs.ExtKeyUsage({ keyPurposes: [OID.emailProtection] }).toSchema().toBER(false),
      }),
    ],
  })
  req.attributes = [new pkijs.Attribute({ type: OID.extensionRequest, values: [extensions.toSchema()] })]
  await req.sign(pair.privateKey, 'SHA-256', pkiEngine(crypto))
  const der = new Uint8Array(req.toSchema().toBER(false))
  return { der, pem: toPem('CERTIFICATE REQUEST', der), spki, privateKey }
}

// KeyUsage is a named BIT STRING (RFC 5280 §4.2.1.3): bit 0 is the first byte's high bit.
const KU_DIGITAL_SIGNATURE = 0x80
const KU_KEY_ENCIPHERMENT = 0x20
const KU_KEY_AGREEMENT = 0x08

/** DER of a named bit string drops trailing zero bits (X.690 §11.2.2). */
function unusedBitsOf(byte: number): number {
  let n = 0
  while (n < 8 && !(byte & (1 << n))) n++
  return n
}

/** The certificate's SubjectPublicKeyInfo (DER), or null when it is not a certificate. */
export function certificateSpki(certificate: Uint8Array): Uint8Array | null {
  try {
    return parseCertificate(certificate).spki
  } catch {
    return null
  }
}

/** Does this certificate carry exactly this public key (SubjectPublicKeyInfo)? Never throws. */
export function certificateHasKey(certificate: Uint8Array, spki: Uint8Array): boolean {
  try {
    return equal(parseCertificate(certificate).spki, spki)
  } catch {
    return false
  }
}
