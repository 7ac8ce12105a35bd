import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { parseDer } from '../asn1/der'
import { CoreError } from '../errors'
import { equal, toHex } from '../util/bytes'
import { children, encoded, integerBytes, isContext, isExactConstructed, primitiveBytes } from './asn1-walk'
import { formatName, nameKey } from './name'
import type { SignedObject } from './verify'

/**
 * A certificate revocation list (RFC 5280 §5), parsed into plain data. Only
 * complete CRLs from the certificate's own issuer are used; indirect and delta
 * CRLs are not (they are rare in S/MIME deployments).
 */
export interface ParsedCrl extends SignedObject {
  der: Uint8Array
  issuer: string
  issuerDer: Uint8Array
  issuerKey: string
  thisUpdate: Date
  nextUpdate: Date | null
  /** Revoked serial (lowercase hex, no leading zeros) → revocation date. */
  revoked: Map<string, Date>
  scope: CrlScope
}

/**
 * What a CRL covers (RFC 5280 §5.2.5 issuing distribution point, §5.2.4 delta
 * CRLs). Only a complete CRL for the certificate's kind and partition can show a
 * certificate is *not* revoked; any CRL from the issuer that covers the kind of
 * certificate can show that it is.
 */
export interface CrlScope {
  onlyUserCerts: boolean
  onlyCaCerts: boolean
  /** onlySomeReasons, delta CRL, or a critical extension we do not process. */
  partial: boolean
  /** indirectCRL: entries may belong to other issuers; not used. */
  indirect: boolean
  /** Distribution point URIs named by the IDP; empty when none. */
  distributionPoints: string[]
}

const cache = new WeakMap<Uint8Array, ParsedCrl>()

export function parseCrl(der: Uint8Array): ParsedCrl {
  const hit = cache.get(der)
  if (hit) return hit
  const asn1 = parseDer(der, 'CRL')
  let crl: pkijs.CertificateRevocationList
  try {
    crl = new pkijs.CertificateRevocationList({ schema: asn1 })
  } catch (e) {
    throw new CoreError('asn1', 'The data is not a certificate revocation list (CRL).', { cause: e })
  }
  const tbs = children(asn1)[0]!
  // TBSCertList: version INTEGER OPTIONAL, signature, issuer, ...
  const fields = children(tbs)
  const innerAlg = fields[0] instanceof asn1js.Integer ? fields[1] : fields[0]
  if (
    !isExactConstructed(asn1, der) ||
    crl.signatureValue.valueBlock.unusedBits !== 0 ||
    !innerAlg ||
    !equal(encoded(innerAlg), encoded(children(asn1)[1]!))
  ) {
    throw new CoreError('asn1', 'The CRL is not in DER form or its signature algorithm fields differ.')
  }
  const issuerNode = fields[0] instanceof asn1js.Integer ? fields[2] : fields[1]
  if (!issuerNode || isContext(issuerNode, 0)) throw new CoreError('asn1', 'The CRL has no issuer name.')
  const revoked = new Map<string, Date>()
  for (const entry of crl.revokedCertificates ?? []) {
    // removeFromCRL (reason 8) in a delta CRL means the certificate is no longer on hold
    if (entryReason(entry) === 8) continue
    const when = entry.revocationDate.value
    // An unreadable revocation date still revokes; the CRL's own date stands in for it
    revoked.set(toHex(integerBytes(entry.userCertificate)), Number.isNaN(when.getTime()) ? crl.thisUpdate.value : when)
  }
  const parsed: ParsedCrl = {
    der,
    tbs: encoded(tbs),
    sigAlg: crl.signatureAlgorithm.algorithmId,
    sigAlgParams: crl.signatureAlgorithm.algorithmParams as asn1js.AsnType | undefined,
    signature: crl.signatureValue.valueBlock.valueHexView,
    issuer: formatName(issuerNode),
    issuerDer: encoded(issuerNode),
    issuerKey: nameKey(issuerNode),
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value ?? null,
    revoked,
    scope: readScope(crl),
  }
  if (Number.isNaN(parsed.thisUpdate.getTime()) || (parsed.nextUpdate && Number.isNaN(parsed.nextUpdate.getTime()))) {
    throw new CoreError('asn1', 'The CRL has an unreadable update time.')
  }
  cache.set(der, parsed)
  return parsed
}

const IDP = '2.5.29.28'
const DELTA_CRL_INDICATOR = '2.5.29.27'
const REASON_CODE = '2.5.29.21'
const UNDERSTOOD = new Set([IDP, DELTA_CRL_INDICATOR, '2.5.29.20' /* cRLNumber */, '2.5.29.35' /* AKI */])

function entryReason(entry: pkijs.RevokedCertificate): number | null {
  for (const ext of entry.crlEntryExtensions?.extensions ?? []) {
    if (ext.extnID !== REASON_CODE) continue
    try {
      const v = parseDer(ext.extnValue.valueBlock.valueHexView, 'CRL reason')
      if (v instanceof asn1js.Enumerated) return v.valueBlock.valueDec
    } catch {}
  }
  return null
}

function readScope(crl: pkijs.CertificateRevocationList): CrlScope {
  const scope: CrlScope = { onlyUserCerts: false, onlyCaCerts: false, partial: false, indirect: false, distributionPoints: [] }
  for (const ext of crl.crlExtensions?.extensions ?? []) {
    if (ext.critical && !UNDERSTOOD.has(ext.extnID)) scope.partial = true
    if (ext.extnID === DELTA_CRL_INDICATOR) scope.partial = true
    if (ext.extnID !== IDP) continue
    let idp: asn1js.AsnType
    try {
      idp = parseDer(ext.extnValue.valueBlock.valueHexView, 'issuing distribution point')
    } catch {
      scope.partial = true
      continue
    }
    for (const field of children(idp)) {
      const on = (primitiveBytes(field)[0] ?? 0) !== 0
      if (isContext(field, 0)) {
        const fullName = children(field).find((n) => isContext(n, 0))
        for (const gn of children(fullName)) {
          if (isContext(gn, 6)) scope.distributionPoints.push(String.fromCharCode(...primitiveBytes(gn)))
        }
        if (!fullName) scope.partial = true
      } else if (isContext(field, 1)) scope.onlyUserCerts = on
      else if (isContext(field, 2)) scope.onlyCaCerts = on
      else if (isContext(field, 3)) scope.partial = true
      else if (isContext(field, 4)) scope.indirect = on
      else if (isContext(field, 5) && on) scope.indirect = true // attribute certificates only: not ours
    }
  }
  return scope
}
