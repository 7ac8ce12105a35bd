/**
 * Header field values: parameters (RFC 2045 §5.1 with RFC 2231 continuations and
 * charsets), encoded-words (RFC 2047) and address lists (RFC 5322 §3.4).
 * Header blocks are handled as latin1 strings (one char per byte), so raw 8-bit
 * UTF-8 headers (RFC 6532) survive and are decoded here.
 */
import { concat } from '../util/bytes'

export interface ParsedParams {
  /** The value before the first ";" (e.g. "text/plain"), trimmed, lowercased. */
  value: string
  /** Parameter names lowercased; RFC 2231 sections joined and charset-decoded. */
  params: Record<string, string>
}

/** Decode bytes held in a latin1 string with a MIME charset name; never throws. */
export function decodeCharset(bytes: Uint8Array, charset: string | null | undefined): string {
  const label = (charset ?? 'utf-8').trim().toLowerCase() || 'utf-8'
  // WHATWG reads latin1 labels as windows-1252; Node's TextDecoder does not, so map it here
  if (/^(windows-1252|cp1252|x-cp1252|iso-?8859-1|iso_8859-1|latin1|l1)$/.test(label)) {
    return decode1252(bytes)
  }
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes)
  } catch {
    return new TextDecoder('utf-8').decode(bytes)
  }
}

// windows-1252 code points for 0x80..0x9f (0 where undefined: kept as C1)
const CP1252 = [
  0x20ac, 0, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0, 0x17d, 0,
  0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0, 0x17e, 0x178,
]

function decode1252(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    s += String.fromCharCode(b >= 0x80 && b < 0xa0 ? CP1252[b - 0x80] || b : b)
  }
  return s
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

/** Raw 8-bit header text (RFC 6532 UTF-8, or legacy latin1) to a JS string. */
function decodeRaw8bit(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(latin1Bytes(s))
  } catch {
    return s // keep latin1 reading
  }
}

/** Split on a separator outside quoted strings and comments. */
function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = []
  let cur = ''
  let q = false
  let depth = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (q) {
      cur += c
      if (c === '\\' && i + 1 < s.length) cur += s[++i]
      else if (c === '"') q = false
      continue
    }
    if (c === '"') q = true
    else if (c === '(') depth++
    else if (c === ')' && depth > 0) depth--
    else if (c === sep && depth === 0) {
      out.push(cur)
      cur = ''
      continue
    }
    cur += c
  }
  out.push(cur)
  return out
}

function unquote(v: string): string {
  const t = v.trim()
  if (t.length >= 2 && t[0] === '"' && t[t.length - 1] === '"') return t.slice(1, -1).replace(/\\(.)/g, '$1')
  return t
}

function percentDecode(s: string): Uint8Array {
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16))
      i += 2
    } else out.push(s.charCodeAt(i) & 0xff)
  }
  return Uint8Array.from(out)
}

/**
 * Parse `value; name=val; name*=utf-8''%E2%82%AC; name*0*=...; name*1=...`.
 * RFC 2231: sections are ordered by number; extended sections are percent-decoded with
 * the charset given in the first section. Plain values may carry RFC 2047 words (a
 * common violation); they are left as is here and decoded by the callers that need it.
 */
export function parseHeaderParams(header: string): ParsedParams {
  const pieces = splitTopLevel(header, ';')
  const value = (pieces.shift() ?? '').replace(/\([^)]*\)/g, '').trim().toLowerCase()
  const plain: Record<string, string> = {}
  const sections: Record<string, { n: number; ext: boolean; v: string }[]> = {}
  for (const piece of pieces) {
    const eq = piece.indexOf('=')
    if (eq < 0) continue
    const rawName = piece.slice(0, eq).trim().toLowerCase()
    const rawVal = piece.slice(eq + 1).trim()
    if (!rawName) continue
    const m = /^([^*]+)(?:\*(\d+))?(\*)?$/.exec(rawName)
    if (!m) continue
    const name = m[1]!
    if (m[2] === undefined && !m[3]) {
      if (!(name in plain)) plain[name] = unquote(rawVal)
      continue
    }
    ;(sections[name] ??= []).push({ n: m[2] === undefined ? 0 : Number(m[2]), ext: !!m[3], v: unquote(rawVal) })
  }
  const params: Record<string, string> = { ...plain }
  for (const [name, list] of Object.entries(sections)) {
    list.sort((a, b) => a.n - b.n)
    let charset = 'us-ascii'
    const bytes: Uint8Array[] = []
    list.forEach((s, idx) => {
      let v = s.v
      if (s.ext && idx === 0) {
        const parts = v.split("'")
        if (parts.length >= 3) {
          charset = parts[0] || 'us-ascii'
          v = parts.slice(2).join("'")
        }
      }
      bytes.push(s.ext ? percentDecode(v) : latin1Bytes(v))
    })
    params[name] = decodeCharset(concat(bytes), charset)
  }
  return { value, params }
}

