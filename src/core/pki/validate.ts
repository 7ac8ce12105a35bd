import { OID } from '../asn1/oids'
import type { CryptoLike } from '../crypto'
import type { CertificateSummary, TrustAnchorInput } from '../types'
import { pathAlgorithmProblems, type PathWeakness } from './algorithms'
import { ekuName, emailsOf, keyInfo, parseCertificate, shortName, type ParsedCert } from './certificate'
import { parseCrl } from './crl'
import { bundledEmailDistrustAfter, distrustProblems } from './distrust'
import { PathBuilder, structuralProblems, timeProblems } from './path'
import type { OcspFacts } from './ocsp'
import { checkRevocation, type RevocationResult, type RevocationState } from './revocation'
import { summarizeParsed } from './summary'

/**
 * Is this certificate good for S/MIME with this address, now? Path building to
 * the caller's trust anchors (RFC 5280 §6), validity in time, CRL revocation, key
 * usage and extended key usage for the purpose (RFC 8550 §4.4), the address
 * match of RFC 8550 §3 (the whole address, case-insensitive), the algorithms of the
 * path (algorithms.ts: MD2/MD5 refused, SHA-1 and short RSA keys reported as weak)
 * and the anchor's email distrust-after date (distrust.ts).
 */
export type CertificateStatus = 'valid' | 'untrusted' | 'expired' | 'revoked' | 'email-mismatch' | 'not-email-cert'

export interface CertificateValidation {
  status: CertificateStatus
  /** Sentences for people, one per problem found; empty when valid. */
  reasons: string[]
  /** Leaf first, up to the trust anchor when a path was found. */
  chain: CertificateSummary[]
  revocation: RevocationState
  /** Which source decided `revocation` for this certificate: OCSP first, CRL as the fallback; null when neither did. */
  revocationSource: 'ocsp' | 'crl' | null
  /** The verified OCSP answer about this certificate, when one was used. */
  ocsp: OcspFacts | null
  anchor: CertificateSummary | null
  /** Weak but accepted algorithms in the chain (SHA-1 signatures, RSA keys under 2048 bits), leaf first. */
  weak: PathWeakness[]
}

export interface ValidateOptions {
  /** Trust anchors: DER, or { der, emailDistrustAfter } (types.ts TrustAnchor). */
  anchors: TrustAnchorInput[]
  intermediates: Uint8Array[]
  crls: Uint8Array[]
  /** OCSP responses (DER) already nonce-checked on arrival; each is checked again here (ocsp.ts). */
  ocsp?: Uint8Array[]
  /** Validation time; default now. */
  at?: Date
  purpose: 'email-signing' | 'email-encryption'
  /** The address the certificate must carry (e.g. the message's From), when given. */
  email?: string | null
}

/** Bound on certificates and CRLs considered, so a huge pool cannot stall validation. */
const MAX_POOL = 2000

export async function validateCertificate(
  der: Uint8Array,
  opts: ValidateOptions,
  crypto: CryptoLike,
): Promise<CertificateValidation> {
  return (await validateWithPath(der, opts, crypto)).validation
}

