/**
 * `openMessage`: read one RFC 5322 message the way the app shows it (DESIGN.md, data
 * flow "Reading"). The pipeline, each step separately testable:
 *   detect (detect.ts) → process each layer (layers.ts, signer.ts) → annotate (the
 *   layer reports, outermost first) → view model (view.ts) → display status (verdict.ts).
 *
 * Only the ROOT is unwrapped, layer by layer (signed inside encrypted, encrypted inside
 * signed, triple wrap: RFC 8551 §3.7), up to MAX_LAYERS. S/MIME parts nested inside an
 * unprotected multipart are not processed and not merged into the verdict (EFAIL); they
 * are listed in `view.embedded` for the app to set apart.
 *
 * Never throws: any failure becomes an error entry and a verdict that is not clean.
 */
import type { CryptoLike } from '../crypto'
import { parseMime, header, headers, type MimeEntity } from '../mime'
import { decodeHeaderValue, parseAddressList } from '../mime'
import type { ErrorEntry, Keyring } from '../types'
import type { DecryptOptions } from '../cms/envelope'
import { LIMITS } from '../asn1/der'
import { fromBase64Bytes } from '../util/base64'
import { toErrorEntry } from '../errors'
import { detectRoot, findEmbedded, isMultipartSigned, isPkcs7Mime, type EmbeddedPart } from './detect'
import { mayCanonicalize, processEnveloped, processSigned, type LayerContext, type LayerOutcome } from './layers'
import type { LayerReport, SecurityReport } from './report'
import { acceptedGateways, type FromAddress } from './signer'
import { checkRewrapped } from './rewrap'
import { verifySignedParts, type OpenPart } from './parts'
import { computeVerdict, markEnvelopeOnly, outerSignatureNotes } from './verdict'
import { markDateSkew, parseDateHeader } from './time'
import { extractBody, type AttachmentView, type BodyView } from './view'
import { MAX_FORWARDED, openForwardedMessages, type ForwardedMessage, type ForwardedNesting } from './forwarded'
import { readProtectedHeaders, withoutLegacyDisplay, type ProtectedHeadersReport } from './hp'

/** Deepest nesting of S/MIME layers unwrapped (triple wrap needs 3). */
export const MAX_LAYERS = 8

export interface OpenOptions {
  /** Passed to decryptEnvelope (e.g. KEK recipients: { kek: [{ id, key }] }). */
  decrypt?: DecryptOptions
  /** Override MAX_LAYERS (tests). */
  maxLayers?: number
  /**
   * false: leave the innermost message's body alone — report.text null, report.attachments
   * empty, no text/HTML/attachments in the view — for a caller that reads the body from
   * `inner` itself. The app's crypto worker does so: the page parses `inner` for display,
   * so decoding and hashing a 25 MB attachment in the worker as well was work no one read
   * (issue #5: about a quarter of the time of an open, and the attachment's size twice in
   * memory). Default true (the inspect contract, and every other caller).
   */
  body?: boolean
  /**
   * Read content encrypted with a cipher that gives no real confidentiality (40-bit RC2,
   * single DES; cms/envelope/weak.ts) instead of refusing it. Only on the user's explicit
   * request ("read as unprotected text", `inspect --allow-weak-ciphers`): such content is
   * then no more private than a postcard, and the layer still names the weakness.
   */
  allowWeakCiphers?: boolean
  /**
   * For a part opened on its own (parts.ts): the enclosing message's single From address
   * (the From rule) and Date header, instead of the part's own. Such a part's own
   * embedded parts are not verified again.
   */
  envelope?: { from: FromAddress; date: string | null }
  /** False: do not verify signed parts below an unprotected root (a part opened on its own). */
  signedParts?: boolean
  /**
   * The certificates the user accepted as the mail gateway of a domain (issue 10: Contacts'
   * "Mail gateway for <domain>", `inspect --gateway DOMAIN=CERT`), by domain. A signer
   * whose certificate is one of them, for the From address's own domain, is judged as
   * that domain's gateway (signer.ts): verdict 'gateway' when otherwise valid.
   */
  gateways?: Readonly<Record<string, readonly Uint8Array[]>>
  /**
   * False: do not open the forwarded messages (message/rfc822 parts) of the displayed
   * message on their own (forwarded.ts); a part opened on its own does not.
   */
  forwarded?: boolean
  /** Internal (forwarded.ts): the level of a forwarded message being opened and the budget left. */
  nesting?: ForwardedNesting
}

