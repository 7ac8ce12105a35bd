/**
 * The security summary in words: SecurityReport (core/message/report.ts, the contract of
 * `cachet-smime inspect`) → what the reading pane says above the message, in app chrome.
 *
 * Pure and DOM-free so every wording is unit tested. The words are chosen so a person can
 * act on them: who signed (the certificate's real address, always shown — issue 3,
 * identity tricks), whether that is the sender, whether the content may have been altered
 * (CBC has no integrity: EFAIL), and which certificate an undecryptable message needs.
 */
import type { ChainWeakness, LayerReport, RecipientReport, SecurityReport, SignerReport } from '../../core/message/report'
import type { SignedPartReport } from '../../core/message/parts'
import { readWithoutConfidentiality, refusedAsNotConfidential } from '../../core/message/verdict'
import { t } from '../i18n'

export type Tone = 'good' | 'warn' | 'bad' | 'neutral'

export interface SecurityLine {
  tone: Tone
  text: string
}

export interface SecuritySummaryView {
  /** Exactly report.verdict.signature / .encryption (the data-* contract). */
  signature: SecurityReport['verdict']['signature']
  encryption: SecurityReport['verdict']['encryption']
  /** Signature line (absent for unsigned mail). */
  signed: SecurityLine | null
  /** Encryption line (absent for unencrypted mail). */
  encrypted: SecurityLine | null
  /** Every signer's real address, as the certificate states it. */
  signerEmails: string[]
  /** Content was decrypted from CBC (no integrity protection): never load remote content. */
  noIntegrity: boolean
  /**
   * The decrypted part was signed by someone who was not among its recipients (engine:
   * foreignCiphertext / 'rewrapped-ciphertext'): a prominent warning, and replies and
   * forwards do not quote it. Null otherwise.
   */
  rewrapped: SecurityLine | null
  /**
   * Weak algorithms the signatures rely on, in words, one per finding (SHA-1 digests,
   * SHA-1-signed certificates in a signer's chain, short RSA keys); empty when none. A
   * verified signature with any of these is not shown as 'good'.
   */
  weakAlgorithms: string[]
  /**
   * Refused only because its cipher gives no real confidentiality (core
   * refusedAsNotConfidential): the pane offers "Read as unprotected text".
   */
  readableAsUnprotected: boolean
  /** Read although its cipher gives no real confidentiality (core readWithoutConfidentiality): never shown as confidential. */
  unprotected: boolean
  /**
   * Header protection (issue 13, RFC 9788; report.protectedHeaders): a protected From that
   * is not the outer From (bad: never shown silently), a subject changed on the way (warn),
   * or a subject the server never saw (good). Null when none of these.
   */
  headers: SecurityLine | null
}

/**
 * Who signed ciphertext that was not addressed to them (report.ts foreignCiphertext), or
 * null. Such content may be someone else's message re-signed to make the reader quote it
 * back ("Re: What's up Johnny?"): compose must not quote it.
 */
export function foreignCiphertextSigner(report: SecurityReport): string | null {
  for (const l of report.layers) if (l.kind !== 'signed' && l.foreignCiphertext) return l.foreignCiphertext.signer
  return null
}

/** The engine stopped at one of its bounds (report.errors 'limit-exceeded'): what it says, in words. */
function limitLine(report: SecurityReport): SecurityLine | null {
  const limits = report.errors.filter((e) => e.code === 'limit-exceeded')
  if (!limits.length) return null
  const all = limits.map((e) => e.message).join(' ')
  const size = /larger than (\d+) MB/.exec(all)
  if (size) return { tone: 'warn', text: t('summary.limitSize', { mb: size[1] ?? '' }) }
  if (/nest|deep|depth|layers/i.test(all)) return { tone: 'warn', text: t('summary.limitDepth') }
  return { tone: 'warn', text: t('summary.limitOther') }
}

/** 'aes256GCM', 'aes-256-gcm', 'AES256-GCM' → 'AES-256-GCM'; other names unchanged. */
export function algorithmName(name: string): string {
  const m = /^aes[-_]?(\d{3})[-_]?(gcm|cbc|ccm|wrap)$/i.exec(name.trim())
  if (m) return `AES-${m[1]}-${m[2]!.toUpperCase()}`
  if (/des-?ede3|3des|tripledes/i.test(name)) return '3DES-CBC'
  return name
}

