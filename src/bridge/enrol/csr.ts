/**
 * Reads a PKCS#10 certification request (RFC 2986) as a registration authority must
 * before it vouches for one: the names it asks for (subject, and the subjectAltName of
 * its extensionRequest attribute, RFC 2985 §5.4.2), its key type (which picks the CA
 * profile), and whether it is signed by the key it carries (proof of possession; verified
 * with node:crypto). Anything unreadable, unsupported or wrongly signed is csr_invalid.
 * The request is public data: no key is ever seen here.
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto'
import { BridgeError } from '../errors'
import {
  bitStringBytes,
  childrenOf,
  contentOf,
  contextTag,
  encodingOf,
  isContext,
  isNull,
  isOid,
  isTrue,
  Malformed,
  nameAttributes,
  octets,
  OID,
  oid,
  parseExact,
  sequence,
  set,
  smallInteger,
  text,
  type Der,
} from './asn1'
import { derToPem, pemToDer } from './pem'

/** GeneralName choices (RFC 5280 §4.2.1.6), by context tag. */
const GENERAL_NAME = ['otherName', 'email', 'dns', 'x400Address', 'directoryName', 'ediPartyName', 'uri', 'ip', 'registeredID'] as const
export type GeneralNameKind = (typeof GENERAL_NAME)[number]

/** The names a request asks for, as written in it. */
export interface CsrNames {
  /** Subject emailAddress values (PKCS#9, 1.2.840.113549.1.9.1). */
  subjectEmails: string[]
  /** Subject CN values. */
  subjectCommonNames: string[]
  /** OIDs of any other subject attributes (O, OU, serialNumber…). */
  otherSubjectAttributes: string[]
  /** The subjectAltName entries; `value` is the text of email/dns/uri, an address for ip, '' otherwise. */
  altNames: { kind: GeneralNameKind; value: string }[]
}

export type KeyType = 'rsa' | 'ec'

export interface Csr extends CsrNames {
  /** The request, DER, exactly as received. */
  der: Buffer
  /** The same bytes as PEM, the form the CA is sent (nothing around them survives). */
  pem: string
  keyType: KeyType
  /** How the request is signed (verified): RSASSA-PKCS1-v1_5, RSASSA-PSS or ECDSA. */
  signature: Signature['kind']
  /** SubjectPublicKeyInfo DER: the issued certificate must carry exactly this key. */
  spki: Buffer
}

export const PEM_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'] as const

const invalid = (message: string) => new BridgeError('csr_invalid', message)

const HASHES: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
}
const RSA_PKCS1: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
}
const ECDSA: Record<string, string> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
}
/** Named curves accepted, by OID → node's name: P-256, P-384, P-521 (RFC 5480). */
const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1',
  '1.3.132.0.34': 'secp384r1',
  '1.3.132.0.35': 'secp521r1',
}
const RSA_MIN_BITS = 2048
const RSA_MAX_BITS = 16384

type Signature =
  | { kind: 'rsa'; hash: string }
  | { kind: 'rsa-pss'; hash: string; saltLength: number }
  | { kind: 'ecdsa'; hash: string }

/** Reads, checks and verifies a PEM request. Throws csr_invalid with a reason a person can act on. */
export function readCsr(pem: string): Csr {
  const der = pemToDer(pem, PEM_LABELS)
  if (!der) throw invalid('This is not a certificate request: expected one PEM block "-----BEGIN CERTIFICATE REQUEST-----". Create the request again.')
  let parsed: ReturnType<typeof readStructure>
  try {
    parsed = readStructure(der)
  } catch (e) {
    if (e instanceof BridgeError) throw e
    throw invalid(`The certificate request cannot be read (${(e as Error).message}). Create the request again.`)
  }
  if (!verifies(parsed.algorithm, parsed.key, parsed.signed, parsed.signature)) {
    throw invalid("The certificate request's signature does not verify with its own key: it was altered or made wrongly. Create the request again.")
  }
  const { subjectEmails, subjectCommonNames, otherSubjectAttributes, altNames, keyType, spki } = parsed
  return {
    der,
    pem: derToPem('CERTIFICATE REQUEST', der),
    keyType,
    signature: parsed.algorithm.kind,
    spki,
    subjectEmails,
    subjectCommonNames,
    otherSubjectAttributes,
    altNames,
  }
}

