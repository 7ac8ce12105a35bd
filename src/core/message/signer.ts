/**
 * Judging one signer (step 2 of the pipeline, for signed layers): the CMS check from
 * cms/signed, then path validation, revocation and the email rule from pki.
 *
 * The email rule (issue #3, "Identity tricks"; RFC 8550 §3): a signer is valid for this
 * message only when the message has exactly one From header with exactly one address,
 * that address is in the certificate, and (RFC 8551 header protection) a From header
 * inside the signed entity, if any, names the same address.
 *
 * Mail gateways (issue 10; the Open Group's S/MIME gateway profile, RFC 3183 domain
 * signatures): a gateway signs its domain's outgoing mail with a domain certificate that
 * names the domain, not the person. When the caller accepted that certificate as the
 * gateway of the From address's domain (OpenOptions.gateways), the address rule is met at
 * the domain level instead: the signer is judged without the person's address and, if
 * otherwise valid, is 'gateway' (never 'valid'); an expired, revoked, untrusted or
 * non-email gateway certificate keeps that status. A certificate accepted for another
 * domain, one not accepted, or a protected inner From that differs, stays an email
 * mismatch.
 */
import type { CryptoLike } from '../crypto'
import type { Keyring, SignerStatus, CertificateSummary } from '../types'
import { summarizeCertificate, validateCertificate } from '../pki'
import { parseCertificate } from '../pki/certificate'
import type { ChainWeakness, SignerReport } from './report'
import { toBase64 } from '../util/base64'

/** The single From address of a message, or why there is none. */
export type FromAddress = { ok: true; address: string } | { ok: false; reason: string }

/** What cms/signed reports for one SignerInfo (the fields used here). */
export interface SignerCheckLike {
  ok: boolean
  reasons: string[]
  certificate: Uint8Array | null
  digestAlgorithm: string
  signatureAlgorithm: string
  signingTime: Date | string | null
  capabilities?: string[]
  weak?: string[]
}

export interface SignerContext {
  keyring: Keyring
  /** Certificates carried in the message (all layers seen so far). */
  messageCertificates: Uint8Array[]
  /** CRLs carried in the message. */
  messageCrls: Uint8Array[]
  from: FromAddress
  /** Addresses of a From header inside the signed content (header protection), if any. */
  innerFrom: string[] | null
  crypto: CryptoLike
  /** Accepted mail gateway certificates by lower-case domain (OpenOptions.gateways). */
  gateways?: AcceptedGateways
}

/**
 * The certificates the user accepted as the mail gateway of a domain, by domain: the
 * caller's decision (Contacts' "Mail gateway for <domain>", `inspect --gateway`).
 */
export type AcceptedGateways = ReadonlyMap<string, readonly Uint8Array[]>

/** Domains → certificates as a caller gives them, keyed by lower-case domain. */
export function acceptedGateways(given: Readonly<Record<string, readonly Uint8Array[]>> | undefined): AcceptedGateways | undefined {
  if (!given) return undefined
  const out = new Map<string, Uint8Array[]>()
  for (const [domain, ders] of Object.entries(given)) {
    const d = domain.trim().toLowerCase()
    if (d) out.set(d, [...(out.get(d) ?? []), ...ders])
  }
  return out
}

/** Reason given to a gateway signer (the web words it from `gateway`; the CLI prints it). */
export function gatewayReason(domain: string, from: string): string {
  return `signed by the ${domain} mail gateway with the certificate you accepted for it, not by ${from} personally`
}

const UNKNOWN_SUMMARY = { subject: '', issuer: '', serial: '', emails: [] as string[] }

