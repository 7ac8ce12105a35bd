/**
 * Byte-exact MIME parsing (RFC 2045/2046, RFC 5322). Every entity keeps offsets into the
 * ORIGINAL bytes, because multipart/signed is verified over the exact bytes of its first
 * part (RFC 1847 §2.1, RFC 8551 §3.5): the bytes after the CRLF that ends the boundary
 * delimiter line, up to (not including) the CRLF before the next delimiter.
 *
 * Boundaries are found by scanning bytes; only header blocks become (latin1) strings,
 * so a 25 MB message is never decoded whole. Malformed input never throws: what could
 * not be followed is recorded in `problems`. Both CRLF and bare LF line ends are read.
 */
import { latin1 } from '../util/bytes'
import { decodeTransfer } from './encodings'
import { decodeCharset, decodeHeaderValue, parseHeaderParams } from './headers'

export interface MimeHeader {
  name: string
  /** Unfolded (line breaks removed), otherwise raw: not RFC 2047-decoded. */
  value: string
}

export interface ContentType {
  type: string
  subtype: string
  params: Record<string, string>
}

export interface MimeEntity {
  /** Offset of the first header byte in the source. */
  start: number
  /** Offset just after the last header line's line break (start of the blank line). */
  headerEnd: number
  /** Offset of the first body byte. */
  bodyStart: number
  /** Offset just after the last byte of the entity (excludes the CRLF before a delimiter). */
  end: number
  /** The whole entity, headers included, exactly as in the source (a subarray). */
  raw: Uint8Array
  headers: MimeHeader[]
  contentType: ContentType
  /** The body still transfer-encoded (a subarray of the source). */
  body: Uint8Array
  /** Parts of a multipart; the enclosed message of a message/rfc822. */
  children: MimeEntity[]
  /** What could not be followed (missing closing boundary, bad header lines, limits). */
  problems: string[]
}

export interface MimeLimits {
  /** Deepest nesting of multiparts/messages parsed (default 32). */
  maxDepth?: number
  /** Most entities parsed in the whole message (default 2000). */
  maxParts?: number
}

interface Ctx {
  src: Uint8Array
  maxDepth: number
  maxParts: number
  parts: number
}

/** Parse a message (or a bare entity). Never throws. */
export function parseMime(raw: Uint8Array, limits: MimeLimits = {}): MimeEntity {
  const ctx: Ctx = { src: raw, maxDepth: limits.maxDepth ?? 32, maxParts: limits.maxParts ?? 2000, parts: 0 }
  return parseEntity(ctx, 0, raw.length, 0)
}

/** Header blocks beyond this are cut (a 100 MB header line must not become a string). */
const MAX_HEADER_BYTES = 256 * 1024

/**
 * Does the entity open with a header line ("Name:"), an mbox "From " line, or the
 * blank line of an empty header block?
 */
function startsWithHeader(src: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return true
  if (src[start] === 10 || (src[start] === 13 && src[start + 1] === 10)) return true
  for (let i = start; i < end && i < start + 1000; i++) {
    const c = src[i]!
    if (c === 58 /* : */) return i > start
    if ((c === 32 || c === 9) && i > start) {
      // obsolete "Name : value" (RFC 5322 §4.5)
      let j = i
      while (j < end && (src[j] === 32 || src[j] === 9)) j++
      if (src[j] === 58) return true
    }
    if (c <= 32 || c >= 127) {
      // "From " separator line of an mbox file
      return c === 32 && i - start === 4 && src[start] === 70 && src[start + 1] === 114 && src[start + 2] === 111 && src[start + 3] === 109
    }
  }
  return false
}

/** Find the header/body split: the first empty line. */
function findHeaderEnd(src: Uint8Array, start: number, end: number): { headerEnd: number; bodyStart: number } {
  let pos = start
  while (pos < end) {
    // an empty line at pos?
    if (src[pos] === 10) return { headerEnd: pos, bodyStart: pos + 1 }
    if (src[pos] === 13 && src[pos + 1] === 10 && pos + 1 < end) return { headerEnd: pos, bodyStart: pos + 2 }
    const lf = src.indexOf(10, pos)
    if (lf < 0 || lf >= end) return { headerEnd: end, bodyStart: end }
    pos = lf + 1
  }
  return { headerEnd: end, bodyStart: end }
}