function readStructure(der: Buffer) {
  // DER only (the reader refuses indefinite and non-minimal lengths): the CA parses
  // strictly, and one request should have one encoding.
  const top = parseExact(der)
  const [info, sigAlg, sigValue, ...extra] = sequence(top, 'CertificationRequest')
  if (extra.length) throw new Malformed('extra fields after the signature')
  const [version, subject, spkiNode, attributes, ...more] = sequence(info, 'CertificationRequestInfo')
  if (more.length) throw new Malformed('extra fields in the request info')
  if (smallInteger(version, 'version') !== 0) throw new Malformed('version is not v1 (0)')

  const names: CsrNames = { subjectEmails: [], subjectCommonNames: [], otherSubjectAttributes: [], altNames: [] }
  for (const a of nameAttributes(subject, 'subject')) {
    if (a.type === OID.emailAddress) names.subjectEmails.push(text(a.value, 'subject emailAddress'))
    else if (a.type === OID.commonName) names.subjectCommonNames.push(text(a.value, 'subject CN'))
    else names.otherSubjectAttributes.push(a.type)
  }

  const { keyType, key, spki } = readKey(spkiNode)
  if (attributes !== undefined) {
    if (!isContext(attributes, 0)) throw new Malformed('attributes are not [0]')
    readAttributes(childrenOf(attributes, 'attributes'), names)
  }

  const algorithm = readSignatureAlgorithm(sigAlg)
  if ((algorithm.kind === 'ecdsa') !== (keyType === 'ec')) throw invalid('The certificate request is signed with an algorithm that does not match its key. Create the request again.')
  return { ...names, keyType, key, spki, algorithm, signed: encodingOf(info!), signature: bitStringBytes(sigValue, 'signature') }
}

/** SubjectPublicKeyInfo: an RSA key of 2048–16384 bits, or an EC key on P-256/384/521. */
function readKey(node: Der | undefined): { keyType: KeyType; key: KeyObject; spki: Buffer } {
  const [alg] = sequence(node, 'subjectPublicKeyInfo')
  const [algOid, params] = sequence(alg, 'key algorithm')
  const type = oid(algOid, 'key algorithm')
  const spki = Buffer.from(encodingOf(node!))
  let key: KeyObject
  try {
    key = createPublicKey({ key: spki, format: 'der', type: 'spki' })
  } catch {
    throw new Malformed('the public key cannot be read')
  }
  if (type === OID.rsaEncryption) {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0
    if (key.asymmetricKeyType !== 'rsa') throw new Malformed('the RSA key cannot be read')
    if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
      throw invalid(`The request's RSA key has ${bits} bits; the CA issues for ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits. Create a new request.`)
    }
    return { keyType: 'rsa', key, spki }
  }
  if (type === OID.ecPublicKey) {
    const curve = isOid(params) ? CURVES[oid(params, 'EC curve')] : undefined
    if (!curve || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== curve) {
      throw invalid('The request has an EC key on a curve the CA does not issue for; use P-256, P-384 or P-521.')
    }
    return { keyType: 'ec', key, spki }
  }
  throw invalid(`The request's key type (${type}) is not one the CA issues for; use RSA or EC (P-256).`)
}

/** The extensionRequest attribute's subjectAltName names; a request for a CA certificate is refused. */
function readAttributes(attributes: Der[], names: CsrNames): void {
  let seenExtensions = false
  for (const attr of attributes) {
    const [typeNode, valuesNode] = sequence(attr, 'attribute')
    const values = set(valuesNode, 'attribute values')
    if (oid(typeNode, 'attribute type') !== OID.extensionRequest) continue
    if (seenExtensions || values.length !== 1) throw new Malformed('more than one extensionRequest')
    seenExtensions = true
    const seen = new Set<string>()
    for (const ext of sequence(values[0], 'extensions')) {
      const parts = sequence(ext, 'extension')
      const id = oid(parts[0], 'extension id')
      if (seen.has(id)) throw new Malformed(`extension ${id} appears twice`)
      seen.add(id)
      const value = parseExact(octets(parts[parts.length - 1], 'extension value'))
      if (id === OID.subjectAltName) names.altNames.push(...readGeneralNames(value))
      if (id === OID.basicConstraints) {
        const [ca] = sequence(value, 'basicConstraints')
        if (isTrue(ca)) {
          throw invalid('The request asks for a CA certificate (basicConstraints cA); a personal certificate cannot be one. Create the request again.')
        }
      }
    }
  }
}

