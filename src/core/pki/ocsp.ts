/**
 * Checking an OCSP response (RFC 6960 §3.2, §4.2) for one certificate and its issuer.
 * A response counts only when all of these hold:
 *
 * - responseStatus is successful and the response is an id-pkix-ocsp-basic one;
 * - it holds a SingleResponse whose CertID is this certificate's from this issuer;
 * - it is signed by the issuer itself, or by a responder certificate the issuer signed
 *   that carries id-kp-OCSPSigning in its extended key usage and is within its validity
 *   (§4.2.2.2); the responderID names the key that signed; no broken algorithm (MD2/MD5);
 * - the nonce, when we sent one and the response carries one, is ours byte for byte.
 *   NONCE POLICY: a response without a nonce is accepted unless `requireNonce` is set,
 *   because most public responders answer from pre-produced responses (RFC 5019 §2.1.1,
 *   RFC 8954 §3) and do not echo nonces; its freshness is then what thisUpdate and
 *   nextUpdate say, below. A nonce that differs is always refused (a replayed or
 *   substituted answer);
 * - thisUpdate is not in the future and nextUpdate not in the past, each with
 *   SKEW_MS of clock skew; a response without nextUpdate is current for
 *   NO_NEXT_UPDATE_MS after thisUpdate (§4.2.2.1: newer information is always there).
 *   A revoked answer counts even when out of date, as a revoked CRL entry does
 *   (revocation is not undone by time), except certificateHold.
 *
 * Hand-walked with asn1js (as crl.ts) so the exact signed bytes of tbsResponseData are
 * what is verified, and a malformed response is a problem code, never an exception.
 */
import * as asn1js from 'asn1js'
import { parseDer } from '../asn1/der'
import type { CryptoLike } from '../crypto'
import { equal, toArrayBuffer, toHex } from '../util/bytes'
import { brokenSignatureAlgorithm } from './algorithms'
import { parseCertificate, shortName, type ParsedCert } from './certificate'
import { children, encoded, integerBytes, isContext, oidValue, primitiveBytes } from './asn1-walk'
import { formatName, nameKey } from './name'
import { certIdFor, OCSP_NONCE } from './ocsp-request'
import { verifySignature, type SignedObject } from './verify'

export const OCSP_SKEW_MS = 5 * 60 * 1000
export const OCSP_NO_NEXT_UPDATE_MS = 60 * 60 * 1000
const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1'
const ID_KP_OCSP_SIGNING = '1.3.6.1.5.5.7.3.9'
const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(unused)', 'sigRequired', 'unauthorized']
export const CRL_REASONS = [
  'unspecified', 'keyCompromise', 'cACompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation',
  'certificateHold', '(unused)', 'removeFromCRL', 'privilegeWithdrawn', 'aACompromise',
]

export type OcspProblem =
  | 'ocsp-malformed' // not an OCSP response, or not the basic type
  | 'ocsp-error-status' // the responder answered with an error (tryLater, unauthorized…)
  | 'ocsp-certid-mismatch' // no answer for this certificate from this issuer
  | 'ocsp-bad-signature' // signed by no key we accept
  | 'ocsp-unauthorized-responder' // a delegated responder the issuer did not authorise (EKU, issuer, validity)
  | 'ocsp-weak-algorithm' // signed with MD2/MD5
  | 'ocsp-nonce-mismatch' // a nonce that is not ours, or none when one is required
  | 'ocsp-stale' // nextUpdate (or thisUpdate + 1 h) passed
  | 'ocsp-not-yet-valid' // thisUpdate in the future

/** What a verified OCSP answer says, as reports carry it (ISO 8601 times). */
export interface OcspFacts {
  status: 'good' | 'revoked' | 'unknown'
  /** The responderID: a name, or "key <sha1 hex>". */
  responder: string
  /** Who signed: the issuing CA itself, or a responder certificate it delegated to. */
  signedBy: 'issuer' | 'delegated'
  producedAt: string
  thisUpdate: string
  nextUpdate: string | null
  revokedAt?: string
  reason?: string
  /** 'matched': our nonce came back; 'absent': none came back; 'not-sent': checked from a cache. */
  nonce: 'matched' | 'absent' | 'not-sent'
}

export type OcspCheck = ({ ok: true } & OcspFacts) | { ok: false; code: OcspProblem; message: string }

export interface OcspCheckOptions {
  /** The nonce of the request this answers; absent for a stored response. */
  nonce?: Uint8Array
  /** Refuse a response that does not echo the nonce (see NONCE POLICY). */
  requireNonce?: boolean
  at: Date
}