export interface MessageView {
  /** The innermost message entity reached by unwrapping the root. */
  root: MimeEntity
  text: string | null
  /** Raw HTML of the innermost message: sanitize before display. */
  html: string | null
  attachments: AttachmentView[]
  /** S/MIME parts under an unprotected multipart: not processed, to be shown apart. */
  embedded: EmbeddedPart[]
  /** False for content that came out of CBC decryption (no integrity: EFAIL gadgets). */
  integrity: boolean
}

export interface OpenResult {
  report: SecurityReport
  /** Bytes of the innermost unwrapped MIME entity (`inspect --inner`). */
  inner: Uint8Array
  view: MessageView
  /** The forwarded messages' bytes for display, in the order of report.forwarded (empty when none). */
  forwarded: ForwardedMessage[]
}

/** True when the bytes start like an RFC 5322 message (a header field on the first line). */
export function looksLikeMessage(raw: Uint8Array): boolean {
  if (raw.length === 0) return false
  const e = parseMime(raw.subarray(0, Math.min(raw.length, 64 * 1024)), { maxDepth: 0, maxParts: 1 })
  return e.headers.length > 0
}

/** The single From address: exactly one From header holding exactly one address. */
export function singleFrom(root: MimeEntity): FromAddress {
  const hs = headers(root, 'from')
  if (hs.length === 0) return { ok: false, reason: 'the message has no From header' }
  if (hs.length > 1) return { ok: false, reason: `the message has ${hs.length} From headers` }
  const addrs = parseAddressList(hs[0]!)
  if (addrs.length !== 1) return { ok: false, reason: addrs.length ? `the From header names ${addrs.length} addresses` : 'the From header holds no address' }
  return { ok: true, address: addrs[0]!.address }
}