function readGeneralNames(node: Der): CsrNames['altNames'] {
  return sequence(node, 'subjectAltName').map((gn) => {
    const tag = contextTag(gn)
    const kind = tag === undefined ? undefined : GENERAL_NAME[tag]
    if (!kind) throw new Malformed('a subjectAltName entry is not a GeneralName')
    if (kind === 'email' || kind === 'dns' || kind === 'uri') return { kind, value: Buffer.from(contentOf(gn, kind)).toString('latin1') }
    if (kind === 'ip') return { kind, value: ipText(contentOf(gn, 'ip')) }
    return { kind, value: '' }
  })
}

function ipText(b: Uint8Array): string {
  if (b.length === 4) return b.join('.')
  return Buffer.from(b).toString('hex').replace(/(.{4})(?!$)/g, '$1:')
}

function readSignatureAlgorithm(node: Der | undefined): Signature {
  const [algOid, params, ...more] = sequence(node, 'signatureAlgorithm')
  const id = oid(algOid, 'signature algorithm')
  if (more.length) throw new Malformed('signatureAlgorithm has extra fields')
  const noParams = params === undefined || isNull(params)
  const rsaHash = RSA_PKCS1[id]
  const ecdsaHash = ECDSA[id]
  if (rsaHash && noParams) return { kind: 'rsa', hash: rsaHash }
  if (ecdsaHash && params === undefined) return { kind: 'ecdsa', hash: ecdsaHash }
  if (id === OID.rsaPss) return readPssParams(params)
  throw invalid(`The request is signed with an algorithm the CA does not accept (${id}); use SHA-256 or stronger with RSA or ECDSA.`)
}

/** RSASSA-PSS-params (RFC 4055 §3.1): SHA-2 hash, MGF1 with the same hash, trailer 1. */
function readPssParams(node: Der | undefined): Signature {
  let hash = 'sha1'
  let mgfHash = 'sha1'
  let saltLength = 20
  for (const field of sequence(node, 'RSASSA-PSS-params')) {
    const [inner] = childrenOf(field, 'RSASSA-PSS-params field')
    if (isContext(field, 0)) hash = HASHES[oid(sequence(inner, 'hashAlgorithm')[0], 'hashAlgorithm')] ?? 'unsupported'
    else if (isContext(field, 1)) {
      const [mgf, mgfParams] = sequence(inner, 'maskGenAlgorithm')
      if (oid(mgf, 'maskGenAlgorithm') !== OID.mgf1) throw new Malformed('PSS mask generation is not MGF1')
      mgfHash = HASHES[oid(sequence(mgfParams, 'MGF1 hash')[0], 'MGF1 hash')] ?? 'unsupported'
    } else if (isContext(field, 2)) saltLength = smallInteger(inner, 'saltLength')
    else if (isContext(field, 3)) {
      if (smallInteger(inner, 'trailerField') !== 1) throw new Malformed('PSS trailerField is not 1')
    } else throw new Malformed('unknown RSASSA-PSS-params field')
  }
  if (!['sha256', 'sha384', 'sha512'].includes(hash) || mgfHash !== hash || saltLength < 0 || saltLength > 512) {
    throw invalid('The request is signed with RSA-PSS parameters the CA does not accept; use SHA-256 or stronger, MGF1 with the same hash.')
  }
  return { kind: 'rsa-pss', hash, saltLength }
}

function verifies(alg: Signature, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    if (alg.kind === 'rsa-pss') return verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: alg.saltLength }, signature)
    if (alg.kind === 'ecdsa') return verify(alg.hash, data, { key, dsaEncoding: 'der' }, signature)
    return verify(alg.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
  } catch {
    return false
  }
}
