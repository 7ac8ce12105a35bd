/**
 * Building RFC 5322 / RFC 2045 messages in canonical form: CRLF line ends, 7-bit safe
 * transfer encodings (quoted-printable for text, base64 for everything else) so no
 * relay can alter bytes a signature covers (RFC 8551 §3.1.1), UTF-8 headers as
 * RFC 2047 encoded-words, file names as RFC 2231 parameters, lines ≤ 998 octets.
 */
import { CoreError } from '../errors'
import { concat, toHex, utf8 } from '../util/bytes'
import { encodeBase64Lines, encodeQuotedPrintable } from './encodings'
import { encodePhrase, encodeUnstructured, encodeWords, needsEncoding } from './headers'

export interface Address {
  name?: string
  address: string
}

export interface Attachment {
  filename: string
  contentType: string
  data: Uint8Array
  contentId?: string
  inline?: boolean
}

export interface Draft {
  from: Address
  to: Address[]
  cc?: Address[]
  /** Used for the SMTP envelope by the caller; NEVER written into the message. */
  bcc?: Address[]
  subject: string
  text: string
  html?: string
  attachments?: Attachment[]
  messageId?: string
  date?: Date
  inReplyTo?: string
  references?: string[]
  extraHeaders?: [string, string][]
}

/** The body content of a message: what the sealer signs or encrypts. */
export type BodyParts = Pick<Draft, 'text' | 'html' | 'attachments'>

export interface BuildOptions {
  /** Source of random bytes for boundaries and Message-ID (default: globalThis.crypto). */
  random?: (n: number) => Uint8Array
}

const CRLF = '\r\n'

function defaultRandom(n: number): Uint8Array {
  const b = new Uint8Array(n)
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto
  if (c?.getRandomValues) c.getRandomValues(b)
  else for (let i = 0; i < n; i++) b[i] = Math.floor(Math.random() * 256)
  return b
}

/**
 * A boundary that cannot occur in our bodies: "=_" never appears in quoted-printable
 * output ("=" is always followed by two hex digits or a line break) and neither "="
 * followed by "_" nor "." appear inside base64 lines.
 */
function makeBoundary(random: (n: number) => Uint8Array): string {
  return `----=_Cachet.${toHex(random(12))}`
}

function checkHeaderText(what: string, s: string): void {
  if (/[\r\n\0]/.test(s)) throw new CoreError('bad-input', `The ${what} contains a line break; remove it and try again.`)
}

/** Format one address for a header: `Name <addr>` with the name encoded as needed. */
export function formatAddress(a: Address): string {
  checkHeaderText('address', a.address)
  if (!/^[^\s<>(),;:"]+@[^\s<>(),;:"@]+$/.test(a.address) && !/^".*"@[^\s<>@]+$/.test(a.address)) {
    throw new CoreError('bad-input', `"${a.address}" is not an email address; check the recipient list.`)
  }
  const name = a.name?.trim()
  if (!name) return a.address
  checkHeaderText('display name', name)
  return `${encodePhrase(name)} <${a.address}>`
}

function addressHeader(name: string, list: Address[]): string {
  return `${name}: ${list.map(formatAddress).join(',' + CRLF + ' ')}`
}

/** RFC 5322 §3.3 date-time, e.g. "Mon, 23 Nov 2026 04:41:14 +0000" (UTC). */
export function formatDate(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const p = (n: number) => String(n).padStart(2, '0')
  return `${days[d.getUTCDay()]}, ${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`
}