const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g

function decodeWord(charset: string, enc: string, text: string): string | null {
  let bytes: Uint8Array
  if (enc === 'b' || enc === 'B') {
    const clean = text.replace(/[^A-Za-z0-9+/]/g, '')
    const out: number[] = []
    let acc = 0
    let bits = 0
    for (const ch of clean) {
      acc = (acc << 6) | 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(ch)
      bits += 6
      if (bits >= 8) {
        bits -= 8
        out.push((acc >> bits) & 0xff)
      }
    }
    bytes = Uint8Array.from(out)
  } else {
    bytes = percentDecode(text.replace(/_/g, ' ').replace(/=/g, '%'))
  }
  return decodeCharset(bytes, charset)
}

/**
 * Decode RFC 2047 encoded-words; whitespace between adjacent encoded-words is dropped
 * (§6.2). Raw 8-bit UTF-8 is decoded too. Never throws.
 */
export function decodeHeaderValue(value: string): string {
  const v = decodeRaw8bit(value)
  let out = ''
  let last = 0
  let prevWordEnd = -1
  for (const m of v.matchAll(ENCODED_WORD)) {
    const idx = m.index ?? 0
    const between = v.slice(last, idx)
    if (!(prevWordEnd === last && /^[ \t\r\n]*$/.test(between))) out += between
    const dec = decodeWord(m[1]!, m[2]!, m[3]!)
    out += dec ?? m[0]
    last = idx + m[0].length
    prevWordEnd = last
  }
  return out + v.slice(last)
}

export interface MailAddress {
  name: string
  address: string
}

type Tok = { t: 'atom' | 'quoted' | 'comment' | 'special'; v: string }

function tokenize(s: string): Tok[] {
  const toks: Tok[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++
      continue
    }
    if (c === '"') {
      let v = ''
      i++
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++
        v += s[i]
        i++
      }
      i++
      toks.push({ t: 'quoted', v })
      continue
    }
    if (c === '(') {
      let depth = 1
      let v = ''
      i++
      while (i < s.length && depth > 0) {
        if (s[i] === '\\' && i + 1 < s.length) {
          v += s[i + 1]
          i += 2
          continue
        }
        if (s[i] === '(') depth++
        else if (s[i] === ')') {
          depth--
          if (depth === 0) break
        }
        v += s[i]
        i++
      }
      i++
      toks.push({ t: 'comment', v })
      continue
    }
    if ('<>,:;@[]'.includes(c)) {
      toks.push({ t: 'special', v: c })
      i++
      continue
    }
    let v = ''
    while (i < s.length && !' \t\r\n"(<>,:;@[]'.includes(s[i]!)) v += s[i++]
    toks.push({ t: 'atom', v })
  }
  return toks
}

function normalizeAddress(spec: string): string {
  const at = spec.lastIndexOf('@')
  if (at < 0) return spec
  return spec.slice(0, at) + '@' + spec.slice(at + 1).toLowerCase()
}

function phrase(toks: Tok[]): string {
  const words: string[] = []
  for (const t of toks) if (t.t === 'atom' || t.t === 'quoted') words.push(t.v)
  return decodeHeaderValue(words.join(' ')).trim()
}