export async function openMessage(raw: Uint8Array, keyring: Keyring, crypto: CryptoLike, opts: OpenOptions = {}): Promise<OpenResult> {
  const errors: ErrorEntry[] = []
  const layers: LayerReport[] = []
  let outer: MimeEntity
  try {
    outer = parseMime(raw)
  } catch (e) {
    // parseMime is documented never to throw; this is belt and braces.
    errors.push(toErrorEntry(e))
    outer = parseMime(new Uint8Array(0))
  }
  const from = opts.envelope ? opts.envelope.from : singleFrom(outer)
  const dateHeader = opts.envelope ? opts.envelope.date : header(outer, 'date')
  const report: SecurityReport = {
    verdict: { signature: 'none', encryption: 'none' },
    layers,
    from: firstDecoded(outer, 'from'),
    subject: firstDecoded(outer, 'subject'),
    text: null,
    attachments: [],
    errors,
  }
  let current = outer
  let inner = raw
  let signatureBroken = false
  let integrity = true
  /** True when a layer could not be opened: its inner content is not shown. */
  let stopped = false
  let tooLarge = false
  /** The detached signed part, parsed (and its body read) while its signature is checked. */
  let ahead: ReadAhead | null = null
  try {
    if (raw.length > LIMITS.maxMessageBytes) {
      errors.push({ code: 'limit-exceeded', message: `The message is larger than ${LIMITS.maxMessageBytes >> 20} MB; it was not opened.` })
      signatureBroken = true
      tooLarge = true // nothing of it is shown either (issue #3, resource abuse)
      throw new StopOpening()
    }
    if (!looksLikeMessage(raw)) errors.push({ code: 'bad-input', message: 'This is not an email message (no header fields).' })
    for (const p of treeProblems(outer)) errors.push({ code: 'mime', message: `MIME: ${p}` })
    const gateways = acceptedGateways(opts.gateways)
    const ctx: LayerContext = {
      keyring,
      crypto,
      from,
      certificates: [],
      crls: [],
      decryptOptions: opts.allowWeakCiphers ? { ...opts.decrypt, allowWeakCiphers: true } : opts.decrypt,
      ...(gateways ? { gateways } : {}),
    }
    const maxLayers = opts.maxLayers ?? MAX_LAYERS
    for (let depth = 0; ; depth++) {
      const d = detectRoot(current)
      if (d.kind === 'plain') break
      if (d.kind === 'foreign-signed') {
        errors.push({ code: 'unsupported-algorithm', message: `This message is signed with ${d.protocol}, which Cachet does not check; it is shown as unsigned.` })
        break
      }
      if (depth >= maxLayers) {
        errors.push({ code: 'limit-exceeded', message: `More than ${maxLayers} nested S/MIME layers; the rest was not opened.` })
        signatureBroken = true
        break
      }
      let outcome: LayerOutcome
      if (d.kind === 'broken-signed') {
        errors.push({ code: 'signature-invalid', message: `The signed message is malformed: ${d.reason}.` })
        signatureBroken = true
        break
      } else if (d.kind === 'multipart-signed') {
        for (const p of d.entity.problems) errors.push({ code: 'mime', message: `MIME: ${p}` })
        // RFC 8551 §3.5.3: verify over the exact bytes of the first part, as received.
        const sigDer = decodeSignature(d.signature)
        // processSigned hands the signed part's SHA-256 to WebCrypto (another thread)
        // before it first waits; read the part's body meanwhile (issue #5, benchmark).
        const verifying = processSigned(sigDer, d.content.raw, ctx, { canonical: mayCanonicalize(d.content) })
        ahead = readAhead(d.entity, d.content, opts.body === false ? null : crypto)
        outcome = await verifying
      } else if (d.smimeType === 'signed-data') {
        outcome = await processSigned(d.der, null, ctx)
      } else if (d.smimeType === 'enveloped-data' && d.base64) {
        // Decoded and decrypted in one pass (issue #5).
        outcome = await processEnveloped({ base64: d.base64 }, false, ctx)
      } else if (d.smimeType === 'enveloped-data' || d.smimeType === 'authEnveloped-data') {
        // A DER decoded from base64 (or quoted-printable) is a fresh buffer, not the caller's.
        const der = d.der
        outcome = await processEnveloped({ der, owned: der.buffer !== d.entity.body.buffer }, d.smimeType === 'authEnveloped-data', ctx)
      } else {
        errors.push({
          code: d.smimeType ? 'unsupported-algorithm' : 'asn1',
          message: d.smimeType ? `S/MIME ${d.smimeType} messages are not supported.` : 'The S/MIME body is not a CMS object Cachet can read.',
        })
        if (!layers.some((l) => l.kind !== 'signed')) {
          // An unreadable pkcs7-mime root: report it as a corrupt encryption layer so the verdict is not clean.
          layers.push({ kind: 'enveloped', status: d.smimeType ? 'unsupported' : 'corrupt', contentEncryptionAlgorithm: '', integrity: false, weak: [], recipients: [] })
        } else signatureBroken = true
        break
      }
      layers.push(outcome.report)
      errors.push(...outcome.errors)
      if (outcome.report.kind !== 'signed') {
        // Encrypted inside signed by someone who is not a recipient: re-signed ciphertext.
        const rewrapped = await checkRewrapped(layers, layers.length - 1, { keyring, certificates: ctx.certificates, crypto })
        if (rewrapped) errors.push(rewrapped)
      }
      if (outcome.report.kind !== 'signed' && !outcome.report.integrity) integrity = false
      if (outcome.kind === 'stopped') {
        if (outcome.report.kind === 'signed') signatureBroken = true
        stopped = true
        break
      }
      ctx.certificates.push(...outcome.certificates)
      ctx.crls.push(...outcome.crls)
      inner = outcome.inner
      current = ahead?.bytes === inner ? ahead.entity : parseMime(inner)
    }
  } catch (e) {
    if (!(e instanceof StopOpening)) {
      errors.push(toErrorEntry(e))
      signatureBroken = true
    }
  }
  markEnvelopeOnly(layers)
  markDateSkew(layers, parseDateHeader(dateHeader))
  report.verdict = computeVerdict(layers, { signatureBroken })
  errors.push(...outerSignatureNotes(layers))
  let embedded: EmbeddedPart[] = []
  try {
    embedded = findEmbedded(current)
    for (const e of embedded) {
      errors.push({
        code: 'embedded-smime',
        message: e.kind === 'signed'
          ? `A signed S/MIME part (${e.contentType}) sits inside an unprotected part of this message; it was verified on its own (signedParts) and does not count toward the verdict of the message.`
          : `A ${e.kind} S/MIME part (${e.contentType}) sits inside an unprotected part of this message; it was not processed and does not count toward the verdict.`,
      })
    }
    if (opts.signedParts !== false && !tooLarge && !stopped && embedded.some((e) => e.kind === 'signed')) {
      const openPart: OpenPart = async (partRaw, partKeyring, envelope) => {
        const r = await openMessage(partRaw, partKeyring, crypto, {
          body: false,
          decrypt: opts.decrypt,
          signedParts: false,
          forwarded: false,
          ...(opts.gateways ? { gateways: opts.gateways } : {}),
          ...(envelope ? { envelope } : {}),
        })
        return { signature: r.report.verdict.signature, layers: r.report.layers, errors: r.report.errors }
      }
      const parts = await verifySignedParts(current, embedded, keyring, { from, date: dateHeader }, openPart)
      if (parts.length) report.signedParts = parts
    }
  } catch (e) {
    errors.push(toErrorEntry(e))
  }
  // Forwarded messages: each opened on its own (forwarded.ts), never part of this verdict.
  let forwarded: ForwardedMessage[] = []
  try {
    if (opts.forwarded !== false && !tooLarge && !stopped) {
      const nesting = opts.nesting ?? { depth: 0, budget: { left: MAX_FORWARDED } }
      // No identities and no decrypt options (KEK or password recipients): nothing forwarded is decrypted.
      const found = await openForwardedMessages(current, keyring, nesting, (partRaw, partKeyring, n) =>
        openMessage(partRaw, partKeyring, crypto, { body: opts.body, nesting: n, ...(opts.gateways ? { gateways: opts.gateways } : {}) }))
      if (found.reports.length) report.forwarded = found.reports
      forwarded = found.messages
    }
  } catch (e) {
    errors.push(toErrorEntry(e))
  }
  let hp: ProtectedHeadersReport | null = null
  if (!tooLarge && !stopped && layers.length > 0) {
    try {
      hp = readProtectedHeaders(current, outer, layers.some((l) => l.kind !== 'signed' && l.status === 'decrypted'))
    } catch (e) {
      errors.push(toErrorEntry(e))
    }
  }
  if (hp) applyProtectedHeaders(report, hp)
  let view: MessageView = { root: current, text: null, html: null, attachments: [], embedded, integrity }
  try {
    const reachedContent = !tooLarge && !stopped
    if (reachedContent && opts.body !== false) {
      // The Legacy Display Element repeats the protected Subject for other clients; not shown here (RFC 9788 §4.5.3.4).
      const shown = hp?.legacyDisplay ? parseMime(withoutLegacyDisplay(inner)) : current
      const body = await (ahead?.entity === shown && ahead.body ? ahead.body : extractBody(shown, crypto))
      view = { ...view, ...body }
      report.text = body.text
      report.attachments = body.attachments.map(({ filename, contentType, size, sha256 }) => ({ filename, contentType, size, sha256 }))
    }
  } catch (e) {
    errors.push(toErrorEntry(e))
  }
  return { report, inner, view, forwarded }
}