function quoteParam(v: string): string {
  return '"' + v.replace(/(["\\])/g, '\\$1') + '"'
}

/**
 * `; name="ascii"` or, for non-ASCII, RFC 2231 `name*=utf-8''%..` split into numbered
 * sections (`name*0*=`, `name*1*=`) so no header line grows long.
 */
function param(name: string, value: string): string {
  checkHeaderText(`${name} parameter`, value)
  if (!needsEncoding(value) && value.length < 60) return `;${CRLF} ${name}=${quoteParam(value)}`
  let enc = ''
  for (const b of utf8(value)) {
    const c = String.fromCharCode(b)
    enc += /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0')
  }
  if (enc.length <= 60) return `;${CRLF} ${name}*=utf-8''${enc}`
  const sections: string[] = []
  let rest = enc
  while (rest.length) {
    let cut = Math.min(60, rest.length)
    // never split a %XX escape
    const pct = rest.lastIndexOf('%', cut - 1)
    if (pct >= 0 && pct > cut - 3) cut = pct
    sections.push(rest.slice(0, cut))
    rest = rest.slice(cut)
  }
  return sections.map((s, i) => `;${CRLF} ${name}*${i}*=${i === 0 ? "utf-8''" : ''}${s}`).join('')
}

/** RFC 2047 `name="=?utf-8?B?...?="` fallback for readers without RFC 2231. */
function legacyName(value: string): string {
  if (!needsEncoding(value)) return ''
  return `;${CRLF} name="${encodeWords(value).join(' ')}"`
}

function textEntity(subtype: 'plain' | 'html', text: string): Uint8Array {
  const head = `Content-Type: text/${subtype}; charset=utf-8${CRLF}Content-Transfer-Encoding: quoted-printable${CRLF}${CRLF}`
  let body = encodeQuotedPrintable(utf8(text))
  // end on a line break without adding one to the text: a soft break decodes to nothing
  if (body.length < 2 || body[body.length - 2] !== 13 || body[body.length - 1] !== 10) body = concat([body, utf8('=' + CRLF)])
  return concat([utf8(head), body])
}

function attachmentEntity(a: Attachment): Uint8Array {
  checkHeaderText('content type', a.contentType)
  const ct = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/.test(a.contentType) ? a.contentType.toLowerCase() : 'application/octet-stream'
  let head = `Content-Type: ${ct}`
  head += needsEncoding(a.filename) ? legacyName(a.filename) : `;${CRLF} name=${quoteParam(a.filename)}`
  head += CRLF + 'Content-Transfer-Encoding: base64' + CRLF
  head += `Content-Disposition: ${a.inline ? 'inline' : 'attachment'}${param('filename', a.filename)}${CRLF}`
  if (a.contentId) {
    checkHeaderText('Content-ID', a.contentId)
    head += `Content-ID: <${a.contentId.replace(/^<|>$/g, '')}>${CRLF}`
  }
  return concat([utf8(head + CRLF), encodeBase64Lines(a.data)])
}

/**
 * A multipart entity (headers + body) from already-built child entities. Each child
 * is written after "--boundary CRLF"; the CRLF before each delimiter belongs to the
 * delimiter (RFC 2046 §5.1.1), so the child bytes are exactly what a parser returns.
 */
export function buildMultipart(
  subtype: string,
  children: Uint8Array[],
  params: Record<string, string> = {},
  opts: BuildOptions = {},
): Uint8Array {
  const boundary = makeBoundary(opts.random ?? defaultRandom)
  let head = `Content-Type: multipart/${subtype}`
  for (const [k, v] of Object.entries(params)) head += `;${CRLF} ${k}=${quoteParam(v)}`
  head += `;${CRLF} boundary="${boundary}"${CRLF}${CRLF}`
  const parts: Uint8Array[] = [utf8(head + 'This is a multipart message in MIME format.' + CRLF)]
  const delim = utf8(`${CRLF}--${boundary}${CRLF}`)
  for (const c of children) parts.push(delim, c)
  parts.push(utf8(`${CRLF}--${boundary}--${CRLF}`))
  return concat(parts)
}

/**
 * The body entity of a message (Content-Type and Content-Transfer-Encoding headers and
 * the body, no message headers): text/plain alone, multipart/alternative with HTML,
 * wrapped in multipart/mixed with attachments. This is the entity a sealer signs or
 * encrypts (RFC 8551 §3.1); buildMessage puts message headers in front of it.
 */
export function buildBodyPart(parts: BodyParts, opts: BuildOptions = {}): Uint8Array {
  let body = textEntity('plain', parts.text)
  if (parts.html !== undefined) body = buildMultipart('alternative', [body, textEntity('html', parts.html)], {}, opts)
  const atts = parts.attachments ?? []
  if (atts.length) body = buildMultipart('mixed', [body, ...atts.map(attachmentEntity)], {}, opts)
  return body
}

/**
 * The message headers of a draft (From, To, Cc, Subject, Date, Message-ID, In-Reply-To,
 * References, extra headers, MIME-Version), each line ending in CRLF, without the blank
 * line. Bcc is never written.
 */
export function buildMessageHeaders(draft: Draft, opts: BuildOptions = {}): string {
  const random = opts.random ?? defaultRandom
  const lines: string[] = []
  lines.push(addressHeader('From', [draft.from]))
  if (draft.to.length) lines.push(addressHeader('To', draft.to))
  if (draft.cc?.length) lines.push(addressHeader('Cc', draft.cc))
  checkHeaderText('subject', draft.subject)
  lines.push(`Subject: ${encodeUnstructured(draft.subject, 'Subject'.length)}`)
  lines.push(`Date: ${formatDate(draft.date ?? new Date())}`)
  const domain = draft.from.address.slice(draft.from.address.lastIndexOf('@') + 1).toLowerCase() || 'localhost'
  const mid = draft.messageId?.replace(/^<|>$/g, '') ?? `${toHex(random(16))}@${domain}`
  checkHeaderText('Message-ID', mid)
  lines.push(`Message-ID: <${mid}>`)
  const ids = (xs: string[]) => xs.map((x) => (checkHeaderText('message id', x), `<${x.replace(/^<|>$/g, '')}>`)).join(CRLF + ' ')
  if (draft.inReplyTo) lines.push(`In-Reply-To: ${ids([draft.inReplyTo])}`)
  if (draft.references?.length) lines.push(`References: ${ids(draft.references)}`)
  const reserved = /^(from|to|cc|bcc|subject|date|message-id|mime-version|content-type|content-transfer-encoding)$/i
  for (const [k, v] of draft.extraHeaders ?? []) {
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(k)) throw new CoreError('bad-input', `"${k}" is not a valid header name.`)
    if (reserved.test(k)) throw new CoreError('bad-input', `The header ${k} is set by Cachet; remove it from the extra headers.`)
    checkHeaderText(`${k} header`, v)
    lines.push(`${k}: ${encodeUnstructured(v, k.length)}`)
  }
  lines.push('MIME-Version: 1.0')
  return lines.map((l) => l + CRLF).join('')
}

/** A complete message: message headers followed by the body entity of buildBodyPart. */
export function buildMessage(draft: Draft, opts: BuildOptions = {}): Uint8Array {
  return concat([utf8(buildMessageHeaders(draft, opts)), buildBodyPart(draft, opts)])
}

/**
 * Split an entity into its header block (including the final line break, not the blank
 * line) and its body (after the blank line). With no blank line, everything is header.
 */
export function splitHeaders(raw: Uint8Array): { headers: Uint8Array; body: Uint8Array } {
  for (let pos = 0; pos < raw.length; ) {
    if (raw[pos] === 10) return { headers: raw.subarray(0, pos), body: raw.subarray(pos + 1) }
    if (raw[pos] === 13 && raw[pos + 1] === 10) return { headers: raw.subarray(0, pos), body: raw.subarray(pos + 2) }
    const lf = raw.indexOf(10, pos)
    if (lf < 0) break
    pos = lf + 1
  }
  return { headers: raw, body: raw.subarray(raw.length) }
}