function parseHeaderBlock(text: string, problems: string[]): MimeHeader[] {
  const out: MimeHeader[] = []
  const lines = text.split(/\r?\n/)
  for (const line of lines) {
    if (line === '') continue
    if ((line[0] === ' ' || line[0] === '\t') && out.length > 0) {
      out[out.length - 1]!.value += line
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon).trimEnd()) || /[^\x21-\x7e]/.test(line.slice(0, colon).trimEnd())) {
      if (line.startsWith('From ') && out.length === 0) continue // mbox separator
      problems.push(`bad header line: ${JSON.stringify(line.slice(0, 60))}`)
      continue
    }
    out.push({ name: line.slice(0, colon).trimEnd(), value: line.slice(colon + 1).replace(/^[ \t]+/, '') })
  }
  for (const h of out) h.value = h.value.replace(/[ \t\r\n]+$/, '')
  return out
}

function contentTypeOf(headers: MimeHeader[], parentDigest: boolean): ContentType {
  const h = headers.find((x) => x.name.toLowerCase() === 'content-type')
  const fallback: ContentType = parentDigest
    ? { type: 'message', subtype: 'rfc822', params: {} }
    : { type: 'text', subtype: 'plain', params: { charset: 'us-ascii' } }
  if (!h) return fallback
  const p = parseHeaderParams(h.value)
  const slash = p.value.indexOf('/')
  if (slash <= 0) return fallback
  return { type: p.value.slice(0, slash).trim(), subtype: p.value.slice(slash + 1).trim(), params: p.params }
}

function parseEntity(ctx: Ctx, start: number, end: number, depth: number, parentDigest = false): MimeEntity {
  ctx.parts++
  const src = ctx.src
  const problems: string[] = []
  let { headerEnd, bodyStart } = findHeaderEnd(src, start, end)
  if (!startsWithHeader(src, start, end)) {
    // a part with no header block and no blank line (sloppy senders): all body
    if (start < end) problems.push('entity without a header block')
    headerEnd = start
    bodyStart = start
  }
  let headerText = latin1(src, start, Math.min(headerEnd, start + MAX_HEADER_BYTES))
  if (headerEnd - start > MAX_HEADER_BYTES) {
    problems.push(`header block larger than ${MAX_HEADER_BYTES >> 10} KB: the rest ignored`)
    headerText = headerText.slice(0, headerText.lastIndexOf('\n') + 1)
  }
  const headers = parseHeaderBlock(headerText, problems)
  const contentType = contentTypeOf(headers, parentDigest)
  const e: MimeEntity = {
    start,
    headerEnd,
    bodyStart,
    end,
    raw: src.subarray(start, end),
    headers,
    contentType,
    body: src.subarray(bodyStart, end),
    children: [],
    problems,
  }
  const isMultipart = contentType.type === 'multipart'
  const isMessage = contentType.type === 'message' && (contentType.subtype === 'rfc822' || contentType.subtype === 'global')
  if (!isMultipart && !isMessage) return e
  if (depth + 1 > ctx.maxDepth) {
    problems.push(`nesting deeper than ${ctx.maxDepth}: inner parts not parsed`)
    return e
  }
  if (isMessage) {
    const cte = (header(e, 'content-transfer-encoding') ?? '').toLowerCase()
    if (cte === 'base64' || cte === 'quoted-printable') {
      problems.push(`message/${contentType.subtype} with ${cte} encoding: enclosed message not parsed`)
      return e
    }
    if (ctx.parts >= ctx.maxParts) {
      problems.push(`more than ${ctx.maxParts} parts: rest not parsed`)
      return e
    }
    e.children.push(parseEntity(ctx, bodyStart, end, depth + 1))
    return e
  }
  const boundary = contentType.params.boundary
  if (!boundary) {
    problems.push('multipart without a boundary parameter')
    return e
  }
  splitMultipart(ctx, e, boundary, depth, contentType.subtype === 'digest')
  return e
}

/**
 * Locate delimiter lines "--boundary" (RFC 2046 §5.1.1): at the body start or right
 * after a line break, followed by optional "--", transport padding, then a line break
 * or the end. The CRLF (or LF) before a delimiter belongs to the delimiter.
 */
