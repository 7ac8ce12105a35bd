/**
 * Signed attributes (RFC 5652 §5.3, §11): reading them into a map, and the S/MIME ones
 * Cachet writes: SMIMECapabilities and SMIMEEncryptionKeyPreference (RFC 8551 §2.5),
 * ESS signingCertificateV2 (RFC 5035 §5.4).
 */
import { parseDer } from '../../asn1/der'
import { OID } from '../../asn1/oids'
import { derNull, intHex, intValue, isContext, kids, oid, oidOf, seq, set, tlv, octetString, type Node } from './asn'
import { formatName } from '../../pki/name'

export interface Attribute {
  type: string
  values: Node[]
}

/** The attributes of a SignedAttributes SET, in order (duplicates kept: callers check). */
export function readAttributes(setNode: Node): Attribute[] {
  return kids(setNode).map((a) => {
    const [t, vals] = kids(a)
    return { type: oidOf(t) ?? '?', values: kids(vals) }
  })
}

/** Capability names reports show, by OID (RFC 8551 §2.5.2, RFC 5084, RFC 3560). */
const CAPABILITY_NAMES: Record<string, string> = {
  [OID.aes256GCM]: 'aes-256-gcm',
  [OID.aes192GCM]: 'aes-192-gcm',
  [OID.aes128GCM]: 'aes-128-gcm',
  [OID.aes256CBC]: 'aes-256-cbc',
  [OID.aes192CBC]: 'aes-192-cbc',
  [OID.aes128CBC]: 'aes-128-cbc',
  [OID.desEDE3CBC]: '3des-cbc',
  [OID.rc2CBC]: 'rc2-cbc',
  [OID.rsaesOaep]: 'rsaes-oaep',
  [OID.rsaEncryption]: 'rsa',
  [OID.rsassaPss]: 'rsassa-pss',
  [OID.aes128Wrap]: 'aes-128-wrap',
  [OID.aes192Wrap]: 'aes-192-wrap',
  [OID.aes256Wrap]: 'aes-256-wrap',
  [OID.sha1]: 'sha1',
  [OID.sha224]: 'sha224',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
  [OID.ecdsaWithSHA256]: 'ecdsa-sha256',
  [OID.ecdsaWithSHA384]: 'ecdsa-sha384',
  [OID.ecdsaWithSHA512]: 'ecdsa-sha512',
  [OID.sha256WithRSA]: 'rsa-pkcs1-sha256',
  [OID.sha384WithRSA]: 'rsa-pkcs1-sha384',
  [OID.sha512WithRSA]: 'rsa-pkcs1-sha512',
  [OID.ed25519]: 'ed25519',
  [OID.dhSinglePassStdDHsha256kdf]: 'ecdh-sha256kdf',
  [OID.dhSinglePassStdDHsha384kdf]: 'ecdh-sha384kdf',
  [OID.dhSinglePassStdDHsha512kdf]: 'ecdh-sha512kdf',
}
const CAPABILITY_OIDS: Record<string, string> = Object.fromEntries(Object.entries(CAPABILITY_NAMES).map(([k, v]) => [v, k]))

/** What Cachet can decrypt, preferred first (RFC 8551 §2.5.2: order is preference). */
export const CACHET_CAPABILITIES = ['aes-256-gcm', 'aes-128-gcm', 'aes-256-cbc', 'aes-128-cbc', 'rsaes-oaep'] as const

/**
 * Parse an SMIMECapabilities value (SEQUENCE OF SMIMECapability) given as DER or as a
 * parsed node. Unknown capabilities appear as dotted OIDs; RC2 with its key size
 * ("rc2-cbc-40"). Never throws: garbage yields [].
 */
export function parseSmimeCapabilities(der: Uint8Array | Node): string[] {
  try {
    const node = der instanceof Uint8Array ? parseDer(der, 'SMIMECapabilities') : der
    const out: string[] = []
    for (const cap of kids(node)) {
      const [id, params] = kids(cap)
      const o = oidOf(id)
      if (!o) continue
      let name = CAPABILITY_NAMES[o] ?? o
      if (o === OID.rc2CBC) {
        const bits = intValue(params)
        if (bits !== null) name += `-${bits}`
      }
      out.push(name)
    }
    return out
  } catch {
    return []
  }
}

/**
 * Encode SMIMECapabilities from names (see CAPABILITY_NAMES) or dotted OIDs. AES
 * capabilities have absent parameters (RFC 3565 §4.1, RFC 5084 §3.2); RSAES-OAEP
 * lists the default SHA-1 parameters as an empty SEQUENCE (RFC 3560 §5).
 */
export function encodeSmimeCapabilities(list: readonly string[]): Uint8Array {
  return seq(
    ...list.map((name) => {
      const o = CAPABILITY_OIDS[name] ?? (/^\d+(\.\d+)+$/.test(name) ? name : null)
      if (!o) throw new Error(`unknown S/MIME capability ${name}`)
      if (o === OID.rsaesOaep) return seq(oid(o), seq())
      if (o === OID.rsaEncryption) return seq(oid(o), derNull())
      return seq(oid(o))
    }),
  )
}

/** SMIMEEncryptionKeyPreference (RFC 8551 §2.5.3): issuerAndSerialNumber [0] only. */
export function readEncryptionKeyPreference(v: Node | undefined): { issuer: string; serial: string } | null {
  if (!v || !isContext(v, 0)) return null
  const [issuer, serial] = kids(v)
  if (!issuer || !serial) return null
  return { issuer: formatName(issuer), serial: intHex(serial) }
}

export function encodeEncryptionKeyPreference(issuerDer: Uint8Array, serialDer: Uint8Array): Uint8Array {
  return tlv(0xa0, issuerDer, serialDer)
}

/**
 * SigningCertificateV2 (RFC 5035 §5.4) with one ESSCertIDv2: SHA-256 (the DEFAULT, so
 * its AlgorithmIdentifier is omitted in DER) of the certificate, and IssuerSerial with
 * the issuer as a directoryName GeneralName.
 */
export function encodeSigningCertificateV2(certSha256: Uint8Array, issuerDer: Uint8Array, serialDer: Uint8Array): Uint8Array {
  const issuerSerial = seq(seq(tlv(0xa4, issuerDer)), serialDer)
  return seq(seq(seq(octetString(certSha256), issuerSerial)))
}

/** One Attribute ::= SEQUENCE { attrType, attrValues SET OF }. */
export function attribute(type: string, ...values: Uint8Array[]): Uint8Array {
  return seq(oid(type), set(...values))
}


