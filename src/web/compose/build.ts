/**
 * Builds the raw RFC 5322 message that compose sends or saves as a draft.
 *
 * Canonical form throughout (CRLF, 7-bit on the wire): text as quoted-printable UTF-8,
 * attachments as base64, headers with RFC 2047 encoded-words, file names with RFC 2231
 * parameters. multipart/mixed only when there are attachments. Bcc is never written:
 * the bytes are sent and filed unaltered, so Bcc recipients travel only in the SMTP
 * envelope (see contract/send.ts).
 *
 * When core's MIME builder (src/core/mime/build.ts) lands, this file should become a
 * thin adapter over it; the encodings already come from core.
 */
import { encodeBase64Lines, encodeQuotedPrintable } from '../../core/mime/encodings'
import { encodePhrase, encodeUnstructured, encodeWords, needsEncoding } from '../../core/mime/headers'
import { concat, utf8 } from '../../core/util/bytes'

export interface MailboxAddress {
  name: string
  address: string
}

export interface DraftAttachment {
  filename: string
  mimeType: string
  bytes: Uint8Array
}

export interface DraftMessage {
  from: MailboxAddress
  to: MailboxAddress[]
  cc: MailboxAddress[]
  subject: string
  text: string
  attachments: DraftAttachment[]
  /** Message-ID (with angle brackets) of the message replied to. */
  inReplyTo?: string | null
  /** References chain (each with angle brackets). */
  references?: string[]
  /** Defaults to now. */
  date?: Date
  /** Defaults to a fresh random one. */
  messageId?: string
}

export interface BuiltMessage {
  raw: Uint8Array
  messageId: string
}

/** A fresh Message-ID (RFC 5322 §3.6.4) on the sender's domain: 128 random bits. */
export function newMessageId(fromAddress: string): string {
  const r = new Uint8Array(16)
  crypto.getRandomValues(r)
  const id = [...r].map((b) => b.toString(16).padStart(2, '0')).join('')
  const domain = (fromAddress.split('@')[1] ?? 'cachet.invalid').replace(/[^A-Za-z0-9.-]/g, '')
  return `<${id}@${domain || 'cachet.invalid'}>`
}

/** RFC 5322 §3.3 date-time in the local zone, e.g. "Mon, 23 Nov 2026 05:01:02 +0100". */
export function formatRfc5322Date(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  const off = -d.getTimezoneOffset()
  const sign = off >= 0 ? '+' : '-'
  const zone = `${sign}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`
  return `${days[d.getDay()]}, ${d.getDate()} ${months[d.getMonth()]} ${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${zone}`
}

/** One mailbox for an address header; no CR/LF can get through (header injection). */
export function formatMailbox(m: MailboxAddress): string {
  const address = m.address.replace(/[\r\n<>]/g, '')
  const name = m.name.replace(/[\r\n]/g, ' ').trim()
  return name ? `${encodePhrase(name)} <${address}>` : address
}

function addressHeader(name: string, list: MailboxAddress[]): string {
  return `${name}: ${list.map(formatMailbox).join(',\r\n ')}\r\n`
}

const TSPECIAL = /[()<>@,;:\\"/[\]?=\s]/

/** A filename parameter pair: RFC 2231 `filename*` plus a fallback for old readers. */
function fileParams(param: 'name' | 'filename', filename: string): string {
  const clean = filename.replace(/[\r\n"\\]/g, '_')
  if (!needsEncoding(clean)) return TSPECIAL.test(clean) ? `${param}="${clean}"` : `${param}=${clean}`
  const pct = [...utf8(clean)].map((b) => (/[A-Za-z0-9.\-_~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')
  return `${param}*=utf-8''${pct}`
}

function boundary(): string {
  const r = new Uint8Array(12)
  crypto.getRandomValues(r)
  return `=_cachet_${[...r].map((b) => b.toString(16).padStart(2, '0')).join('')}`
}

function textPart(text: string): Uint8Array {
  const body = encodeQuotedPrintable(utf8(text))
  return concat([utf8('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'), body])
}

function attachmentPart(a: DraftAttachment): Uint8Array {
  const type = /^[\w.+-]+\/[\w.+-]+$/.test(a.mimeType) ? a.mimeType.toLowerCase() : 'application/octet-stream'
  const head =
    `Content-Type: ${type}; ${fileParams('name', a.filename)}\r\n` +
    `Content-Disposition: attachment; ${fileParams('filename', a.filename)}\r\n` +
    'Content-Transfer-Encoding: base64\r\n\r\n'
  return concat([utf8(head), encodeBase64Lines(a.bytes)])
}

/** Build the raw message. Pure apart from the random Message-ID and boundary. */
export function buildMessage(d: DraftMessage): BuiltMessage {
  const messageId = d.messageId ?? newMessageId(d.from.address)
  let h = ''
  h += `Date: ${formatRfc5322Date(d.date ?? new Date())}\r\n`
  h += addressHeader('From', [d.from])
  if (d.to.length) h += addressHeader('To', d.to)
  if (d.cc.length) h += addressHeader('Cc', d.cc)
  h += `Subject: ${encodeUnstructured(d.subject.replace(/[\r\n]+/g, ' '), 'Subject'.length)}\r\n`
  h += `Message-ID: ${messageId}\r\n`
  if (d.inReplyTo) h += `In-Reply-To: ${d.inReplyTo}\r\n`
  if (d.references?.length) h += `References: ${d.references.join('\r\n ')}\r\n`
  h += 'MIME-Version: 1.0\r\n'
  h += 'User-Agent: Cachet\r\n'
  if (d.attachments.length === 0) {
    return { raw: concat([utf8(h), textPart(d.text), utf8('\r\n')]), messageId }
  }
  const b = boundary()
  h += `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\nThis is a multi-part message in MIME format.\r\n`
  const parts: Uint8Array[] = [utf8(h)]
  for (const p of [textPart(d.text), ...d.attachments.map(attachmentPart)]) {
    parts.push(utf8(`\r\n--${b}\r\n`), p)
  }
  parts.push(utf8(`\r\n--${b}--\r\n`))
  return { raw: concat(parts), messageId }
}

/** Encoded-words for a display string (exposed for tests of header encoding). */
export const encodeHeaderText = (s: string) => (needsEncoding(s) ? encodeWords(s).join(' ') : s)
