/**
 * OCSP requests (RFC 6960 §4.1) for one certificate, with a nonce (RFC 8954). Built
 * with asn1js directly: the request is small and unsigned, and PKI.js' CertID helper
 * takes its crypto from a global engine (STYLE.md: crypto is passed in).
 *
 *   OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
 *   TBSRequest  ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, requestorName [1] OPTIONAL,
 *                              requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
 *   Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
 *   CertID      ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
 *                              issuerKeyHash OCTET STRING, serialNumber CertificateSerialNumber }
 *
 * CertID hashes with SHA-1, as RFC 5019 §2.1.1 asks of clients and every responder
 * accepts: it names the issuer, it is not a signature, so SHA-1's collisions do not matter.
 */
import * as asn1js from 'asn1js'
import { OID } from '../asn1/oids'
import type { CryptoLike } from '../crypto'
import { concat, toArrayBuffer, toHex } from '../util/bytes'
import type { ParsedCert } from './certificate'

/** id-pkix-ocsp-nonce (RFC 6960 §4.4.1). */
export const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2'
/** RFC 8954 §2.1: 1 to 32 octets; 16 is what OpenSSL and NSS send. */
export const OCSP_NONCE_BYTES = 16

const HASH_NAMES: Record<string, string> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
}

export interface CertIdParts {
  hashAlgorithm: string
  issuerNameHash: Uint8Array
  issuerKeyHash: Uint8Array
  /** Unsigned, without leading zero octets (as ParsedCert.serial). */
  serial: Uint8Array
}

/** The CertID of `cert` issued by `issuer`, hashed with `hashAlgorithm` (an OID); null for a hash we do not compute. */
export async function certIdFor(cert: ParsedCert, issuer: ParsedCert, crypto: CryptoLike, hashAlgorithm: string = OID.sha1): Promise<CertIdParts | null> {
  const name = HASH_NAMES[hashAlgorithm]
  if (!name) return null
  const digest = async (b: Uint8Array) => new Uint8Array(await crypto.subtle.digest(name, toArrayBuffer(b)))
  return {
    hashAlgorithm,
    // The issuer's subject name as it appears in the certificate's issuer field (the same DER)
    issuerNameHash: await digest(cert.issuerDer),
    // The issuer's public key: the BIT STRING's value, without tag, length and unused-bits octet
    issuerKeyHash: await digest(issuer.publicKey),
    serial: cert.serial,
  }
}

/** A stable key for "this certificate from this issuer", for caches (SHA-1 CertID in hex). */
export function certIdKey(id: CertIdParts): string {
  return `${toHex(id.issuerKeyHash)}:${toHex(id.issuerNameHash)}:${toHex(id.serial)}`
}

export interface OcspRequest {
  der: Uint8Array
  nonce: Uint8Array
  certId: CertIdParts
}

/** An OCSP request for one certificate; `nonce` defaults to 16 random octets. */
export async function buildOcspRequest(cert: ParsedCert, issuer: ParsedCert, crypto: CryptoLike, nonce?: Uint8Array): Promise<OcspRequest> {
  const certId = (await certIdFor(cert, issuer, crypto))!
  const n = nonce ?? crypto.getRandomValues(new Uint8Array(OCSP_NONCE_BYTES))
  // A serial whose first octet has the high bit set needs a leading zero to stay positive
  const serial = certId.serial[0]! & 0x80 ? concat([new Uint8Array([0]), certId.serial]) : certId.serial
  const reqCert = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: certId.hashAlgorithm }), new asn1js.Null()] }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(certId.issuerNameHash) }),
      new asn1js.OctetString({ valueHex: toArrayBuffer(certId.issuerKeyHash) }),
      new asn1js.Integer({ valueHex: toArrayBuffer(serial) }),
    ],
  })
  // Nonce extension: extnValue is the DER of an OCTET STRING holding the nonce (RFC 8954 §2.1)
  const nonceExt = new asn1js.Sequence({
    value: [
      new asn1js.ObjectIdentifier({ value: OCSP_NONCE }),
      new asn1js.OctetString({ valueHex: new asn1js.OctetString({ valueHex: toArrayBuffer(n) }).toBER() }),
    ],
  })
  const tbsRequest = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [reqCert] })] }),
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 2 }, value: [new asn1js.Sequence({ value: [nonceExt] })] }),
    ],
  })
  const der = new Uint8Array(new asn1js.Sequence({ value: [tbsRequest] }).toBER())
  return { der, nonce: n, certId }
}