function signersOf(report: SecurityReport): SignerReport[] {
  return report.layers.flatMap((l) => (l.kind === 'signed' ? l.signers : []))
}

type EnvelopeLayer = Extract<LayerReport, { kind: 'enveloped' | 'auth-enveloped' }>

function envelopesOf(report: SecurityReport): EnvelopeLayer[] {
  return report.layers.filter((l): l is EnvelopeLayer => l.kind !== 'signed')
}

/** The single From address of the message, lower-cased, from the report. */
function fromAddress(report: SecurityReport): string | null {
  if (!report.from) return null
  const m = /<([^<>\s]+@[^<>\s]+)>/.exec(report.from) ?? /([^\s<>,;"]+@[^\s<>,;"]+)/.exec(report.from)
  return m ? m[1]!.toLowerCase() : null
}

function signerName(s: SignerReport | undefined): string {
  if (!s) return t('summary.unknownSigner')
  return s.email ?? s.emails[0] ?? (s.subject || t('summary.noEmailCert'))
}

/** 'sha1' → 'SHA-1'; other names upper-cased where they are hash names. */
function hashName(name: string): string {
  const m = /^sha-?(\d+)$/i.exec(name)
  if (m) return m[1] === '1' ? 'SHA-1' : `SHA-${m[1]}`
  return /^md\d$/i.test(name) ? name.toUpperCase() : name
}

function commonName(subject: string): string {
  const m = /(?:^|, )CN=((?:\\.|[^,\\])*)/.exec(subject)
  return m ? m[1]!.replace(/\\(.)/g, '$1') : subject || t('summary.unnamedCert')
}

/** One weakness in a signer's chain, as a clause: "the signer's certificate is signed with SHA-1, which is no longer safe". */
export function chainWeaknessWords(w: ChainWeakness): string {
  const whose = w.index === 0 ? t('summary.signersCert') : t('summary.issuingCert', { name: commonName(w.subject) })
  const rsa = /^rsa-(\d+)$/.exec(w.algorithm)
  if (w.kind === 'key' && rsa) return t('summary.weakRsa', { whose, bits: rsa[1] ?? '' })
  if (w.kind === 'key') return t('summary.weakKey', { whose, algorithm: w.algorithm })
  return t('summary.weakHash', { whose, hash: hashName(w.algorithm) })
}

/** Every weak algorithm one signer relies on, as clauses: its own digest, then its chain. */
export function signerWeaknessWords(s: SignerReport): string[] {
  const out = s.weak.map((w) => t('summary.weakDigest', { hash: hashName(w) }))
  for (const w of s.chainWeak ?? []) out.push(chainWeaknessWords(w))
  return [...new Set(out)]
}

/** Sentence case for a clause shown on its own. */
export function sentence(clause: string): string {
  return clause.charAt(0).toUpperCase() + clause.slice(1)
}

/** The signer whose status decided the verdict (first with that status), else the first; never one of the envelope only. */
function decidingSigner(report: SecurityReport): SignerReport | undefined {
  const all = signersOf(report).filter((s) => !s.coversEnvelopeOnly)
  return all.find((s) => s.status === report.verdict.signature) ?? all[0]
}

/** The engine's date finding (report.ts dateSkew) in words, or null. */
function dateSkewWords(s: SignerReport | undefined): string | null {
  if (!s?.dateSkew) return null
  return t('summary.dateSkew', { date: s.dateSkew.date, time: s.dateSkew.signingTime })
}

