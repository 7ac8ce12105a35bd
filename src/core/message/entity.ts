/**
 * Preparing the entity that gets signed or encrypted (RFC 8551 §3.1): canonical CRLF
 * line ends and a 7-bit transfer encoding, so that no relay changes a signed byte
 * (§3.1.1: 8-bit or binary parts are re-encoded as quoted-printable or base64), and
 * lines of at most 998 octets (RFC 5322 §2.1.1).
 */
import { parseMime, decodeBody, decodeHeaderValue, encodeQuotedPrintable, formatAddress, parseAddressList, type MimeEntity, type MimeHeader } from '../mime'
import { encodeUnstructured } from '../mime/headers'
import { encodeBase64Lines } from '../mime/encodings'
import { concat, utf8 } from '../util/bytes'

/** Headers that stay outside, readable by relays and the recipient's client (issue #6). */
export const OUTER_HEADERS = new Set(['from', 'to', 'cc', 'date', 'message-id', 'subject'])
/** Never written anywhere: a Bcc inside the protected part would reveal it to every recipient. */
const DROPPED = new Set(['bcc', 'mime-version', 'content-length', 'return-path'])

export interface SplitDraft {
  /** The outer header lines (name: value, folded as in the draft), CRLF-terminated. */
  outer: Uint8Array
  /** The protected entity: Content-* headers, the other moved headers, and the body, canonical. */
  inner: Uint8Array
}

/**
 * How the entity is rewritten while it is made canonical (header protection, hp.ts):
 * `topContentType` changes the Content-Type value of the top entity (e.g. adds hp="cipher");
 * `leaf` replaces a leaf entity (its Content-* headers, as they would be written, and body)
 * when it returns bytes.
 */
export interface CanonicalHooks {
  topContentType?: (value: string) => string
  leaf?: (e: MimeEntity, contentHeaders: MimeHeader[]) => Uint8Array | null
}

/** A header field of the draft: its name, its value as read (unfolded), and its line as written. */
export interface DraftField {
  name: string
  value: string
  line: string
}

/**
 * Header protection while splitting (RFC 9788, hp.ts): `header` lines go first in the
 * protected entity (all the draft's header fields, HP-Outer), `outer` replaces the outer
 * header lines (an obscured Subject), and `hooks` rewrite the entity.
 */
export interface SplitProtection {
  header: (fields: DraftField[]) => string[]
  outer: (fields: DraftField[]) => string[]
  hooks: (root: MimeEntity) => CanonicalHooks
}

/** Split a draft message into the outer delivery headers and the entity to protect. */
export function splitDraft(draft: Uint8Array, protection?: SplitProtection): SplitDraft {
  const e = parseMime(draft)
  const outerFields: DraftField[] = []
  const all: DraftField[] = []
  const moved: string[] = []
  for (const h of e.headers) {
    const n = h.name.toLowerCase()
    if (DROPPED.has(n)) continue
    if (n.startsWith('content-')) continue
    const field = { name: h.name, value: h.value, line: `${h.name}: ${sevenBit(h.name, h.value)}` }
    all.push(field)
    if (OUTER_HEADERS.has(n)) outerFields.push(field)
    else moved.push(field.line)
  }
  const outer = protection ? protection.outer(outerFields) : outerFields.map((f) => f.line)
  const head = protection ? protection.header(all) : moved
  const parts: Uint8Array[] = head.length ? [utf8(head.join('\r\n') + '\r\n')] : []
  canonicalParts(e, true, parts, protection?.hooks(e))
  const inner = rangeOf(draft, parts) ?? concat(parts)
  return { outer: fromLatin1Lines(outer), inner }
}

/**
 * When the parts, joined, are byte for byte a contiguous range of the draft (a draft that
 * was already canonical, as Cachet's composer writes them), that range of the draft is
 * returned instead of a copy: the largest allocation when sealing a big attachment.
 * Parts that are views of the draft at the expected place are not compared; the
 * generated header lines are.
 */