interface SingleResponse {
  hashAlgorithm: string
  issuerNameHash: Uint8Array
  issuerKeyHash: Uint8Array
  serial: Uint8Array
  status: OcspFacts['status']
  revokedAt: Date | null
  reason: number | null
  thisUpdate: Date
  nextUpdate: Date | null
}

interface ParsedOcsp extends SignedObject {
  responseStatus: number
  responderName: asn1js.AsnType | null
  responderKeyHash: Uint8Array | null
  producedAt: Date
  responses: SingleResponse[]
  nonce: Uint8Array | null
  certs: Uint8Array[]
}

class Bad extends Error {}

const cache = new WeakMap<Uint8Array, ParsedOcsp>()

/** Reads an OCSPResponse; throws Bad for anything that is not a well-formed basic response. */
function parseResponse(der: Uint8Array): ParsedOcsp {
  const hit = cache.get(der)
  if (hit) return hit
  let top: asn1js.AsnType
  try {
    top = parseDer(der, 'OCSP response')
  } catch {
    throw new Bad('not DER')
  }
  if (!(top instanceof asn1js.Sequence)) throw new Bad('not a SEQUENCE')
  const [statusNode, bytesNode] = children(top)
  if (!(statusNode instanceof asn1js.Enumerated)) throw new Bad('no responseStatus')
  const responseStatus = statusNode.valueBlock.valueDec
  const empty: ParsedOcsp = { responseStatus, responderName: null, responderKeyHash: null, producedAt: new Date(0), responses: [], nonce: null, certs: [], tbs: new Uint8Array(0), sigAlg: '', sigAlgParams: undefined, signature: new Uint8Array(0) }
  if (responseStatus !== 0) return empty
  if (!bytesNode || !isContext(bytesNode, 0)) throw new Bad('no responseBytes')
  const wrapped = children(bytesNode)[0]
  if (!(wrapped instanceof asn1js.Sequence)) throw new Bad('ResponseBytes is not a SEQUENCE')
  const [typeNode, octets] = children(wrapped)
  if (oidValue(typeNode) !== ID_PKIX_OCSP_BASIC || !(octets instanceof asn1js.OctetString)) throw new Bad('not a basic OCSP response')
  let basic: asn1js.AsnType
  try {
    basic = parseDer(primitiveBytes(octets), 'BasicOCSPResponse')
  } catch {
    throw new Bad('BasicOCSPResponse is not DER')
  }
  const [tbs, alg, sig, certsNode] = children(basic)
  if (!(basic instanceof asn1js.Sequence) || !(tbs instanceof asn1js.Sequence) || !(alg instanceof asn1js.Sequence) || !(sig instanceof asn1js.BitString) || sig.valueBlock.unusedBits !== 0) throw new Bad('BasicOCSPResponse shape')
  const fields = children(tbs)
  let i = fields[0] && isContext(fields[0], 0) ? 1 : 0
  const rid = fields[i++]
  const produced = fields[i++]
  const list = fields[i++]
  const exts = fields[i]
  if (!rid || !(produced instanceof asn1js.GeneralizedTime) || !(list instanceof asn1js.Sequence)) throw new Bad('ResponseData shape')
  const parsed: ParsedOcsp = {
    responseStatus,
    // ResponderID ::= CHOICE { byName [1] Name, byKey [2] KeyHash } (explicit tags: the module is EXPLICIT)
    responderName: isContext(rid, 1) ? (children(rid)[0] ?? null) : null,
    responderKeyHash: isContext(rid, 2) && children(rid)[0] instanceof asn1js.OctetString ? primitiveBytes(children(rid)[0]!) : null,
    producedAt: time(produced),
    responses: children(list).map(single),
    nonce: exts && isContext(exts, 1) ? findNonce(children(exts)[0]) : null,
    certs: certsNode && isContext(certsNode, 0) ? children(children(certsNode)[0]).map(encoded) : [],
    tbs: encoded(tbs),
    sigAlg: oidValue(children(alg)[0]) ?? '',
    sigAlgParams: children(alg)[1],
    signature: sig.valueBlock.valueHexView,
  }
  if (!parsed.responderName && !parsed.responderKeyHash) throw new Bad('no responderID')
  cache.set(der, parsed)
  return parsed
}

function time(node: asn1js.AsnType | undefined): Date {
  if (!(node instanceof asn1js.GeneralizedTime)) throw new Bad('not a GeneralizedTime')
  const d = node.toDate()
  if (Number.isNaN(d.getTime())) throw new Bad('unreadable time')
  return d
}