function signatureLine(report: SecurityReport): SecurityLine | null {
  const v = report.verdict.signature
  // The verdict stays conservative ('invalid', the inspect contract), but nothing was
  // found altered: the engine refused to look. Say that, not "altered".
  // A signer that failed its check was altered (or used a wrong key): that is said instead.
  if (v === 'invalid' && !signersOf(report).some((x) => x.status === 'invalid')) {
    const limit = limitLine(report)
    if (limit) return limit
  }
  const s = decidingSigner(report)
  const who = signerName(s)
  switch (v) {
    case 'none': {
      // Encrypt-then-sign: the signature covers the ciphertext, not what it says (issue 16).
      const envelope = signersOf(report).filter((x) => x.coversEnvelopeOnly)
      if (envelope.length) return { tone: 'warn', text: t('summary.envelopeOnly', { who: signerName(envelope[0]) }) }
      const parts = ownSignedParts(report)
      if (parts.length) return signedPartsLine(parts)
      return signersOf(report).length || report.layers.some((l) => l.kind === 'signed')
        ? { tone: 'bad', text: t('summary.noneChecked') }
        : null
    }
    case 'valid': {
      const skew = dateSkewWords(s)
      if (skew) return { tone: 'warn', text: t('summary.validSkew', { who, skew }) }
      const weak = signersOf(report).flatMap(signerWeaknessWords)
      if (weak.length) return { tone: 'warn', text: t(weak.length > 1 ? 'summary.validWeakMore' : 'summary.validWeak', { who, first: weak[0] ?? '', more: weak.length - 1 }) }
      return { tone: 'good', text: t('summary.valid', { who }) }
    }
    case 'gateway': {
      // The accepted mail gateway of the sender's domain signed it (issue 10): the domain's
      // server vouches for it, the person did not sign it. Never worded as verified.
      const domain = s?.gateway ?? fromAddress(report)?.split('@').pop() ?? t('summary.senderDomain')
      const from = fromAddress(report)
      const text = from ? t('summary.gatewayFrom', { domain, from }) : t('summary.gateway', { domain })
      const skew = dateSkewWords(s)
      if (skew) return { tone: 'warn', text: t('summary.gatewaySkew', { text, skew }) }
      const weak = signersOf(report).flatMap(signerWeaknessWords)
      if (weak.length) return { tone: 'warn', text: t(weak.length > 1 ? 'summary.gatewayWeakMore' : 'summary.gatewayWeak', { text, first: weak[0] ?? '', more: weak.length - 1 }) }
      return { tone: 'warn', text }
    }
    case 'untrusted':
      return { tone: 'warn', text: t('summary.untrusted', { who }) }
    case 'invalid':
      return { tone: 'bad', text: t('summary.invalid') }
    case 'email-mismatch':
      return { tone: 'bad', text: t('summary.mismatch', { who, from: fromAddress(report) ?? t('summary.noSender') }) }
    case 'expired':
      return { tone: 'warn', text: t('summary.expired', { who }) }
    case 'revoked':
      return { tone: 'bad', text: t('summary.revoked', { who }) }
    case 'not-email-cert':
      return { tone: 'bad', text: t('summary.notEmailCert', { who }) }
  }
}

const samePath = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * The signed parts this message's summary speaks for: a forwarded message opened on its
 * own (report.forwarded) has its own summary, so the enclosing message claims nothing for
 * it (issue 16: the outer stays unsigned, the forwarded one says who signed it). One the
 * engine did not open on its own (past the nesting bound) is still named here.
 */
function ownSignedParts(report: SecurityReport): SignedPartReport[] {
  const opened = report.forwarded ?? []
  return (report.signedParts ?? []).filter((p) => !(p.forwarded && opened.some((f) => samePath(f.path, p.path.slice(0, -1)))))
}

/**
 * A signed part inside an unsigned message (core signedParts, issue 16): which part, by
 * whom, how it verified, and that the rest of the message is not signed.
 */
function signedPartsLine(parts: readonly SignedPartReport[]): SecurityLine {
  const words = parts.map((p) => {
    const signer = p.layers.flatMap((l) => (l.kind === 'signed' ? l.signers : []))[0]
    const status = p.signature === 'none' ? t('summary.notChecked') : SIGNER_STATUS_WORDS[p.signature]
    const n = p.path.slice(0, p.forwarded ? -1 : undefined).map((i) => i + 1).join('.')
    return t(p.forwarded ? 'summary.forwardedPart' : 'summary.part', { n, who: signerName(signer), status })
  })
  const tone = parts.every((p) => p.signature === 'valid' || p.signature === 'gateway') ? 'warn' : 'bad'
  return { tone, text: t('summary.onlyParts', { parts: words.join(` ${t('summary.and')} `) }, parts.length) }
}

export function recipientName(r: RecipientReport): string {
  if (r.issuer !== undefined && r.serial !== undefined) return t('summary.recipientIssuer', { issuer: r.issuer, serial: r.serial })
  if (r.subjectKeyIdentifier) return t('summary.recipientKeyId', { id: r.subjectKeyIdentifier })
  return t('summary.recipientType', { type: r.type })
}