class StopOpening extends Error {}

/** The error code of a protected From that is not the outer From (hp.ts fromMismatch). */
export const PROTECTED_FROM_MISMATCH = 'protected-from-mismatch'

/**
 * The protected header fields win over the outer ones (RFC 9788 §4.3): the report's From
 * and Subject become the protected ones. A protected From that differs from the outer
 * one is an error entry, so it is never shown without a warning.
 */
function applyProtectedHeaders(report: SecurityReport, hp: ProtectedHeadersReport): void {
  report.protectedHeaders = hp
  const field = (n: string) => hp.fields.find((f) => f.name.toLowerCase() === n)
  const subject = field('subject')
  if (subject) report.subject = subject.value
  const from = field('from')
  if (from) report.from = from.value
  if (hp.fromMismatch) {
    report.errors.push({
      code: PROTECTED_FROM_MISMATCH,
      message: `The protected header says this message is from ${hp.fromMismatch.protected}, but its outer header says ${hp.fromMismatch.outer}; one of them was changed.`,
    })
  }
}

interface ReadAhead {
  bytes: Uint8Array
  entity: MimeEntity
  /** extractBody's result when the part is the innermost message (not S/MIME itself). */
  body: Promise<BodyView> | null
}

/**
 * The entity a detached signature covers, parsed, and its body extracted when it is
 * plain content (the usual last layer): its attachments' base64 is decoded here while
 * the signature's digest runs in WebCrypto, instead of after it. The same work the
 * loop would do next, done earlier; a failure surfaces where extractBody's would.
 * The part as parsed with the multipart/signed is the same tree parseMime(part.raw)
 * gives (offsets aside, which nothing reads), unless the parser's depth or part limits
 * cut it there: only then is it parsed again on its own (a 25 MB part: ~10 ms saved).
 * `crypto` null: the body is not wanted (OpenOptions.body false), only the parse.
 */
