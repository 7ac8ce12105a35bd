/**
 * Content-Transfer-Encodings (RFC 2045 §6): quoted-printable and base64 in both
 * directions, working on bytes so a 25 MB body is never turned into a JS string.
 */
import { Base64LineWriter, fromBase64Bytes } from '../util/base64'

const HEX = '0123456789ABCDEF'

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 65 && c <= 70) return c - 55
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

/**
 * Decode quoted-printable (RFC 2045 §6.7). Soft line breaks ("=" at end of line, CRLF
 * or bare LF) are removed; malformed escapes are kept literally, as the RFC advises.
 * Trailing whitespace before a line break is dropped (rule 3: added by transport).
 */
export function decodeQuotedPrintable(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length)
  let o = 0
  let i = 0
  while (i < b.length) {
    const c = b[i]!
    if (c === 61 /* = */) {
      // soft line break: "=" followed by optional whitespace then (CR)LF
      let j = i + 1
      while (j < b.length && (b[j] === 32 || b[j] === 9)) j++
      if (j < b.length && b[j] === 13 && b[j + 1] === 10) {
        i = j + 2
        continue
      }
      if (j < b.length && b[j] === 10) {
        i = j + 1
        continue
      }
      if (j >= b.length) {
        i = j
        continue
      }
      const h = hexVal(b[i + 1] ?? 0)
      const l = hexVal(b[i + 2] ?? 0)
      if (h >= 0 && l >= 0) {
        out[o++] = (h << 4) | l
        i += 3
        continue
      }
      out[o++] = c
      i++
      continue
    }
    if (c === 32 || c === 9) {
      // drop whitespace that ends a line
      let j = i
      while (j < b.length && (b[j] === 32 || b[j] === 9)) j++
      if (j >= b.length || b[j] === 10 || (b[j] === 13 && b[j + 1] === 10)) {
        i = j
        continue
      }
      while (i < j) out[o++] = b[i++]!
      continue
    }
    out[o++] = c
    i++
  }
  return out.subarray(0, o)
}

/**
 * Encode text bytes as quoted-printable with CRLF hard line breaks and lines of at most
 * 76 characters. Line breaks in the input (LF or CRLF) become CRLF. Chosen so no relay
 * can alter signed bytes: trailing whitespace is encoded (=20), and a line starting
 * with "From " or "." is escaped (mbox munging, SMTP dot handling).
 */
export function encodeQuotedPrintable(b: Uint8Array): Uint8Array {
  const parts: number[] = []
  let lineLen = 0
  const push = (s: string) => {
    for (let k = 0; k < s.length; k++) parts.push(s.charCodeAt(k))
    lineLen += s.length
  }
  const softBreak = () => {
    parts.push(61, 13, 10)
    lineLen = 0
  }
  let lineStart = true
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!
    if (c === 13 && b[i + 1] === 10) continue // CR of CRLF: the LF emits the break
    if (c === 10) {
      parts.push(13, 10)
      lineLen = 0
      lineStart = true
      continue
    }
    const next = b[i + 1]
    const atEol = next === undefined || next === 10 || (next === 13 && b[i + 2] === 10)
    let enc: string
    if ((c === 32 || c === 9) && !atEol) enc = String.fromCharCode(c)
    else if (c >= 33 && c <= 126 && c !== 61) enc = String.fromCharCode(c)
    else enc = '=' + HEX[c >> 4] + HEX[c & 15]
    // keep room for a trailing "=" soft break
    if (lineLen + enc.length > 75) {
      softBreak()
      lineStart = true
    }
    if (lineStart && (c === 46 /* . */ || (c === 70 && b[i + 1] === 114 && b[i + 2] === 111 && b[i + 3] === 109 && b[i + 4] === 32))) {
      enc = '=' + HEX[c >> 4] + HEX[c & 15]
    }
    push(enc)
    lineStart = false
  }
  return Uint8Array.from(parts)
}

/** Decode a base64 body (ignores line breaks and garbage, as MIME readers must). */
export function decodeBase64(b: Uint8Array): Uint8Array {
  return fromBase64Bytes(b)
}

/**
 * Encode as base64 in 76-column CRLF lines (RFC 2045 §6.8), with a final CRLF, written
 * straight into the output by Base64LineWriter. (The platform's toBase64 makes a string
 * that then has to be copied out character by character with line breaks added, which
 * cost more than this in Chromium.)
 */
export function encodeBase64Lines(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Base64LineWriter.encodedLength(b.length))
  const w = new Base64LineWriter(out)
  w.write(b)
  w.end()
  return out
}

/** Decode a body by its Content-Transfer-Encoding (unknown encodings pass through). */
export function decodeTransfer(body: Uint8Array, cte: string | null): Uint8Array {
  switch ((cte ?? '').trim().toLowerCase()) {
    case 'base64':
      return decodeBase64(body)
    case 'quoted-printable':
      return decodeQuotedPrintable(body)
    default:
      return body
  }
}

/**
 * Bare LF → CRLF (RFC 8551 §3.1.1 canonical form). A multipart/signed delivered with
 * Unix line ends (mbox, some IMAP servers) was signed over CRLF; a verifier may retry
 * the digest over this form. Returns the input itself when it has no bare LF.
 */
export function canonicalizeLineEnds(b: Uint8Array): Uint8Array {
  let bare = 0
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) if (i === 0 || b[i - 1] !== 13) bare++
  if (bare === 0) return b
  const out = new Uint8Array(b.length + bare)
  let o = 0
  let from = 0
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) {
    if (i > 0 && b[i - 1] === 13) continue
    out.set(b.subarray(from, i), o)
    o += i - from
    out[o++] = 13
    out[o++] = 10
    from = i + 1
  }
  out.set(b.subarray(from), o)
  return out
}