function encryptionLine(report: SecurityReport, keyLocked: boolean, encryptedNotOpened: boolean): SecurityLine | null {
  const env = envelopesOf(report)
  const outer = env[0]
  if (encryptedNotOpened) {
    // A forwarded encrypted message (core forwarded.ts): never decrypted inside another message.
    return { tone: 'warn', text: t('forwarded.notOpenedLine') }
  }
  if (keyLocked && report.verdict.encryption === 'not-for-you') {
    return { tone: 'warn', text: t('summary.keyLocked') }
  }
  switch (report.verdict.encryption) {
    case 'none':
      return null
    case 'decrypted': {
      const alg = algorithmName(outer?.contentEncryptionAlgorithm ?? '')
      // Read on the user's request although the cipher is worthless (issue 16): never "confidential".
      if (readWithoutConfidentiality(report)) {
        const weak = env.find((l) => l.noConfidentiality !== undefined)
        return { tone: 'bad', text: `Not confidential: encrypted with ${algorithmName(weak?.contentEncryptionAlgorithm ?? alg)}, which anyone who captured the message can break; you are reading it as unprotected text` }
      }
      if (env.some((l) => !l.integrity)) {
        return { tone: 'warn', text: t('summary.noIntegrity', { alg }) }
      }
      return { tone: 'good', text: t('summary.decrypted', { alg }) }
    }
    case 'not-for-you': {
      const names = (outer?.recipients ?? []).map(recipientName)
      const which = names.length ? names.join('; ') : t('summary.noRecipientNamed')
      return { tone: 'bad', text: t('summary.notForYou', { which }) }
    }
    case 'corrupt':
      return { tone: 'bad', text: t('summary.corrupt') }
    case 'unsupported': {
      const alg = outer?.contentEncryptionAlgorithm ? algorithmName(outer.contentEncryptionAlgorithm) : ''
      // Refused as not confidential (core: noConfidentiality, 40-bit RC2 or single DES): the cipher is known, just worthless.
      if (outer?.noConfidentiality) {
        return { tone: 'bad', text: t('summary.noConfidentiality', { alg: algorithmName(outer.contentEncryptionAlgorithm) }) }
      }
      return { tone: 'bad', text: alg ? t('summary.unsupportedAlg', { alg }) : t('summary.unsupported') }
    }
  }
}

/**
 * `encryptedNotOpened`: the report of a forwarded message that was not decrypted (core
 * ForwardedReport.encryptedNotOpened): its 'not-for-you' does not mean it is not for you.
 *
 * `keyLocked`: the worker said the message is for one of our stored keys but the key store
 * is locked (the user cancelled the prompt). The verdict stays 'not-for-you' (nothing was
 * decrypted, as `inspect` without the key would say); only the words differ.
 */
export function summarizeSecurity(report: SecurityReport, opts: { keyLocked?: boolean; encryptedNotOpened?: boolean } = {}): SecuritySummaryView {
  const emails = new Set<string>()
  for (const s of signersOf(report)) {
    const e = s.email ?? s.emails[0]
    if (e) emails.add(e)
  }
  return {
    signature: report.verdict.signature,
    encryption: report.verdict.encryption,
    signed: signatureLine(report),
    encrypted: encryptionLine(report, opts.keyLocked === true, opts.encryptedNotOpened === true),
    signerEmails: [...emails],
    noIntegrity: report.verdict.encryption === 'decrypted' && envelopesOf(report).some((l) => !l.integrity),
    rewrapped: rewrappedLine(report),
    weakAlgorithms: [...new Set(signersOf(report).flatMap(signerWeaknessWords))].map(sentence),
    readableAsUnprotected: refusedAsNotConfidential(report),
    unprotected: readWithoutConfidentiality(report),
    headers: protectedHeadersLine(report),
  }
}

/** What the outside of the message showed for a protected field (the first outer field of that name), or null. */
function outerValue(report: SecurityReport, name: string): string | null {
  return report.protectedHeaders?.outer.find((f) => f.name.toLowerCase() === name)?.value ?? null
}