function rangeOf(draft: Uint8Array, parts: Uint8Array[]): Uint8Array | null {
  const isView = (p: Uint8Array) => p.buffer === draft.buffer && p.byteOffset >= draft.byteOffset && p.byteOffset + p.length <= draft.byteOffset + draft.length
  let total = 0
  for (const p of parts) total += p.length
  let start = -1
  let before = 0
  for (const p of parts) {
    if (isView(p)) {
      start = p.byteOffset - draft.byteOffset - before
      break
    }
    before += p.length
  }
  if (start < 0 || start + total > draft.length) return null
  let o = start
  for (const p of parts) {
    if (!(isView(p) && p.byteOffset === draft.byteOffset + o)) {
      for (let i = 0; i < p.length; i++) if (p[i] !== draft[o + i]) return null
    }
    o += p.length
  }
  return draft.subarray(start, start + total)
}

const ADDRESS_HEADERS = new Set(['from', 'to', 'cc', 'reply-to', 'sender'])

/**
 * A header value as 7-bit text: raw 8-bit (RFC 6532 UTF-8) values are re-encoded as
 * RFC 2047 encoded-words (addresses keep their addr-spec; display names get encoded).
 */
export function sevenBit(name: string, value: string): string {
  if (!/[\x80-\xff]/.test(value)) return foldRaw(value)
  if (ADDRESS_HEADERS.has(name.toLowerCase())) {
    try {
      const list = parseAddressList(value)
      if (list.length) return list.map((a) => formatAddress(a.name ? a : { address: a.address })).join(',\r\n ')
    } catch {}
  }
  return encodeUnstructured(decodeHeaderValue(value), name.length)
}

function fromLatin1Lines(lines: string[]): Uint8Array {
  const s = lines.map((l) => l + '\r\n').join('')
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

/** Unfolded header values can exceed 998 octets; fold at spaces (RFC 5322 §2.2.3). */
function foldRaw(value: string): string {
  if (value.length < 900) return value
  const out: string[] = []
  let line = ''
  for (const word of value.split(/(?= )/)) {
    if (line.length + word.length > 76 && line.length > 0) {
      out.push(line)
      line = word
    } else line += word
  }
  out.push(line)
  return out.join('\r\n')
}

/** The transfer encoding is not one that is 7-bit safe as it stands. */
function unsafeEncoding(e: MimeEntity): boolean {
  const cte = (headerValue(e, 'content-transfer-encoding') ?? '7bit').trim().toLowerCase()
  if (cte === '8bit' || cte === 'binary') return true
  return cte !== '7bit' && cte !== 'quoted-printable' && cte !== 'base64'
}

/**
 * One pass over a body: does it need re-encoding (8-bit bytes, NUL, a line over 998
 * octets), and, if not, does it have bare LF or lone CR line ends for toCrlf to fix?
 * (Two separate passes cost about 100 ms on a 34 MB draft in Chromium.)
 */
function scanBody(b: Uint8Array): { reencode: boolean; bareEnds: boolean } {
  let lineLen = 0
  let bareEnds = false
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    if (c >= 0x80 || c === 0) return { reencode: true, bareEnds }
    if (c === 10) {
      if (i === 0 || b[i - 1] !== 13) bareEnds = true
      lineLen = 0
    } else {
      if (c === 13 && b[i + 1] !== 10) bareEnds = true
      if (++lineLen > 998) return { reencode: true, bareEnds }
    }
  }
  return { reencode: false, bareEnds }
}

function headerValue(e: MimeEntity, name: string): string | null {
  for (const h of e.headers) if (h.name.toLowerCase() === name) return h.value
  return null
}

