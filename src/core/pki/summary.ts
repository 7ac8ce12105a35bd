import type { CryptoLike } from '../crypto'
import type { CertificateSummary } from '../types'
import { toArrayBuffer, toHex } from '../util/bytes'
import { ekuName, emailsOf, isSelfIssued, keyInfo, parseCertificate, serialHex, type ParsedCert } from './certificate'
import { verifySignature } from './verify'

/**
 * The readable facts about a certificate that the UI and reports show
 * (types.ts CertificateSummary). "selfSigned" means self-issued and the
 * signature verifies with the certificate's own key (RFC 5280 §3.2).
 */
export async function summarizeCertificate(der: Uint8Array, crypto: CryptoLike): Promise<CertificateSummary> {
  return summarizeParsed(parseCertificate(der), crypto)
}

const summaries = new WeakMap<Uint8Array, Promise<CertificateSummary>>()

export function summarizeParsed(p: ParsedCert, crypto: CryptoLike): Promise<CertificateSummary> {
  let s = summaries.get(p.der)
  if (!s) {
    s = build(p, crypto)
    summaries.set(p.der, s)
  }
  return s
}

async function build(p: ParsedCert, crypto: CryptoLike): Promise<CertificateSummary> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', toArrayBuffer(p.der)))
  const selfSigned = isSelfIssued(p) && (await verifySignature(p, p, crypto))
  const key = keyInfo(p)
  const summary: CertificateSummary = {
    subject: p.subject,
    issuer: p.issuer,
    serial: serialHex(p),
    emails: emailsOf(p),
    notBefore: p.notBefore.toISOString(),
    notAfter: p.notAfter.toISOString(),
    sha256: toHex(digest),
    selfSigned,
    isCA: p.basicConstraints?.cA === true,
    keyAlgorithm: key.keyAlgorithm,
    keyUsage: p.keyUsage ?? [],
    extendedKeyUsage: (p.eku ?? []).map(ekuName),
  }
  if (key.keySize !== undefined) summary.keySize = key.keySize
  return summary
}