function splitMultipart(ctx: Ctx, e: MimeEntity, boundary: string, depth: number, digest: boolean): void {
  const src = ctx.src
  const b = new Uint8Array(boundary.length + 2)
  b[0] = 45
  b[1] = 45
  for (let i = 0; i < boundary.length; i++) b[i + 2] = boundary.charCodeAt(i) & 0xff
  const skip = new Int32Array(256).fill(b.length)
  for (let k = 0; k < b.length - 1; k++) skip[b[k]!] = b.length - 1 - k
  const end = e.end
  let pos = e.bodyStart
  let partStart = -1
  let closed = false
  while (pos < end) {
    const dash = nextDelimiter(src, b, skip, pos, end, e.bodyStart)
    if (dash < 0) break
    pos = dash + 1
    let q = dash + b.length
    const isClose = src[q] === 45 && src[q + 1] === 45 && q + 1 < end
    if (isClose) q += 2
    while (q < end && (src[q] === 32 || src[q] === 9)) q++
    let lineEnd: number
    if (q >= end) lineEnd = end
    else if (src[q] === 10) lineEnd = q + 1
    else if (src[q] === 13 && src[q + 1] === 10 && q + 1 < end) lineEnd = q + 2
    else continue // "--boundaryX": a longer string, not our delimiter
    // the line break before the delimiter belongs to it
    let contentEnd = dash
    if (dash > e.bodyStart && src[dash - 1] === 10) contentEnd = src[dash - 2] === 13 && dash - 2 >= e.bodyStart ? dash - 2 : dash - 1
    if (partStart >= 0) {
      if (!addPart(ctx, e, partStart, Math.max(partStart, contentEnd), depth, digest)) return
    }
    if (isClose) {
      closed = true
      break
    }
    partStart = lineEnd
    pos = lineEnd
  }
  if (!closed) {
    if (partStart >= 0) addPart(ctx, e, partStart, end, depth, digest)
    e.problems.push(partStart >= 0 ? 'missing closing boundary' : 'no boundary delimiter found in multipart body')
  }
}

/**
 * The next "--boundary" in src[from, end) that opens the body or a line, or -1.
 * Horspool's skip on the window's last byte passes over base64 bodies without reading
 * every byte (a byte-by-byte scan cost tens of ms on a 25 MB message); the line-start
 * test comes before the forward compare, which stops within the line (a boundary holds
 * no line break), so the search stays linear whatever the input.
 */
function nextDelimiter(src: Uint8Array, b: Uint8Array, skip: Int32Array, from: number, end: number, bodyStart: number): number {
  const m = b.length
  const last = b[m - 1]
  for (let i = from; i + m <= end; ) {
    const c = src[i + m - 1]!
    if (c === last && (i === bodyStart || src[i - 1] === 10)) {
      let k = 0
      while (k < m - 1 && src[i + k] === b[k]) k++
      if (k === m - 1) return i
    }
    i += skip[c]!
  }
  return -1
}

function addPart(ctx: Ctx, e: MimeEntity, start: number, end: number, depth: number, digest: boolean): boolean {
  if (ctx.parts >= ctx.maxParts) {
    if (!e.problems.some((p) => p.startsWith('more than'))) e.problems.push(`more than ${ctx.maxParts} parts: rest not parsed`)
    return false
  }
  e.children.push(parseEntity(ctx, start, end, depth + 1, digest))
  return true
}

// ------------------------------------------------------------------ accessors

/** The first header with this name (case-insensitive), unfolded and raw, or null. */
export function header(entity: MimeEntity, name: string): string | null {
  const n = name.toLowerCase()
  for (const h of entity.headers) if (h.name.toLowerCase() === n) return h.value
  return null
}

/** Every header with this name, in order. */
export function headers(entity: MimeEntity, name: string): string[] {
  const n = name.toLowerCase()
  return entity.headers.filter((h) => h.name.toLowerCase() === n).map((h) => h.value)
}

/** The body with its Content-Transfer-Encoding removed (base64, quoted-printable; others as is). */
export function decodeBody(entity: MimeEntity): Uint8Array {
  return decodeTransfer(entity.body, header(entity, 'content-transfer-encoding'))
}

/** The body decoded to text with its charset (default utf-8, which covers us-ascii). */
export function bodyText(entity: MimeEntity): string {
  return decodeCharset(decodeBody(entity), entity.contentType.params.charset)
}

/** Content-Disposition value ("attachment", "inline") and params, or null. */
export function disposition(entity: MimeEntity): { value: string; params: Record<string, string> } | null {
  const h = header(entity, 'content-disposition')
  return h === null ? null : parseHeaderParams(h)
}

/**
 * The file name: Content-Disposition filename (RFC 2231 filename* preferred), then
 * Content-Type name; RFC 2047 words (a widespread violation) decoded as a fallback.
 */
export function filename(entity: MimeEntity): string | null {
  const d = disposition(entity)
  const v = d?.params.filename ?? entity.contentType.params.name ?? null
  if (v === null) return null
  return decodeHeaderValue(v)
}

/** True for parts meant as files rather than the message body. */
export function isAttachment(entity: MimeEntity): boolean {
  if (entity.contentType.type === 'multipart') return false
  const d = disposition(entity)
  if (d?.value === 'attachment') return true
  const fn = filename(entity)
  if (fn === null) return false
  const ct = `${entity.contentType.type}/${entity.contentType.subtype}`
  // a named text part shown inline is body text, not a file
  return !(d?.value === 'inline' && (ct === 'text/plain' || ct === 'text/html'))
}