function mailbox(toks: Tok[]): MailAddress | null {
  const lt = toks.findIndex((t) => t.t === 'special' && t.v === '<')
  if (lt >= 0) {
    let gt = toks.findIndex((t, k) => k > lt && t.t === 'special' && t.v === '>')
    if (gt < 0) gt = toks.length
    let inner = toks.slice(lt + 1, gt).filter((t) => t.t !== 'comment')
    // obsolete route "@a,@b:" before the addr-spec
    const colon = inner.findIndex((t) => t.t === 'special' && t.v === ':')
    if (colon >= 0) inner = inner.slice(colon + 1)
    const spec = inner.map((t) => (t.t === 'quoted' ? `"${t.v}"` : t.v)).join('')
    if (!spec) return null
    return { name: phrase(toks.slice(0, lt)), address: normalizeAddress(spec) }
  }
  const spec = toks
    .filter((t) => t.t !== 'comment')
    .map((t) => (t.t === 'quoted' ? `"${t.v}"` : t.v))
    .join('')
  if (!spec) return null
  const comment = toks.find((t) => t.t === 'comment')
  return { name: comment ? decodeHeaderValue(comment.v).trim() : '', address: normalizeAddress(spec) }
}

/**
 * Parse an address-list header (From, To, Cc...). Display names may contain commas
 * inside quotes or comments; groups ("team: a@x, b@y;") yield their members. The
 * address is the exact addr-spec with the domain lowercased.
 */
export function parseAddressList(value: string): MailAddress[] {
  const toks = tokenize(decodeRaw8bit(value))
  const out: MailAddress[] = []
  let cur: Tok[] = []
  let inAngle = false
  const flush = () => {
    const m = mailbox(cur)
    if (m) out.push(m)
    cur = []
  }
  for (const t of toks) {
    if (t.t === 'special') {
      if (t.v === '<') inAngle = true
      else if (t.v === '>') inAngle = false
      else if (!inAngle && t.v === ',') {
        flush()
        continue
      } else if (!inAngle && t.v === ':') {
        // group display name: drop it, members follow
        cur = []
        continue
      } else if (!inAngle && t.v === ';') {
        flush()
        continue
      }
    }
    cur.push(t)
  }
  flush()
  return out
}

// ---------------------------------------------------------------- writing side

const te = new TextEncoder()

function b64(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!)
  return btoa(s)
}

/**
 * RFC 2047 B-encoded words for UTF-8 text, each at most 75 characters, never splitting
 * a character between words. Returns the words; callers join them with CRLF SP.
 */
export function encodeWords(text: string): string[] {
  const words: string[] = []
  const prefix = '=?utf-8?B?'
  const maxBytes = Math.floor((75 - prefix.length - 2) / 4) * 3 // 45 bytes → 60 chars
  let chunk: number[] = []
  for (const ch of text) {
    const b = te.encode(ch)
    if (chunk.length + b.length > maxBytes) {
      words.push(prefix + b64(Uint8Array.from(chunk)) + '?=')
      chunk = []
    }
    for (const x of b) chunk.push(x)
  }
  if (chunk.length) words.push(prefix + b64(Uint8Array.from(chunk)) + '?=')
  return words
}

/** True when the text needs encoded-words (non-ASCII, controls, or something like one). */
export function needsEncoding(text: string): boolean {
  return /[^\x20-\x7e]/.test(text) || /=\?/.test(text)
}

/**
 * An unstructured header value (Subject) ready to write after "Name: ": plain ASCII
 * folded at spaces to stay near 78 columns, otherwise encoded-words folded one per line.
 */
export function encodeUnstructured(text: string, nameLength: number): string {
  const words = text.split(' ')
  // a word that cannot be folded would break the 998-octet line limit (RFC 5322 §2.1.1)
  if (needsEncoding(text) || words.some((w) => w.length > 900)) return encodeWords(text).join('\r\n ')
  let out = ''
  let line = nameLength + 2
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!
    if (k > 0) {
      if (line + 1 + w.length > 78 && w.length > 0) {
        out += '\r\n '
        line = 1
      } else {
        out += ' '
        line += 1
      }
    }
    out += w
    line += w.length
  }
  return out
}

/** A display name as a phrase: atom text, a quoted string, or encoded-words. */
export function encodePhrase(name: string): string {
  if (needsEncoding(name)) return encodeWords(name).join('\r\n ')
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(name)) return name
  return '"' + name.replace(/(["\\])/g, '\\$1') + '"'
}
