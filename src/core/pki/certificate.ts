import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { parseDer } from '../asn1/der'
import { OID } from '../asn1/oids'
import { CoreError } from '../errors'
import { equal, toHex } from '../util/bytes'
import { children, encoded, integerBytes, isContext, isExactConstructed, oidValue, primitiveBytes } from './asn1-walk'
import { formatName, nameEmails, nameKey, rdnKeys } from './name'
import { parseNameConstraints, type NameConstraints } from './name-constraints'

/**
 * One X.509 certificate (RFC 5280), parsed once into plain data. PKI.js does the
 * structural parse; extensions are read from their raw bytes so a malformed
 * extension reads as absent rather than throwing. Nothing here leaves the pki
 * module: callers get DER and CertificateSummary.
 */
export interface ParsedCert {
  der: Uint8Array
  /** The signed part, exactly as encoded (signatures are over these bytes). */
  tbs: Uint8Array
  sigAlg: string
  sigAlgParams: asn1js.AsnType | undefined
  signature: Uint8Array
  serial: Uint8Array
  issuerDer: Uint8Array
  subjectDer: Uint8Array
  issuer: string
  subject: string
  issuerKey: string
  subjectKey: string
  notBefore: Date
  notAfter: Date
  spki: Uint8Array
  keyAlgOid: string
  /** Curve OID for EC keys. */
  keyCurve: string | null
  /** Raw subjectPublicKey BIT STRING content. */
  publicKey: Uint8Array
  version: number
  basicConstraints: { cA: boolean; pathLen: number | null } | null
  /** Names of asserted KeyUsage bits, or null when the extension is absent. */
  keyUsage: string[] | null
  /** EKU OIDs, or null when the extension is absent. */
  eku: string[] | null
  ski: Uint8Array | null
  akiKeyId: Uint8Array | null
  sanEmails: string[]
  subjectEmails: string[]
  crlUris: string[]
  /** OCSP responders named by the Authority Information Access extension (RFC 5280 §4.2.2.1, id-ad-ocsp). */
  ocspUris: string[]
  sanDns: string[]
  /** Tags of SAN entries not otherwise read (for name constraints that cannot be checked). */
  sanOtherTags: number[]
  subjectRdns: string[]
  nameConstraints: NameConstraints | null
  /** OIDs of critical extensions this module does not process. */
  unknownCritical: string[]
}

const NAME_CONSTRAINTS = '2.5.29.30'

const KEY_USAGE_BITS = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
]

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
}

export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid
}

/** Extensions processed by path validation or harmless to ignore when critical. */
const KNOWN_EXTENSIONS = new Set<string>([
  OID.subjectAltName,
  OID.keyUsage,
  OID.extKeyUsage,
  OID.basicConstraints,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.crlDistributionPoints,
  '2.5.29.32', // certificatePolicies: no policy constraints are enforced for mail
  '2.5.29.18', // issuerAltName
  NAME_CONSTRAINTS,
])

const SMTP_UTF8_MAILBOX = '1.3.6.1.5.5.7.8.9'

const cache = new WeakMap<Uint8Array, ParsedCert>()

/** Parse a DER certificate; throws CoreError('asn1') when it is not one. */
export function parseCertificate(der: Uint8Array): ParsedCert {
  const hit = cache.get(der)
  if (hit) return hit
  const asn1 = parseDer(der, 'certificate')
  let cert: pkijs.Certificate
  try {
    cert = new pkijs.Certificate({ schema: asn1 })
  } catch (e) {
    throw new CoreError('asn1', 'The data is not an X.509 certificate.', { cause: e })
  }
  try {
    return readParsed(der, asn1, cert)
  } catch (e) {
    if (e instanceof CoreError) throw e
    throw new CoreError('asn1', 'The certificate is malformed.', { cause: e })
  }
}

