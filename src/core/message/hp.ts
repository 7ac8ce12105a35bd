/**
 * Header protection (RFC 9788, "Header Protection for Cryptographically Protected Email"),
 * and reading the older `protected-headers="v1"` (draft-autocrypt-lamps-protected-headers)
 * that Thunderbird and Enigmail send.
 *
 * Sealing: the Cryptographic Payload (the entity that is signed and/or encrypted) carries
 * every header field of the message, and its Content-Type says so: `hp="cipher"` when it
 * is encrypted, `hp="clear"` when it is only signed (§2.1). An encrypted payload also
 * records in `HP-Outer` fields what the outside shows (§2.2); with the Subject obscured
 * outside (`[...]`, hcp_baseline) the main body parts begin with a Legacy Display Element
 * (`hp-legacy-display="1"`, §4.5.3.2 and §4.5.3.3) so that a client that does not read
 * protected headers still shows the real subject at the top of the body.
 *
 * Reading: the payload's header fields win over the outer ones; what the outside showed
 * is kept for the details; a Legacy Display Element is removed from what is shown only
 * when the protected header fields were understood and the payload was decrypted (§4.5.3.4).
 */
import { bodyText, decodeHeaderValue, parseAddressList, parseHeaderParams, parseMime, type MimeEntity, type MimeHeader } from '../mime'
import { encodeQuotedPrintable } from '../mime/encodings'
import { isAttachment } from '../mime'
import { concat, utf8 } from '../util/bytes'
import { canonicalEntity, toCrlf, type DraftField, type SplitProtection } from './entity'

/** What an obscured Subject reads outside (RFC 9788 §3.1.1, hcp_baseline). */
export const OBSCURED_SUBJECT = '[...]'

/** The class of the HTML Legacy Display Element (RFC 9788 §4.5.3.3). */
export const LEGACY_DISPLAY_CLASS = 'header-protection-legacy-display'

export type ProtectedHeadersSource = 'rfc9788-cipher' | 'rfc9788-clear' | 'protected-headers-v1'

export interface HeaderFieldReport {
  name: string
  /** RFC 2047-decoded, unfolded. */
  value: string
}

/** The protected header fields of a message (SecurityReport.protectedHeaders). */
export interface ProtectedHeadersReport {
  source: ProtectedHeadersSource
  /** The header fields inside the Cryptographic Payload: these are the message's fields. */
  fields: HeaderFieldReport[]
  /** What the server saw: the outer header's fields of the same names (absent ones are not listed). */
  outer: HeaderFieldReport[]
  /** HP-Outer fields of an rfc9788-cipher payload: what the sender says it left outside (signed when the payload is). */
  hpOuter?: HeaderFieldReport[]
  /**
   * Lower-case names of the protected fields the outside did not show as they are
   * (obscured like the Subject, or removed): according to HP-Outer for an encrypted
   * rfc9788-cipher payload, else compared with the outer header itself.
   */
  hidden: string[]
  /** The protected From names other addresses than the outer From: a warning, never shown silently. */
  fromMismatch?: { protected: string; outer: string }
  /** The payload has a Legacy Display Element that is removed from what is shown (withoutLegacyDisplay). */
  legacyDisplay: boolean
}

const CRLF = '\r\n'

function structural(name: string): boolean {
  const n = name.toLowerCase()
  return n.startsWith('content-') || n === 'mime-version'
}

/** Parameters that mark header protection; never carried over from a draft. */
const HP_PARAMS = /;\s*(?:hp|hp-legacy-display|protected-headers)\s*=\s*(?:"[^"]*"|[^;\s]*)/gi

