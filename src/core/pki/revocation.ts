import type { CryptoLike } from '../crypto'
import { brokenSignatureAlgorithm } from './algorithms'
import { serialHex, shortName, type ParsedCert } from './certificate'
import type { ParsedCrl } from './crl'
import { checkOcspResponse, type OcspFacts } from './ocsp'
import { verifySignature } from './verify'

/**
 * Revocation by CRL (RFC 5280 §6.3, simplified to complete CRLs issued by the
 * certificate's own issuer). A CRL counts only when its issuer name is the
 * certificate's issuer name and its signature verifies with the issuer's key
 * (and that key may sign CRLs, when key usage is present). A revoked entry
 * counts even in an out-of-date CRL — revocation is not undone by time — but only
 * a current CRL can show that a certificate is *not* revoked.
 *
 * OCSP first (RFC 6960; ocsp.ts checks each response): for each certificate, a verified,
 * current OCSP answer of good or revoked decides; CRLs are the fallback when there is
 * no such answer, or when the responder says unknown (as Thunderbird does).
 */
export type RevocationState = 'good' | 'revoked' | 'unknown'

export interface RevocationResult {
  state: RevocationState
  reasons: string[]
  /**
   * CRLs from a certificate's issuer signed with a broken algorithm (MD2/MD5,
   * algorithms.ts): such a CRL could say anything, so the path is not acceptable.
   */
  rejected: string[]
  /** Where the first certificate's (the leaf's) state came from: null when nothing decided it. */
  source: 'ocsp' | 'crl' | null
  /** The OCSP answer used for the first certificate, when one was. */
  ocsp: OcspFacts | null
}

/** Clock skew tolerated around nextUpdate. */
const SKEW_MS = 5 * 60 * 1000

export async function checkRevocation(
  path: ParsedCert[],
  crls: ParsedCrl[],
  at: Date,
  anchorTerminated: boolean,
  crypto: CryptoLike,
  ocspResponses: readonly Uint8Array[] = [],
): Promise<RevocationResult> {
  const reasons: string[] = []
  const rejected: string[] = []
  let source: RevocationResult['source'] = null
  let leafOcsp: OcspFacts | null = null
  let revoked = false
  let allGood = path.length > 1
  // The trust anchor itself is not checked: it is trusted directly (RFC 5280 §6.1.1 (d))
  const checked = anchorTerminated ? path.length - 1 : path.length
  for (let i = 0; i < checked; i++) {
    const cert = path[i]!
    const issuer = path[i + 1]
    if (!issuer) {
      allGood = false
      break
    }
    let good = false
    const ocsp = await ocspAnswer(cert, issuer, ocspResponses, at, crypto)
    if (ocsp && ocsp.status !== 'unknown') {
      if (i === 0) {
        source = 'ocsp'
        leafOcsp = ocsp
      }
      if (ocsp.status === 'revoked') {
        revoked = true
        const why = ocsp.reason ? ` (${ocsp.reason})` : ''
        reasons.push(`${shortName(cert)} was revoked by its issuer on ${ocsp.revokedAt ?? ocsp.thisUpdate}${why}, says its OCSP responder.`)
      }
      continue
    }
    if (i === 0 && ocsp) leafOcsp = ocsp
    for (const crl of crls) {
      if (crl.issuerKey !== cert.issuerKey) continue
      if (issuer.keyUsage && !issuer.keyUsage.includes('cRLSign')) continue
      const isCa = cert.basicConstraints?.cA === true
      const { scope } = crl
      if (scope.indirect || (scope.onlyUserCerts && isCa) || (scope.onlyCaCerts && !isCa)) continue
      const broken = brokenSignatureAlgorithm(crl.sigAlg)
      if (broken) {
        const why = `A CRL naming ${shortName(issuer)} as its issuer is signed with ${broken}, which is broken: it cannot show whether ${shortName(cert)} is revoked, and anyone could have made it.`
        if (!rejected.includes(why)) rejected.push(why)
        continue
      }
      if (!(await verifySignature(crl, issuer, crypto))) continue
      const when = crl.revoked.get(serialHex(cert))
      if (when) {
        revoked = true
        if (i === 0) source = 'crl'
        reasons.push(`${shortName(cert)} was revoked by its issuer on ${when.toISOString()}.`)
        break
      }
      // A partial CRL (some reasons, a delta, another partition) cannot show the certificate is not revoked
      const partition = scope.distributionPoints.length === 0 || cert.crlUris.some((u) => scope.distributionPoints.includes(u))
      if (scope.partial || !partition) continue
      if (!crl.nextUpdate || at.getTime() <= crl.nextUpdate.getTime() + SKEW_MS) {
        good = true
        if (i === 0) source = 'crl'
      }
      else {
        reasons.push(
          `The CRL of ${shortName(issuer)} is out of date (its next update was due ${crl.nextUpdate.toISOString()}), so it cannot show that ${shortName(cert)} is not revoked.`,
        )
      }
    }
    if (!good) allGood = false
  }
  return {
    state: revoked ? 'revoked' : allGood ? 'good' : 'unknown',
    reasons: revoked ? reasons.filter((r) => r.includes('revoked by')) : reasons,
    rejected,
    source,
    ocsp: leafOcsp,
  }
}

/**
 * The first stored OCSP response that is a verified, current answer about this
 * certificate from this issuer. Stored responses were nonce-checked when they arrived
 * (web stores/ocsp.ts); here their signature, CertID and dates are checked again.
 */
async function ocspAnswer(cert: ParsedCert, issuer: ParsedCert, responses: readonly Uint8Array[], at: Date, crypto: CryptoLike): Promise<OcspFacts | null> {
  let unknown: OcspFacts | null = null
  for (const der of responses) {
    const r = await checkOcspResponse(der, cert, issuer, { at }, crypto)
    if (!r.ok) continue
    const { ok: _, ...facts } = r
    if (facts.status !== 'unknown') return facts
    unknown ??= facts
  }
  return unknown
}