export async function judgeSigner(s: SignerCheckLike, ctx: SignerContext): Promise<SignerReport> {
  const reasons = [...s.reasons]
  let summary: Pick<CertificateSummary, 'subject' | 'issuer' | 'serial' | 'emails'> = UNKNOWN_SUMMARY
  let chain: CertificateSummary[] = []
  let revocation: SignerReport['revocation'] = 'unknown'
  let revocationSource: SignerReport['revocationSource'] | null = null
  let ocsp: SignerReport['ocsp'] | null = null
  let chainWeak: ChainWeakness[] = []
  let status: SignerStatus
  let gateway: string | null = null
  if (s.certificate) {
    try {
      summary = await summarizeCertificate(s.certificate, ctx.crypto)
    } catch (e) {
      reasons.push(`the signer's certificate cannot be read: ${(e as Error).message}`)
    }
  }
  if (!s.ok || !s.certificate) {
    status = 'invalid'
    if (!s.certificate && !reasons.length) reasons.push("the signer's certificate is not in the message and not known")
  } else {
    gateway = gatewayDomain(s.certificate, summary.emails, ctx)
    // A gateway's certificate names the domain, not the person: judged without the address.
    const email = ctx.from.ok && gateway === null ? ctx.from.address : undefined
    try {
      const v = await validateCertificate(
        s.certificate,
        {
          anchors: ctx.keyring.trustAnchors,
          intermediates: [...ctx.keyring.certificates, ...ctx.messageCertificates],
          crls: [...ctx.keyring.crls, ...ctx.messageCrls],
          ocsp: ctx.keyring.ocsp ?? [],
          at: ctx.keyring.at ?? new Date(),
          purpose: 'email-signing',
          email,
        },
        ctx.crypto,
      )
      status = v.status
      reasons.push(...v.reasons)
      chain = await summaries(v.chain as unknown[], ctx.crypto)
      revocation = v.revocation
      revocationSource = v.revocationSource
      ocsp = v.ocsp
      chainWeak = v.weak.map(({ index, subject, kind, algorithm, reason }) => ({ index, subject, kind, algorithm, reason }))
    } catch (e) {
      status = 'invalid'
      reasons.push(`the signer's certificate could not be validated: ${(e as Error).message}`)
    }
    // The email rule comes after validation: an untrusted or expired signer keeps that
    // status unless the address is also wrong (email-mismatch ranks before them).
    if (gateway !== null && ctx.from.ok) {
      reasons.push(gatewayReason(gateway, ctx.from.address))
      if (status === 'valid') status = 'gateway'
    } else {
      const mismatch = emailProblem(summary.emails, ctx)
      if (mismatch && rank(status) > rank('email-mismatch')) {
        status = 'email-mismatch'
        reasons.push(mismatch)
      }
    }
  }
  const lower = summary.emails.map((e) => e.toLowerCase())
  const fromAddr = ctx.from.ok ? ctx.from.address.toLowerCase() : null
  const matched = fromAddr !== null && lower.includes(fromAddr) ? fromAddr : null
  const report: SignerReport = {
    status,
    reasons,
    email: matched ?? summary.emails[0] ?? null,
    emails: summary.emails,
    subject: summary.subject,
    issuer: summary.issuer,
    serial: summary.serial,
    digestAlgorithm: s.digestAlgorithm,
    signatureAlgorithm: s.signatureAlgorithm,
    signingTime: s.signingTime === null ? null : typeof s.signingTime === 'string' ? s.signingTime : s.signingTime.toISOString(),
    weak: s.weak ?? [],
    chain,
    revocation,
    capabilities: s.capabilities ?? [],
    certificate: s.certificate ? toBase64(s.certificate) : null,
  }
  if (chainWeak.length) report.chainWeak = chainWeak
  if (gateway !== null) report.gateway = gateway
  if (revocationSource) report.revocationSource = revocationSource
  if (ocsp) report.ocsp = ocsp
  return report
}

/** valid ranks last: any problem outranks it. */
function rank(s: SignerStatus): number {
  const order: SignerStatus[] = ['invalid', 'revoked', 'email-mismatch', 'not-email-cert', 'expired', 'untrusted', 'gateway', 'valid']
  return order.indexOf(s)
}

function emailProblem(certEmails: string[], ctx: SignerContext): string | null {
  if (!ctx.from.ok) return ctx.from.reason
  const want = ctx.from.address.toLowerCase()
  const have = certEmails.map((e) => e.toLowerCase())
  if (!have.includes(want)) {
    return have.length
      ? `the certificate is for ${certEmails.join(', ')}, but the message is from ${ctx.from.address}`
      : `the certificate names no email address, but the message is from ${ctx.from.address}`
  }
  if (ctx.innerFrom !== null) {
    const inner = ctx.innerFrom.map((a) => a.toLowerCase())
    if (inner.length !== 1 || inner[0] !== want) {
      return `the signed content says it is from ${ctx.innerFrom.join(', ') || 'nobody'}, but the message header says ${ctx.from.address}`
    }
  }
  return null
}

/**
 * The domain whose accepted mail gateway this signer is, or null: the message has a
 * single From address that the certificate does not carry itself; the certificate is,
 * byte for byte, one the caller accepted as the gateway of exactly that address's domain
 * (not a parent or sub-domain); it names the domain (an address at it, or a dNSName);
 * and a protected inner From, if any, is the same address.
 */
function gatewayDomain(der: Uint8Array, certEmails: string[], ctx: SignerContext): string | null {
  if (!ctx.gateways || !ctx.from.ok) return null
  const from = ctx.from.address.toLowerCase()
  const at = from.lastIndexOf('@')
  if (at < 0) return null
  const domain = from.slice(at + 1)
  const accepted = ctx.gateways.get(domain)
  if (!accepted || !accepted.some((a) => sameBytes(a, der))) return null
  const emails = certEmails.map((e) => e.toLowerCase())
  if (emails.includes(from)) return null // the person's own certificate: the ordinary rule
  let dns: string[]
  try {
    dns = parseCertificate(der).sanDns.map((d) => d.toLowerCase())
  } catch {
    return null
  }
  if (!emails.some((e) => e.endsWith(`@${domain}`)) && !dns.includes(domain)) return null
  if (ctx.innerFrom !== null) {
    const inner = ctx.innerFrom.map((a) => a.toLowerCase())
    if (inner.length !== 1 || inner[0] !== from) return null
  }
  return domain
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

async function summaries(chain: unknown[] | undefined, crypto: CryptoLike): Promise<CertificateSummary[]> {
  const out: CertificateSummary[] = []
  for (const c of chain ?? []) {
    if (c instanceof Uint8Array) {
      try {
        out.push(await summarizeCertificate(c, crypto))
      } catch {}
    } else if (c && typeof c === 'object' && 'subject' in c) out.push(c as CertificateSummary)
  }
  return out
}