/** validateCertificate, with the chosen path as parsed certificates (leaf first) for revocation-urls.ts. */
export async function validateWithPath(
  der: Uint8Array,
  opts: ValidateOptions,
  crypto: CryptoLike,
): Promise<{ validation: CertificateValidation; path: ParsedCert[] }> {
  const leaf = parseCertificate(der) // the only throw: the leaf is not a certificate
  const at = opts.at ?? new Date()
  const reasons: string[] = []
  const { anchors, distrustAfter } = parseAnchors(opts.anchors)
  const intermediates = parseMany(opts.intermediates, parseCertificate)
  const crls = parseMany(opts.crls, parseCrl)
  const ocsp = (opts.ocsp ?? []).slice(0, MAX_POOL)

  const builder = new PathBuilder(anchors, intermediates, crypto)
  const search = await builder.build(leaf)

  // Choose among complete paths: acceptable first (structure, algorithms, distrust dates),
  // then fewest time problems, then not revoked, then shortest
  type Scored = {
    path: ParsedCert[]
    structural: string[]
    time: string[]
    rev: RevocationResult
    weak: PathWeakness[]
  }
  const scored: Scored[] = []
  for (const path of search.paths) {
    const rev = await checkRevocation(path, crls, at, true, crypto, ocsp)
    const algorithms = pathAlgorithmProblems(path, true)
    const anchor = path[path.length - 1]!
    const distrust = distrustProblems(path, anchor, await anchorDistrustAfter(builder.anchorFor(anchor) ?? anchor, distrustAfter, crypto))
    scored.push({
      path,
      structural: [...structuralProblems(path), ...algorithms.rejected, ...rev.rejected, ...distrust],
      time: timeProblems(path, at),
      rev,
      weak: algorithms.weak,
    })
  }
  const rank = (s: Scored) => [s.structural.length ? 1 : 0, s.time.length, s.rev.state === 'revoked' ? 1 : 0, s.path.length]
  scored.sort((a, b) => compare(rank(a), rank(b)))
  const best = scored[0]
  const trusted = best !== undefined && best.structural.length === 0

  let chainCerts: ParsedCert[]
  let revocation: RevocationState
  let revSource: RevocationResult
  let anchor: ParsedCert | null = null
  let expired: boolean
  let revoked: boolean
  let weak: PathWeakness[]
  if (trusted) {
    chainCerts = best.path
    anchor = builder.anchorFor(best.path[best.path.length - 1]!)
    reasons.push(...best.rev.reasons, ...best.time)
    expired = best.time.length > 0
    revocation = best.rev.state
    revSource = best.rev
    revoked = revocation === 'revoked'
    weak = best.weak
  } else {
    chainCerts = best ? best.path : search.longest
    const rev = await checkRevocation(chainCerts, crls, at, false, crypto, ocsp)
    revocation = rev.state
    revSource = rev
    revoked = revocation === 'revoked'
    const time = timeProblems(chainCerts, at)
    expired = time.length > 0
    weak = pathAlgorithmProblems(chainCerts, best !== undefined).weak
    reasons.push(...rev.reasons, ...time)
    if (best) reasons.push(...best.structural)
    else {
      const top = chainCerts[chainCerts.length - 1]!
      reasons.push(...search.rejected, ...rev.rejected, ...search.notes)
      // A certificate refused for its algorithm already says why the chain ends there
      if (!search.rejected.length) {
        reasons.push(
          `No chain to a trusted certificate was found: the issuer of ${shortName(top)} (${top.issuer}) is not among your trusted certificates or the known intermediate certificates.`,
        )
      }
    }
  }

  const purposeReasons = purposeProblems(leaf, opts.purpose)
  const email = opts.email?.trim().toLowerCase()
  const certEmails = emailsOf(leaf)
  const mismatch = !!email && !certEmails.includes(email)
  if (mismatch) {
    reasons.unshift(
      certEmails.length
        ? `The certificate is for ${certEmails.join(', ')}, not for ${email}.`
        : `The certificate names no email address, so it cannot be for ${email}.`,
    )
  }
  reasons.push(...purposeReasons)

  const status: CertificateStatus = revoked
    ? 'revoked'
    : mismatch
      ? 'email-mismatch'
      : purposeReasons.length
        ? 'not-email-cert'
        : expired
          ? 'expired'
          : !trusted
            ? 'untrusted'
            : 'valid'
  const validation: CertificateValidation = {
    status,
    reasons: dedupe(reasons),
    chain: await Promise.all(chainCerts.map((c) => summarizeParsed(c, crypto))),
    revocation,
    revocationSource: revSource.source,
    ocsp: revSource.ocsp,
    anchor: anchor ? await summarizeParsed(anchor, crypto) : null,
    weak,
  }
  return { validation, path: chainCerts }
}