function single(node: asn1js.AsnType): SingleResponse {
  const [certId, status, thisUpdate, ...rest] = children(node)
  const [alg, nameHash, keyHash, serial] = children(certId)
  if (!(nameHash instanceof asn1js.OctetString) || !(keyHash instanceof asn1js.OctetString) || !(serial instanceof asn1js.Integer) || !status) throw new Bad('CertID shape')
  let state: SingleResponse['status']
  let revokedAt: Date | null = null
  let reason: number | null = null
  // CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo, unknown [2] IMPLICIT NULL }
  if (isContext(status, 0)) state = 'good'
  else if (isContext(status, 2)) state = 'unknown'
  else if (isContext(status, 1)) {
    state = 'revoked'
    const [when, why] = children(status)
    revokedAt = time(when)
    const r = why && isContext(why, 0) ? children(why)[0] : undefined
    if (r instanceof asn1js.Enumerated) reason = r.valueBlock.valueDec
  } else throw new Bad('CertStatus')
  const next = rest.find((n) => isContext(n, 0))
  return {
    hashAlgorithm: oidValue(children(alg)[0]) ?? '',
    issuerNameHash: primitiveBytes(nameHash),
    issuerKeyHash: primitiveBytes(keyHash),
    serial: integerBytes(serial),
    status: state,
    revokedAt,
    reason,
    thisUpdate: time(thisUpdate),
    nextUpdate: next ? time(children(next)[0]) : null,
  }
}

/** The nonce extension's extnValue (the DER of its OCTET STRING), compared as a whole. */
function findNonce(extensions: asn1js.AsnType | undefined): Uint8Array | null {
  for (const ext of children(extensions)) {
    const c = children(ext)
    if (oidValue(c[0]) !== OCSP_NONCE) continue
    const value = c[c.length - 1]
    return value instanceof asn1js.OctetString ? primitiveBytes(value) : new Uint8Array(0)
  }
  return null
}

/** DER of OCTET STRING { nonce }: what the request's extnValue holds. */
function nonceExtnValue(nonce: Uint8Array): Uint8Array {
  return new Uint8Array(new asn1js.OctetString({ valueHex: toArrayBuffer(nonce) }).toBER())
}

/** The OCSP response status name ("tryLater"…), or null when it is not an OCSP response at all. */
export function ocspResponseStatus(der: Uint8Array): string | null {
  try {
    const p = parseResponse(der)
    return RESPONSE_STATUS[p.responseStatus] ?? `status ${p.responseStatus}`
  } catch {
    return null
  }
}

/** Check `der` as the OCSP answer about `certificate` issued by `issuer` (both parsed). Total: never throws. */
export async function checkOcspResponse(der: Uint8Array, certificate: ParsedCert, issuer: ParsedCert, opts: OcspCheckOptions, crypto: CryptoLike): Promise<OcspCheck> {
  try {
    return await check(der, certificate, issuer, opts, crypto)
  } catch (e) {
    return { ok: false, code: 'ocsp-malformed', message: `The OCSP answer about ${shortName(certificate)} cannot be read (${(e as Error).message}).` }
  }
}