/** LF or lone CR line ends to CRLF. */
export function toCrlf(b: Uint8Array): Uint8Array {
  let extra = 0
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 10 && (i === 0 || b[i - 1] !== 13)) extra++
    else if (b[i] === 13 && b[i + 1] !== 10) extra++
  }
  if (extra === 0) return b
  const out = new Uint8Array(b.length + extra)
  let o = 0
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    if (c === 10 && (i === 0 || b[i - 1] !== 13)) out[o++] = 13
    out[o++] = c
    if (c === 13 && b[i + 1] !== 10) out[o++] = 10
  }
  return out
}

/**
 * Rebuild an entity in canonical form: only Content-* headers (the caller adds moved
 * headers), multipart children rebuilt with the same boundary, leaf bodies kept when
 * already 7-bit safe, else decoded and re-encoded (text: quoted-printable, else base64).
 */
export function canonicalEntity(e: MimeEntity, top = false, hooks?: CanonicalHooks): Uint8Array {
  const parts: Uint8Array[] = []
  canonicalParts(e, top, parts, hooks)
  return concat(parts)
}

/** canonicalEntity as pieces in order (bodies kept as views), so the caller joins them once. */
function canonicalParts(e: MimeEntity, top: boolean, out: Uint8Array[], hooks?: CanonicalHooks): void {
  let contentHeaders = e.headers.filter((h) => h.name.toLowerCase().startsWith('content-'))
  const hasType = contentHeaders.some((h) => h.name.toLowerCase() === 'content-type')
  if (top && hooks?.topContentType) {
    const change = hooks.topContentType
    contentHeaders = hasType
      ? contentHeaders.map((h) => (h.name.toLowerCase() === 'content-type' ? { name: h.name, value: change(h.value) } : h))
      : [{ name: 'Content-Type', value: change(`text/plain; charset=${is7bit(e.body) ? 'us-ascii' : 'utf-8'}`) }, ...contentHeaders]
  }
  const isMultipart = e.contentType.type.toLowerCase() === 'multipart' && e.children.length > 0 && e.contentType.params.boundary
  if (isMultipart) {
    const boundary = e.contentType.params.boundary!
    const head = contentHeaders.map((h) => `${h.name}: ${foldRaw(h.value)}\r\n`).join('')
    out.push(fromLatin(head + '\r\n'))
    for (const c of e.children) {
      out.push(fromLatin(`--${boundary}\r\n`))
      canonicalParts(c, false, out, hooks && { ...(hooks.leaf ? { leaf: hooks.leaf } : {}) })
      out.push(fromLatin('\r\n'))
    }
    out.push(fromLatin(`--${boundary}--\r\n`))
    return
  }
  const replaced = hooks?.leaf?.(e, contentHeaders)
  if (replaced) {
    out.push(replaced)
    return
  }
  const lines = contentHeaders.map((h) => `${h.name}: ${foldRaw(h.value)}`)
  if (!hasType && top && !hooks?.topContentType) lines.unshift(`Content-Type: text/plain; charset=${is7bit(e.body) ? 'us-ascii' : 'utf-8'}`)
  const scan = unsafeEncoding(e) ? { reencode: true, bareEnds: false } : scanBody(e.body)
  if (!scan.reencode) {
    out.push(fromLatin(lines.map((l) => l + '\r\n').join('') + '\r\n'), scan.bareEnds ? toCrlf(e.body) : e.body)
    return
  }
  const data = decodeBody(e)
  const isText = e.contentType.type.toLowerCase() === 'text'
  const filtered = lines.filter((l) => !/^content-transfer-encoding:/i.test(l))
  filtered.push(`Content-Transfer-Encoding: ${isText ? 'quoted-printable' : 'base64'}`)
  // Text is canonicalised to CRLF before encoding (RFC 2049 §4); binary is kept as is.
  const encoded = isText ? encodeQuotedPrintable(toCrlf(data)) : encodeBase64Lines(data)
  out.push(fromLatin(filtered.map((l) => l + '\r\n').join('') + '\r\n'), encoded)
}

function is7bit(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i]! >= 0x80) return false
  return true
}

function fromLatin(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