/** Anchors parsed, with the distrust-after dates their callers gave. Unreadable anchors are skipped. */
function parseAnchors(inputs: TrustAnchorInput[]): { anchors: ParsedCert[]; distrustAfter: Map<ParsedCert, Date> } {
  const anchors: ParsedCert[] = []
  const distrustAfter = new Map<ParsedCert, Date>()
  for (const input of inputs.slice(0, MAX_POOL)) {
    const der = input instanceof Uint8Array ? input : input?.der
    if (!(der instanceof Uint8Array)) continue
    let parsed: ParsedCert
    try {
      parsed = parseCertificate(der)
    } catch {
      continue // an unreadable anchor cannot start a path
    }
    anchors.push(parsed)
    const given = input instanceof Uint8Array ? null : input.emailDistrustAfter
    if (given != null) {
      const when = given instanceof Date ? given : new Date(given)
      // An unreadable date distrusts everything below the anchor rather than nothing
      distrustAfter.set(parsed, Number.isNaN(when.getTime()) ? new Date(0) : when)
    }
  }
  return { anchors, distrustAfter }
}

/**
 * The email distrust-after date that applies to an anchor: the earlier of the one its
 * caller gave and the bundled root store's (distrust.ts), so passing a bundled root as
 * bare DER or without a date cannot lift Mozilla's.
 */
async function anchorDistrustAfter(anchor: ParsedCert, given: Map<ParsedCert, Date>, crypto: CryptoLike): Promise<Date | null> {
  const dates = [given.get(anchor) ?? null, await bundledEmailDistrustAfter(anchor.der, crypto)].filter((d): d is Date => d !== null)
  return dates.length ? new Date(Math.min(...dates.map((d) => d.getTime()))) : null
}

/**
 * Key usage and extended key usage for mail (RFC 8550 §4.4.2, §4.4.4): an EKU
 * extension, when present, must allow emailProtection (or anyExtendedKeyUsage);
 * key usage, when present, must allow signing (digitalSignature or
 * nonRepudiation) or the key's encryption operation (keyEncipherment for RSA key
 * transport, keyAgreement for ECDH/X25519).
 */
export function purposeProblems(leaf: ParsedCert, purpose: ValidateOptions['purpose']): string[] {
  const out: string[] = []
  const who = shortName(leaf)
  if (leaf.eku && !leaf.eku.includes(OID.emailProtection) && !leaf.eku.includes(OID.anyExtendedKeyUsage)) {
    const allowed = leaf.eku.map(ekuName).join(', ') || 'nothing'
    out.push(`${who} is not for email: its extended key usage allows ${allowed}, not emailProtection.`)
  }
  const ku = leaf.keyUsage
  const alg = leaf.keyAlgOid
  if (purpose === 'email-signing') {
    if (alg === OID.x25519 || alg === '1.3.101.111') out.push(`${who} holds a key-agreement key (${keyInfo(leaf).keyAlgorithm}) that cannot sign.`)
    else if (ku && !ku.includes('digitalSignature') && !ku.includes('nonRepudiation')) {
      out.push(`${who} may not be used for signatures (its key usage lacks digitalSignature and nonRepudiation).`)
    }
  } else {
    const rsa = alg === OID.rsaEncryption || alg === OID.rsaesOaep
    const agreement = alg === OID.ecPublicKey || alg === OID.x25519 || alg === '1.3.101.111'
    if (!rsa && !agreement) out.push(`${who} holds a ${keyInfo(leaf).keyAlgorithm} key, which cannot be used to encrypt mail.`)
    else if (ku && rsa && !ku.includes('keyEncipherment')) {
      out.push(`${who} may not be used for encryption (its key usage lacks keyEncipherment).`)
    } else if (ku && agreement && !ku.includes('keyAgreement')) {
      out.push(`${who} may not be used for encryption (its key usage lacks keyAgreement).`)
    }
  }
  return out
}

function parseMany<T>(items: Uint8Array[], parse: (der: Uint8Array) => T): T[] {
  const out: T[] = []
  for (const der of items.slice(0, MAX_POOL)) {
    try {
      out.push(parse(der))
    } catch {
      // An unreadable extra certificate or CRL is skipped; it cannot help a path
    }
  }
  return out
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)]
}