function quoteParam(v: string): string {
  return '"' + v.replace(/(["\\])/g, '\\$1') + '"'
}

/**
 * The main body parts of an entity (RFC 9788 §4.5.3.1): the text parts a reader shows as
 * the message: a text/plain or text/html leaf that is not an attachment, each child of a
 * multipart/alternative, the first child of any other multipart (mixed, related).
 */
export function mainBodyParts(e: MimeEntity): MimeEntity[] {
  const type = e.contentType.type.toLowerCase()
  const sub = e.contentType.subtype.toLowerCase()
  if (type === 'multipart') {
    if (e.children.length === 0 || !e.contentType.params.boundary) return []
    if (sub === 'alternative') return e.children.flatMap(mainBodyParts)
    return mainBodyParts(e.children[0]!)
  }
  if (type === 'text' && (sub === 'plain' || sub === 'html') && !isAttachment(e)) return [e]
  return []
}

/** A text leaf rebuilt: `edit` changes its decoded text; written as UTF-8 quoted-printable. */
function rebuildText(e: MimeEntity, contentHeaders: MimeHeader[], edit: (text: string, html: boolean) => string, legacyParam: boolean): Uint8Array {
  const html = e.contentType.subtype.toLowerCase() === 'html'
  const type = contentHeaders.find((h) => h.name.toLowerCase() === 'content-type')
  const parsed = parseHeaderParams(type?.value ?? 'text/plain')
  let ct = `${parsed.value || `text/${html ? 'html' : 'plain'}`}; charset=utf-8`
  for (const [k, v] of Object.entries(parsed.params)) {
    if (k === 'charset' || k === 'hp-legacy-display' || /[^\x20-\x7e]/.test(v)) continue
    ct += `;${CRLF} ${k}=${quoteParam(v)}`
  }
  if (legacyParam) ct += `;${CRLF} hp-legacy-display="1"`
  const lines = [`Content-Type: ${ct}`]
  for (const h of contentHeaders) {
    const n = h.name.toLowerCase()
    if (n !== 'content-type' && n !== 'content-transfer-encoding') lines.push(`${h.name}: ${h.value}`)
  }
  lines.push('Content-Transfer-Encoding: quoted-printable')
  let body = encodeQuotedPrintable(toCrlf(utf8(edit(bodyText(e), html))))
  if (body.length < 2 || body[body.length - 2] !== 13 || body[body.length - 1] !== 10) body = concat([body, utf8('=' + CRLF)])
  return concat([latin1(lines.join(CRLF) + CRLF + CRLF), body])
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** The Legacy Display Element put in front of a main body part (RFC 9788 §4.5.3.2, §4.5.3.3). */
function addLegacyDisplay(text: string, html: boolean, shown: string[]): string {
  if (!html) return shown.join(CRLF) + CRLF + CRLF + text
  const div = `<div class="${LEGACY_DISPLAY_CLASS}">${CRLF}<pre>${shown.map(escapeHtml).join(CRLF)}</pre>${CRLF}</div>${CRLF}`
  const body = /<body\b[^>]*>/i.exec(text)
  if (!body) return div + text
  const at = body.index + body[0].length
  return text.slice(0, at) + CRLF + div + text.slice(at)
}

/**
 * Header protection for sealMessage (RFC 9788 §4.1): the payload gets every header field
 * of the draft (Bcc never: entity.ts drops it), an hp parameter, and, when encrypting,
 * HP-Outer fields; `obscureSubject` (encrypting only) writes `Subject: [...]` outside and
 * puts the Legacy Display Element in the main body parts.
 */
export function sealProtection(opts: { encrypt: boolean; obscureSubject: boolean }): SplitProtection {
  const cipher = opts.encrypt
  const obscure = cipher && opts.obscureSubject
  const outerLine = (f: DraftField) => (obscure && f.name.toLowerCase() === 'subject' ? `${f.name}: ${OBSCURED_SUBJECT}` : f.line)
  let subjectShown: string[] = []
  return {
    outer: (fields) => fields.map(outerLine),
    header: (fields) => {
      subjectShown = obscure
        ? fields.filter((f) => f.name.toLowerCase() === 'subject').map((f) => `Subject: ${decodeHeaderValue(f.value).trim()}`)
        : []
      const lines = fields.map((f) => f.line)
      // §2.2: one HP-Outer field for each non-structural field left outside, in order.
      if (cipher) for (const f of fields) if (OUTER_NAMES.has(f.name.toLowerCase())) lines.push(`HP-Outer: ${outerLine(f)}`)
      return lines
    },
    hooks: (root) => {
      const mains = new Set(subjectShown.length ? mainBodyParts(root) : [])
      return {
        topContentType: (v) => `${v.replace(HP_PARAMS, '')};${CRLF} hp="${cipher ? 'cipher' : 'clear'}"`,
        leaf: (e, ch) => (mains.has(e) ? rebuildText(e, ch, (t, html) => addLegacyDisplay(t, html, subjectShown), true) : null),
      }
    },
  }
}

/** The fields sealMessage leaves outside (entity.ts OUTER_HEADERS), which HP-Outer records. */
const OUTER_NAMES = new Set(['from', 'to', 'cc', 'date', 'message-id', 'subject'])

/** The protection a payload declares, if any. */
function sourceOf(payload: MimeEntity): ProtectedHeadersSource | null {
  const p = payload.contentType.params
  const hp = p.hp?.trim().toLowerCase()
  if (hp === 'cipher') return 'rfc9788-cipher'
  if (hp === 'clear') return 'rfc9788-clear'
  if (p['protected-headers']?.trim().toLowerCase() === 'v1') return 'protected-headers-v1'
  return null
}

const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'reply-to', 'sender'])

const norm = (v: string) => v.replace(/\s+/g, ' ').trim()

function addresses(value: string): string[] {
  try {
    return parseAddressList(value).map((a) => a.address.toLowerCase()).sort()
  } catch {
    return []
  }
}

function hasLegacyParam(e: MimeEntity): boolean {
  return e.contentType.params['hp-legacy-display']?.trim() === '1'
}

/**
 * The protected header fields of the Cryptographic Payload `payload` (the innermost entity
 * reached through at least one S/MIME layer), compared with the outer header `outer`.
 * `encrypted`: the payload came out of a decrypted layer. Null when the payload declares
 * no header protection. A protected From naming other addresses than the outer From is
 * `fromMismatch`.
 */
export function readProtectedHeaders(payload: MimeEntity, outer: MimeEntity, encrypted: boolean): ProtectedHeadersReport | null {
  const source = sourceOf(payload)
  if (!source) return null
  const fields = payload.headers
    .filter((h) => !structural(h.name) && h.name.toLowerCase() !== 'hp-outer')
    .map((h) => ({ name: h.name, value: decodeHeaderValue(h.value) }))
  if (fields.length === 0) return null
  const names = new Set(fields.map((f) => f.name.toLowerCase()))
  const outerFields = outer.headers.filter((h) => names.has(h.name.toLowerCase())).map((h) => ({ name: h.name, value: decodeHeaderValue(h.value) }))
  const report: ProtectedHeadersReport = { source, fields, outer: outerFields, hidden: [], legacyDisplay: false }
  let compareWith = outerFields
  if (source === 'rfc9788-cipher') {
    const hpOuter: HeaderFieldReport[] = []
    for (const h of payload.headers) {
      if (h.name.toLowerCase() !== 'hp-outer') continue
      const colon = h.value.indexOf(':')
      if (colon <= 0) continue
      hpOuter.push({ name: h.value.slice(0, colon).trim(), value: decodeHeaderValue(h.value.slice(colon + 1).trim()) })
    }
    report.hpOuter = hpOuter
    // HP-Outer is only meaningful inside encryption (§2.2); in signed-only mail the outer header is compared.
    if (encrypted) compareWith = hpOuter
  }
  const hidden = new Set<string>()
  for (const f of fields) {
    const n = f.name.toLowerCase()
    const same = compareWith.filter((o) => o.name.toLowerCase() === n)
    // Address fields compare by address: a display name written differently hides nothing.
    const equal = ADDRESS_FIELDS.has(n) ? (o: HeaderFieldReport) => addresses(o.value).join(',') === addresses(f.value).join(',') : (o: HeaderFieldReport) => norm(o.value) === norm(f.value)
    if (!same.some(equal)) hidden.add(n)
  }
  report.hidden = [...hidden]
  const pFrom = fields.find((f) => f.name.toLowerCase() === 'from')
  const oFrom = outer.headers.filter((h) => h.name.toLowerCase() === 'from').map((h) => h.value).join(', ')
  if (pFrom) {
    const a = addresses(pFrom.value)
    const b = addresses(oFrom)
    if (a.join(',') !== b.join(',')) report.fromMismatch = { protected: a.join(', ') || pFrom.value, outer: b.join(', ') || '(none)' }
  }
  report.legacyDisplay = encrypted && source === 'rfc9788-cipher' && mainBodyParts(payload).some(hasLegacyParam)
  return report
}

/**
 * Remove the Legacy Display Element of a text/plain main body part (RFC 9788 §4.5.3.4):
 * the lines up to and including the first blank line, when each of them is a header field
 * line ("Subject: …"). Anything else is left as it is.
 */
export function stripLegacyText(text: string): string {
  const m = /\r?\n\r?\n/.exec(text)
  if (!m) return text
  const head = text.slice(0, m.index)
  if (!head.split(/\r?\n/).every((l) => /^[\x21-\x39\x3b-\x7e]+:/.test(l))) return text
  return text.slice(m.index + m[0].length)
}

/** Remove the first `div` of class header-protection-legacy-display, with what it holds (§4.5.3.4). */
export function stripLegacyHtml(html: string): string {
  const open = new RegExp(`<div\\b[^>]*\\bclass\\s*=\\s*(["'])[^"']*\\b${LEGACY_DISPLAY_CLASS}\\b[^"']*\\1[^>]*>`, 'i').exec(html)
  if (!open) return html
  const tags = /<(\/?)div\b[^>]*>/gi
  tags.lastIndex = open.index + open[0].length
  let depth = 1
  for (let t = tags.exec(html); t; t = tags.exec(html)) {
    depth += t[1] ? -1 : 1
    if (depth === 0) {
      let end = t.index + t[0].length
      if (html.startsWith('\r\n', end)) end += 2
      else if (html[end] === '\n') end += 1
      return html.slice(0, open.index) + html.slice(end)
    }
  }
  return html
}

/**
 * The payload with its Legacy Display Elements removed, for display: the same structure
 * (attachment paths unchanged) and the payload's own header fields; only the main body
 * parts marked hp-legacy-display="1" are rewritten. Call it only when the report says
 * `protectedHeaders.legacyDisplay` (the protected header fields were understood).
 */
export function withoutLegacyDisplay(inner: Uint8Array): Uint8Array {
  const root = parseMime(inner)
  const marked = new Set(mainBodyParts(root).filter(hasLegacyParam))
  if (marked.size === 0) return inner
  const head = root.headers.filter((h) => !structural(h.name)).map((h) => `${h.name}: ${h.value}${CRLF}`).join('')
  const body = canonicalEntity(root, true, {
    leaf: (e, ch) => (marked.has(e) ? rebuildText(e, ch, (t, html) => (html ? stripLegacyHtml(t) : stripLegacyText(t)), false) : null),
  })
  return concat([latin1(head), body])
}