async function check(der: Uint8Array, certificate: ParsedCert, issuer: ParsedCert, opts: OcspCheckOptions, crypto: CryptoLike): Promise<OcspCheck> {
  const who = shortName(certificate)
  const fail = (code: OcspProblem, message: string): OcspCheck => ({ ok: false, code, message })
  let p: ParsedOcsp
  try {
    p = parseResponse(der)
  } catch (e) {
    return fail('ocsp-malformed', `The OCSP answer about ${who} is not a readable OCSP response (${(e as Error).message}).`)
  }
  if (p.responseStatus !== 0) {
    return fail('ocsp-error-status', `The OCSP responder for ${who} answered "${RESPONSE_STATUS[p.responseStatus] ?? p.responseStatus}" instead of a status.`)
  }

  // §4.1.1 / §4.2.1: the answer for this certificate, under any hash the responder chose
  let answer: SingleResponse | undefined
  for (const r of p.responses) {
    const id = await certIdFor(certificate, issuer, crypto, r.hashAlgorithm)
    if (id && equal(id.issuerNameHash, r.issuerNameHash) && equal(id.issuerKeyHash, r.issuerKeyHash) && equal(id.serial, r.serial)) {
      answer = r
      break
    }
  }
  if (!answer) return fail('ocsp-certid-mismatch', `The OCSP answer is not about ${who} from ${shortName(issuer)}.`)

  const broken = brokenSignatureAlgorithm(p.sigAlg)
  if (broken) return fail('ocsp-weak-algorithm', `The OCSP answer about ${who} is signed with ${broken}, which is broken: anyone could have made it.`)

  // §4.2.2.2: the CA itself, or a responder certificate it issued for OCSP signing
  let signedBy: OcspFacts['signedBy'] | null = null
  if ((await matchesResponderId(p, issuer, crypto)) && (await verifySignature(p, issuer, crypto))) {
    signedBy = 'issuer'
  } else {
    let refusal: string | null = null
    for (const certDer of p.certs) {
      let c: ParsedCert
      try {
        c = parseCertificate(certDer)
      } catch {
        continue
      }
      if (!(await matchesResponderId(p, c, crypto)) || !(await verifySignature(p, c, crypto))) continue
      // The response is this certificate's: now, may it speak for the issuer?
      if (c.issuerKey !== issuer.subjectKey || brokenSignatureAlgorithm(c.sigAlg) || !(await verifySignature(c, issuer, crypto))) {
        refusal = `The OCSP answer about ${who} is signed by ${shortName(c)}, which ${shortName(issuer)} did not issue.`
      } else if (!c.eku?.includes(ID_KP_OCSP_SIGNING)) {
        refusal = `The OCSP answer about ${who} is signed by ${shortName(c)}, which is not an OCSP responder (its extended key usage lacks OCSPSigning).`
      } else if (opts.at < c.notBefore || opts.at > c.notAfter) {
        refusal = `The OCSP answer about ${who} is signed by ${shortName(c)}, whose certificate is not valid at this time.`
      } else if (c.keyUsage && !c.keyUsage.includes('digitalSignature')) {
        refusal = `The OCSP answer about ${who} is signed by ${shortName(c)}, whose key usage does not allow signatures.`
      } else {
        signedBy = 'delegated'
        break
      }
    }
    if (!signedBy) return fail(refusal ? 'ocsp-unauthorized-responder' : 'ocsp-bad-signature', refusal ?? `The OCSP answer about ${who} is not signed by ${shortName(issuer)} or a responder it authorised.`)
  }

  // Nonce (RFC 8954): see NONCE POLICY above
  let nonce: OcspFacts['nonce'] = 'not-sent'
  if (opts.nonce) {
    if (p.nonce === null) {
      if (opts.requireNonce) return fail('ocsp-nonce-mismatch', `The OCSP answer about ${who} does not repeat the request's nonce, so it may be a replayed answer.`)
      nonce = 'absent'
    } else if (!equal(p.nonce, nonceExtnValue(opts.nonce))) {
      return fail('ocsp-nonce-mismatch', `The OCSP answer about ${who} carries another request's nonce: it does not answer this request.`)
    } else nonce = 'matched'
  }

  const at = opts.at.getTime()
  if (answer.thisUpdate.getTime() > at + OCSP_SKEW_MS) {
    return fail('ocsp-not-yet-valid', `The OCSP answer about ${who} is dated in the future (${answer.thisUpdate.toISOString()}); check this computer's clock.`)
  }
  const until = answer.nextUpdate?.getTime() ?? answer.thisUpdate.getTime() + OCSP_NO_NEXT_UPDATE_MS
  const holdOnly = answer.status === 'revoked' && answer.reason === 6
  if (at > until + OCSP_SKEW_MS && (answer.status !== 'revoked' || holdOnly)) {
    return fail('ocsp-stale', `The OCSP answer about ${who} is out of date (current until ${new Date(until).toISOString()}).`)
  }

  const facts: OcspFacts = {
    status: answer.status,
    responder: p.responderName ? formatName(p.responderName) : `key ${toHex(p.responderKeyHash!)}`,
    signedBy,
    producedAt: p.producedAt.toISOString(),
    thisUpdate: answer.thisUpdate.toISOString(),
    nextUpdate: answer.nextUpdate?.toISOString() ?? null,
    nonce,
  }
  if (answer.revokedAt) facts.revokedAt = answer.revokedAt.toISOString()
  if (answer.reason !== null) facts.reason = CRL_REASONS[answer.reason] ?? `reason ${answer.reason}`
  return { ok: true, ...facts }
}

/** Does the responderID name this certificate (its subject, or the SHA-1 of its public key)? */
async function matchesResponderId(p: ParsedOcsp, c: ParsedCert, crypto: CryptoLike): Promise<boolean> {
  if (p.responderName) return nameKey(p.responderName) === c.subjectKey
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-1', toArrayBuffer(c.publicKey)))
  return equal(hash, p.responderKeyHash!)
}