/** The summary line about the message's protected header fields (SecuritySummaryView.headers). */
export function protectedHeadersLine(report: SecurityReport): SecurityLine | null {
  const hp = report.protectedHeaders
  if (!hp) return null
  if (hp.fromMismatch) {
    return { tone: 'bad', text: t('hp.fromMismatch', { protected: hp.fromMismatch.protected, outer: hp.fromMismatch.outer }) }
  }
  if (!hp.hidden.includes('subject')) return null
  const seen = outerValue(report, 'subject')
  if (hp.source === 'rfc9788-clear') {
    return { tone: 'warn', text: t('hp.subjectChanged', { seen: seen ?? t('hp.noSubject') }) }
  }
  return { tone: 'good', text: t('hp.subjectProtected', { seen: seen ?? t('hp.noSubject') }) }
}

/** The details of header protection, in words (SecurityDetails), or null when the message protects no header field. */
export function protectedHeadersDetails(report: SecurityReport): { form: string; fields: string; hidden: string; outer: string[] } | null {
  const hp = report.protectedHeaders
  if (!hp) return null
  const form =
    hp.source === 'rfc9788-cipher'
      ? t('hp.formCipher')
      : hp.source === 'rfc9788-clear'
        ? t('hp.formClear')
        : t('hp.formV1')
  const names = [...new Set(hp.fields.map((f) => f.name))]
  const hidden = hp.fields.filter((f) => hp.hidden.includes(f.name.toLowerCase())).map((f) => f.name)
  return {
    form,
    fields: names.join(', '),
    hidden: hidden.length ? [...new Set(hidden)].join(', ') : t('hp.hiddenNone'),
    outer: hp.outer.map((f) => `${f.name}: ${f.value}`),
  }
}

function rewrappedLine(report: SecurityReport): SecurityLine | null {
  const who = foreignCiphertextSigner(report)
  if (who === null) return null
  return {
    tone: 'bad',
    text: t('summary.rewrapped', { who }),
  }
}

/**
 * A record whose every value is read from the catalog when it is looked up, so it speaks
 * the language active at that moment (and a template that reads it follows a change).
 */
function wordsOf<K extends string>(keys: Record<K, string>): Readonly<Record<K, string>> {
  const out = {} as Record<K, string>
  for (const k of Object.keys(keys) as K[]) Object.defineProperty(out, k, { enumerable: true, get: () => t(keys[k]) })
  return out
}

/** Words for a signer's status in the details view. */
export const SIGNER_STATUS_WORDS = wordsOf<SignerReport['status']>({
  valid: 'summary.status.valid',
  untrusted: 'summary.status.untrusted',
  invalid: 'summary.status.invalid',
  expired: 'summary.status.expired',
  revoked: 'summary.status.revoked',
  'email-mismatch': 'summary.status.emailMismatch',
  'not-email-cert': 'summary.status.notEmailCert',
  gateway: 'summary.status.gateway',
})

export const REVOCATION_WORDS = wordsOf<SignerReport['revocation']>({
  good: 'summary.revocation.good',
  revoked: 'summary.revocation.revoked',
  unknown: 'summary.revocation.unknown',
})

/**
 * The OCSP answer about a signer's certificate, in words for the details view (issue 11):
 * what it says, who signed it, and when it was made and is current until. Null when the
 * signer's revocation was not asked by OCSP.
 */
export function ocspWords(s: SignerReport): { status: string; responder: string; times: string; freshness: string } | null {
  const o = s.ocsp
  if (!o) return null
  const day = (iso: string) => new Date(iso).toUTCString()
  const revoked = o.revokedAt ? t('ocsp.revokedOn', { date: day(o.revokedAt) }) : t('ocsp.revoked')
  const status =
    o.status === 'good'
      ? t('ocsp.good')
      : o.status === 'revoked'
        ? o.reason
          ? t('ocsp.reason', { status: revoked, reason: o.reason })
          : revoked
        : t(s.revocationSource === 'crl' ? 'ocsp.unknownCrl' : 'ocsp.unknown')
  return {
    status,
    responder: t(o.signedBy === 'issuer' ? 'ocsp.byIssuer' : 'ocsp.byDelegate', { responder: o.responder }),
    times: t('ocsp.times', { produced: day(o.producedAt), from: day(o.thisUpdate), until: o.nextUpdate ? day(o.nextUpdate) : t('ocsp.noNext') }),
    freshness: t(o.nonce === 'matched' ? 'ocsp.fresh' : o.nonce === 'absent' ? 'ocsp.prepared' : 'ocsp.cached'),
  }
}