function readParsed(der: Uint8Array, asn1: asn1js.AsnType, cert: pkijs.Certificate): ParsedCert {
  const top = children(asn1)
  if (!isExactConstructed(asn1, der) || cert.signatureValue.valueBlock.unusedBits !== 0) {
    throw new CoreError('asn1', 'The certificate is not in DER form (its outer encoding is malformed).')
  }
  const tbsNode = top[0]!
  // RFC 5280 §4.1.1.2: the outer algorithm must be the one inside the signed part
  if (!equal(encoded(top[1]!), encoded(tbsField(tbsNode, 1)))) {
    throw new CoreError('asn1', 'The certificate is malformed: its two signature algorithm fields differ.')
  }
  const spkiNode = cert.subjectPublicKeyInfo
  const keyParams = spkiNode.algorithm.algorithmParams as asn1js.AsnType | undefined
  const parsed: ParsedCert = {
    der,
    tbs: encoded(tbsNode),
    sigAlg: cert.signatureAlgorithm.algorithmId,
    sigAlgParams: cert.signatureAlgorithm.algorithmParams as asn1js.AsnType | undefined,
    signature: cert.signatureValue.valueBlock.valueHexView,
    serial: integerBytes(cert.serialNumber),
    issuerDer: encoded(findName(tbsNode, 'issuer')),
    subjectDer: encoded(findName(tbsNode, 'subject')),
    issuer: formatName(findName(tbsNode, 'issuer')),
    subject: formatName(findName(tbsNode, 'subject')),
    issuerKey: nameKey(findName(tbsNode, 'issuer')),
    subjectKey: nameKey(findName(tbsNode, 'subject')),
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    spki: encoded(findSpki(tbsNode)),
    keyAlgOid: spkiNode.algorithm.algorithmId,
    keyCurve: oidValue(keyParams),
    publicKey: spkiNode.subjectPublicKey.valueBlock.valueHexView,
    version: cert.version + 1,
    basicConstraints: null,
    keyUsage: null,
    eku: null,
    ski: null,
    akiKeyId: null,
    sanEmails: [],
    subjectEmails: nameEmails(findName(tbsNode, 'subject')),
    crlUris: [],
    ocspUris: [],
    sanDns: [],
    sanOtherTags: [],
    subjectRdns: rdnKeys(findName(tbsNode, 'subject')),
    nameConstraints: null,
    unknownCritical: [],
  }
  if (Number.isNaN(parsed.notBefore.getTime()) || Number.isNaN(parsed.notAfter.getTime())) {
    throw new CoreError('asn1', 'The certificate has an unreadable validity period.')
  }
  for (const ext of cert.extensions ?? []) readExtension(parsed, ext)
  cache.set(der, parsed)
  return parsed
}

/** Position of issuer/subject/SPKI in TBSCertificate, allowing for the optional [0] version. */
function tbsField(tbs: asn1js.AsnType, index: number): asn1js.AsnType {
  const c = children(tbs)
  const offset = c[0] && isContext(c[0], 0) ? 1 : 0
  const node = c[index + offset]
  if (!node) throw new CoreError('asn1', 'The certificate is truncated.')
  return node
}
function findName(tbs: asn1js.AsnType, which: 'issuer' | 'subject'): asn1js.AsnType {
  return tbsField(tbs, which === 'issuer' ? 2 : 4)
}
function findSpki(tbs: asn1js.AsnType): asn1js.AsnType {
  return tbsField(tbs, 5)
}

