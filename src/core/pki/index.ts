/**
 * Certificates for S/MIME: reading them, summarizing them for people, and
 * deciding whether one may be trusted for a given address and purpose. PKI.js and
 * asn1js stay inside this module; certificates and CRLs cross as DER bytes.
 *
 * Bundled public roots: roots.ts holds Mozilla's roots with the S/MIME trust bit,
 * taken from NSS's builtin module, not Debian's /etc/ssl/certs (TLS roots, the
 * wrong set for mail).
 */
import { parseDer } from '../asn1/der'
import { equal } from '../util/bytes'
import { emailsOf, parseCertificate } from './certificate'
import { parseCrl } from './crl'
import { nameKey } from './name'

export { summarizeCertificate } from './summary'
export { readCertificates, readCrls } from './read'
export { validateCertificate } from './validate'
export type { CertificateStatus, CertificateValidation, ValidateOptions } from './validate'
export type { RevocationState } from './revocation'
export type { PathWeakness } from './algorithms'
export { BUNDLED_EMAIL_DISTRUST_AFTER, bundledEmailDistrustAfter } from './distrust'
export { signerContinuity } from './continuity'
export type { SignerContinuity } from './continuity'

/** Email addresses of a certificate: SAN rfc822Name and subject emailAddress, lowercased, deduplicated. */
export function certificateEmails(der: Uint8Array): string[] {
  return emailsOf(parseCertificate(der))
}

/** http/https URIs from the CRL distribution points extension (RFC 5280 §4.2.1.13). */
export function crlDistributionPoints(der: Uint8Array): string[] {
  return parseCertificate(der).crlUris.filter((u) => /^https?:\/\//i.test(u))
}

/**
 * Does this certificate have the given issuer Name (DER) and serial number
 * (INTEGER content octets)? Used to find a CMS recipient or signer by
 * IssuerAndSerialNumber (RFC 5652 §10.2.4). Names compare by DER, then by a
 * normalized form for encoders that changed the string type or case.
 * Never throws: unreadable input is "no".
 */
export function isIssuerAndSerial(der: Uint8Array, issuerDer: Uint8Array, serial: Uint8Array): boolean {
  try {
    const c = parseCertificate(der)
    if (!equal(c.serial, stripZeros(serial))) return false
    if (equal(c.issuerDer, issuerDer)) return true
    return nameKey(parseDer(issuerDer, 'issuer name')) === c.issuerKey
  } catch {
    return false
  }
}

/** Plain facts about a CRL, for caching and display. Throws CoreError('asn1') when it is not one. */
export interface CrlInfo {
  issuer: string
  thisUpdate: string
  nextUpdate: string | null
  revokedCount: number
}
export function crlInfo(der: Uint8Array): CrlInfo {
  const c = parseCrl(der)
  return {
    issuer: c.issuer,
    thisUpdate: c.thisUpdate.toISOString(),
    nextUpdate: c.nextUpdate?.toISOString() ?? null,
    revokedCount: c.revoked.size,
  }
}

/** The subject key identifier extension's value (RFC 5280 §4.2.1.2), or null. */
export function subjectKeyIdentifier(der: Uint8Array): Uint8Array | null {
  return parseCertificate(der).ski
}

function stripZeros(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

export { createCertificateRequest, certificateHasKey, certificateSpki, REQUEST_KEY_TYPES, type CertificateRequest, type RequestKeyType } from './request'
export { judgeDirectoryCertificates, type DirectoryJudgement } from './directory'
export { checkOcspAnswer, crlUrlsToFetch, MAX_CRL_URLS, ocspQuestions, type OcspQuestion } from './revocation-urls'
export { ocspResponseStatus, type OcspCheck, type OcspFacts, type OcspProblem } from './ocsp'