function readAhead(signed: MimeEntity, part: MimeEntity, crypto: CryptoLike | null): ReadAhead {
  const bytes = part.raw
  const entity = cutByLimits(signed) ? parseMime(bytes) : part
  if (!crypto || isMultipartSigned(entity) || isPkcs7Mime(entity)) return { bytes, entity, body: null }
  const body = extractBody(entity, crypto)
  body.catch(() => {}) // awaited later, or dropped when the layer stops
  return { bytes, entity, body }
}

/** Did the parser's depth or part limits stop anywhere in this tree (parse.ts's problem texts)? */
function cutByLimits(root: MimeEntity): boolean {
  const stack: MimeEntity[] = [root]
  while (stack.length) {
    const e = stack.pop()!
    if (e.problems.some((p) => p.startsWith('nesting deeper than') || p.startsWith('more than '))) return true
    stack.push(...e.children)
  }
  return false
}

/**
 * Problems of every entity in the tree, not only the root's: a part cut at the depth
 * limit deep inside must still be reported (issue #3, resource abuse: "a clear message").
 * The tree is already bounded by the parser's depth and part limits.
 */
function treeProblems(root: MimeEntity, max = 20): string[] {
  const seen = new Set<string>()
  const stack: MimeEntity[] = [root]
  while (stack.length && seen.size < max) {
    const e = stack.pop()!
    for (const p of e.problems) if (seen.size < max) seen.add(p)
    for (let i = e.children.length - 1; i >= 0; i--) stack.push(e.children[i]!)
  }
  return [...seen]
}

function firstDecoded(e: MimeEntity, name: string): string | null {
  const v = header(e, name)
  return v === null ? null : decodeHeaderValue(v)
}

function decodeSignature(sig: MimeEntity): Uint8Array {
  const cte = (header(sig, 'content-transfer-encoding') ?? '').trim().toLowerCase()
  // The signature part is base64 in practice; a binary part is taken as is.
  if (cte === 'base64' || cte === '') {
    const body = sig.body
    // Heuristic for a missing CTE: DER starts with 0x30; base64 text never does.
    if (cte === '' && body[0] === 0x30) return body
    return fromBase64Bytes(body)
  }
  return sig.body
}