function readExtension(p: ParsedCert, ext: pkijs.Extension): void {
  const id = ext.extnID
  let value: asn1js.AsnType
  try {
    value = parseDer(ext.extnValue.valueBlock.valueHexView, 'certificate extension')
  } catch {
    if (ext.critical) p.unknownCritical.push(id)
    return
  }
  if (ext.critical && !KNOWN_EXTENSIONS.has(id)) p.unknownCritical.push(id)
  switch (id) {
    case OID.basicConstraints: {
      const c = children(value)
      let cA = false
      let pathLen: number | null = null
      for (const n of c) {
        if (n instanceof asn1js.Boolean) cA = n.valueBlock.value
        else if (n instanceof asn1js.Integer) pathLen = n.valueBlock.valueDec
      }
      p.basicConstraints = { cA, pathLen }
      break
    }
    case OID.keyUsage: {
      if (!(value instanceof asn1js.BitString)) break
      const bytes = value.valueBlock.valueHexView
      const names: string[] = []
      KEY_USAGE_BITS.forEach((name, i) => {
        if ((bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) names.push(name)
      })
      p.keyUsage = names
      break
    }
    case OID.extKeyUsage:
      p.eku = children(value)
        .map(oidValue)
        .filter((o): o is string => o !== null)
      break
    case OID.subjectKeyIdentifier:
      if (value instanceof asn1js.OctetString) p.ski = value.valueBlock.valueHexView
      break
    case OID.authorityKeyIdentifier: {
      const kid = children(value).find((n) => isContext(n, 0))
      if (kid) p.akiKeyId = primitiveBytes(kid)
      break
    }
    case OID.subjectAltName:
      for (const gn of children(value)) {
        // rfc822Name [1] IMPLICIT IA5String
        if (isContext(gn, 1)) p.sanEmails.push(ascii(primitiveBytes(gn)))
        else if (isContext(gn, 2)) p.sanDns.push(ascii(primitiveBytes(gn)))
        // otherName [0] { SmtpUTF8Mailbox OID, [0] EXPLICIT UTF8String } (RFC 9598)
        else if (isContext(gn, 0)) {
          const [type, wrapped] = children(gn)
          const text = children(wrapped)[0]
          if (oidValue(type) === SMTP_UTF8_MAILBOX && text) {
            const v = (text as { valueBlock?: { value?: unknown } }).valueBlock?.value
            if (typeof v === 'string') p.sanEmails.push(v)
          } else p.sanOtherTags.push(0)
        } else p.sanOtherTags.push(gn.idBlock.tagNumber)
      }
      break
    case NAME_CONSTRAINTS:
      try {
        p.nameConstraints = parseNameConstraints(ext.extnValue.valueBlock.valueHexView)
      } catch {
        if (ext.critical) p.unknownCritical.push(id)
      }
      break
    case OID.crlDistributionPoints:
      for (const dp of children(value)) {
        const dpName = children(dp).find((n) => isContext(n, 0))
        const fullName = children(dpName).find((n) => isContext(n, 0))
        for (const gn of children(fullName)) {
          // uniformResourceIdentifier [6] IMPLICIT IA5String
          if (isContext(gn, 6)) p.crlUris.push(ascii(primitiveBytes(gn)))
        }
      }
      break
    case AUTHORITY_INFO_ACCESS:
      // AccessDescription ::= SEQUENCE { accessMethod OID, accessLocation GeneralName }
      for (const ad of children(value)) {
        const [method, location] = children(ad)
        if (oidValue(method) === ID_AD_OCSP && location && isContext(location, 6)) p.ocspUris.push(ascii(primitiveBytes(location)))
      }
      break
  }
}

const AUTHORITY_INFO_ACCESS = '1.3.6.1.5.5.7.1.1'
const ID_AD_OCSP = '1.3.6.1.5.5.7.48.1'

function ascii(b: Uint8Array): string {
  let s = ''
  for (const c of b) s += String.fromCharCode(c)
  return s
}

/** Emails of a parsed certificate: SAN rfc822Name then subject emailAddress, lowercased, deduplicated. */
export function emailsOf(p: ParsedCert): string[] {
  const out: string[] = []
  for (const e of [...p.sanEmails, ...p.subjectEmails]) {
    const v = e.trim().toLowerCase()
    if (v && !out.includes(v)) out.push(v)
  }
  return out
}

/** Human name for the subject key ('RSA', 'EC P-256', 'Ed25519'...) and its size in bits. */
export function keyInfo(p: ParsedCert): { keyAlgorithm: string; keySize?: number } {
  switch (p.keyAlgOid) {
    case OID.rsaEncryption:
    case OID.rsassaPss: {
      const name = p.keyAlgOid === OID.rsaEncryption ? 'RSA' : 'RSA-PSS'
      try {
        const n = children(parseDer(p.publicKey, 'RSA public key'))[0]
        const m = n ? integerBytes(n) : new Uint8Array(0)
        const bits = m.length ? (m.length - 1) * 8 + (32 - Math.clz32(m[0]!)) : 0
        return { keyAlgorithm: name, keySize: bits }
      } catch {
        return { keyAlgorithm: name }
      }
    }
    case OID.ecPublicKey: {
      const curve = { [OID.p256]: ['P-256', 256], [OID.p384]: ['P-384', 384], [OID.p521]: ['P-521', 521] }[
        p.keyCurve ?? ''
      ] as [string, number] | undefined
      return curve ? { keyAlgorithm: `EC ${curve[0]}`, keySize: curve[1] } : { keyAlgorithm: `EC ${p.keyCurve ?? '?'}` }
    }
    case OID.ed25519:
      return { keyAlgorithm: 'Ed25519', keySize: 256 }
    case OID.x25519:
      return { keyAlgorithm: 'X25519', keySize: 256 }
    case '1.3.101.113':
      return { keyAlgorithm: 'Ed448', keySize: 456 }
    case '1.3.101.111':
      return { keyAlgorithm: 'X448', keySize: 448 }
    default:
      return { keyAlgorithm: p.keyAlgOid }
  }
}

export function serialHex(p: ParsedCert): string {
  return toHex(p.serial)
}

export function isSelfIssued(p: ParsedCert): boolean {
  return p.issuerKey === p.subjectKey
}

/** Stringify for reasons: the subject's CN if any, else the whole subject. */
export function shortName(p: ParsedCert): string {
  const m = /(?:^|, )CN=((?:\\.|[^,\\])*)/.exec(p.subject)
  return `"${m ? m[1]!.replace(/\\(.)/g, '$1') : p.subject || 'unnamed certificate'}"`
}
