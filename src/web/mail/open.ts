/**
 * Stage 1 of the reading pipeline: raw bytes → opened message.
 *
 *   bridge GET …/raw  →  openMessage(raw)  →  toMessageView(opened)  →  ReadingPane
 *
 * The bridge never parses or alters a message; these bytes are exactly what the IMAP
 * server stores. Here they are parsed for display with postal-mime (in the browser, so
 * the bridge stays a pipe) and checked for structural damage.
 *
 * S/MIME plugs in HERE (issue 4): `openMessage` becomes
 *   const { report, parts } = await worker.open(raw, keyring)   // core/message.open
 * and `OpenedMessage` gains `security: SecurityReport` plus one entry per displayable
 * part, each marked with the protection that covers exactly that part. Everything after
 * this function (view model, view) consumes `OpenedMessage` and does not look at MIME
 * headers to decide anything about security.
 */
import type { Email } from 'postal-mime'
import { LIMITS } from '../../core/asn1/limits'
import type { ProtectedHeadersReport } from '../../core/message/hp'
import { diagnoseMime, type MimeProblem } from './diagnose'
import { t } from '../i18n'

export interface OpenedMessage {
  /** The exact bytes from the server (kept for "View source" and attachment bytes). */
  raw: Uint8Array
  /** The parse for display; null when the message could not be parsed at all. */
  email: Email | null
  /** Structural problems, in words. Non-empty means the view says so. */
  problems: MimeProblem[]
  /** The entity whose body is displayed (raw, or the unwrapped inner entity): mail/parts.ts splits it. */
  body?: Uint8Array
}

/**
 * Bounds that keep hostile input cheap (issue 3: resource abuse). Every message/rfc822 part
 * stays an attachment (its .eml download): postal-mime would otherwise join a forwarded
 * message's text into this message's body, under this message's badge. The engine opens
 * each forwarded message on its own and the pane shows it apart (mail/forwarded.ts, issue 16).
 */
const PARSE_OPTIONS = {
  forceRfc822Attachments: true,
  maxNestingDepth: 64,
  maxHeadersSize: 1024 * 1024,
  maxRfc822NestingDepth: 3,
  attachmentEncoding: 'arraybuffer' as const,
}

/**
 * Largest message parsed for display: the engine's own limit (LIMITS.maxMessageBytes), so
 * a 100 MB line cannot take the tab down (issue 3, resource abuse). Bigger ones show their
 * header and say why; "View source" still shows the start of the raw bytes.
 */
const MAX_DISPLAY_BYTES = LIMITS.maxMessageBytes

export async function openMessage(raw: Uint8Array): Promise<OpenedMessage> {
  if (raw.length > MAX_DISPLAY_BYTES) {
    const head = await openMessage(new Uint8Array([...raw.subarray(0, headerEnd(raw)), 0x0d, 0x0a]))
    const mb = (n: number) => Math.round(n / (1024 * 1024))
    const message = t('misc.tooLargeToShow', { size: mb(raw.length), limit: mb(MAX_DISPLAY_BYTES) })
    return { raw, email: head.email ? { ...head.email, text: '', html: undefined, attachments: [] } : null, problems: [{ code: 'too-large', message }], body: new Uint8Array(0) }
  }
  // postal-mime (about 100 KB) is fetched with the first message opened, not at sign-in (issue 12).
  const { default: PostalMime } = await import('postal-mime')
  const problems = diagnoseMime(raw)
  let email: Email | null = null
  try {
    email = await PostalMime.parse(raw, PARSE_OPTIONS)
  } catch (e) {
    problems.push({
      code: 'parse-failed',
      message: t('misc.parseFailed', { error: e instanceof Error ? e.message : String(e) }),
    })
    // Keep From, Subject and Date in view: the header alone usually parses (a 10,000-deep body does not).
    const head = headerEnd(raw)
    if (head < raw.length) email = await PostalMime.parse(new Uint8Array([...raw.subarray(0, head), 0x0d, 0x0a]), PARSE_OPTIONS).then((h) => ({ ...h, text: undefined, html: undefined, attachments: [] }), () => null)
  }
  return { raw, email, problems, body: raw }
}

/** Byte offset where the header block ends (after the blank line), or the length. */
function headerEnd(raw: Uint8Array): number {
  const max = Math.min(raw.length, PARSE_OPTIONS.maxHeadersSize)
  for (let i = 0; i + 1 < max; i++) {
    if (raw[i] === 0x0a && raw[i + 1] === 0x0a) return i + 2
    if (raw[i] === 0x0a && raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return i + 3
  }
  return max
}

/**
 * An S/MIME message for display (issue 4): the envelope fields (From, To, Subject, Date,
 * Message-ID…) come from the header of the message as stored, the body and attachments
 * ONLY from `inner`, the entity the engine unwrapped from the message root (decrypted
 * and/or unsigned). Nothing outside that entity is shown as part of the protected content
 * (issue 3: decrypted text is never joined with unprotected parts).
 *
 * `inner` identical to `raw` (plain mail, or a root the engine did not unwrap) is the same
 * as `openMessage(raw)`. An empty `inner` (nothing could be unwrapped) shows the header only.
 *
 * `protectedHeaders` (the engine's report, issue 13, RFC 9788): the header fields the
 * engine found protected inside the signature or encryption win over the outer ones. They
 * are the inner entity's own header fields, so they are read from its parse.
 */
export async function openUnwrapped(raw: Uint8Array, inner: Uint8Array, protectedHeaders?: ProtectedHeadersReport | null): Promise<OpenedMessage> {
  if (inner === raw || (inner.length === raw.length && inner.every((b, i) => b === raw[i]))) return openMessage(raw)
  const head = raw.subarray(0, headerEnd(raw))
  const outer = await openMessage(new Uint8Array([...head, 0x0d, 0x0a]))
  const body = inner.length ? await openMessage(inner) : { raw: inner, email: null, problems: [] }
  // The stub has the root's Content-Type but no body: only header-level findings count.
  const problems = [...outer.problems.filter((p) => p.code === 'bad-header' || p.code === 'no-header-end'), ...body.problems]
  if (!outer.email) return { raw, email: body.email, problems, body: inner }
  const innerEmail = body.email
  const email = {
    ...outer.email,
    ...(protectedHeaders && innerEmail ? protectedFields(innerEmail, protectedHeaders) : {}),
    html: innerEmail?.html,
    text: innerEmail?.text ?? (inner.length ? undefined : ''),
    attachments: innerEmail?.attachments ?? [],
  }
  return { raw, email, problems, body: inner }
}

/** The envelope fields of postal-mime's parse that header protection can carry, by header name. */
const PROTECTED_KEYS: Record<string, (keyof Email)[]> = {
  subject: ['subject'],
  from: ['from'],
  sender: ['sender'],
  to: ['to'],
  cc: ['cc'],
  'reply-to': ['replyTo'],
  date: ['date'],
  'message-id': ['messageId'],
  'in-reply-to': ['inReplyTo'],
  references: ['references'],
}

/** The fields of the inner parse that the engine reported protected (and only those). */
function protectedFields(inner: Email, hp: ProtectedHeadersReport): Partial<Email> {
  const out: Partial<Email> = {}
  const names = new Set(hp.fields.map((f) => f.name.toLowerCase()))
  for (const [name, keys] of Object.entries(PROTECTED_KEYS)) {
    if (!names.has(name)) continue
    for (const k of keys) (out as Record<string, unknown>)[k] = inner[k]
  }
  return out
}
