/**
 * Mutations for the fuzzer: byte-level (bit flips, insert, delete, truncate, splice),
 * ASN.1-aware (length fields, tags, node deletion/duplication inside real DER), and
 * MIME-aware (boundaries, header lines, transfer encodings, line ends). Cheap by
 * design: a mutated input must cost far less than opening it.
 */
import type { Rng } from './prng'
import { concat as concatBytes } from '../../src/core/util/bytes'

const enc = new TextEncoder()
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0x81, 0xff, 0x30, 0x0a, 0x0d, 0x2d, 0x3a, 0x3d]

// ---------------------------------------------------------------- byte level

export function flipBits(r: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice()
  const n = 1 + r.int(8)
  for (let i = 0; i < n && out.length; i++) out[r.int(out.length)]! ^= 1 << r.int(8)
  return out
}

export function setBytes(r: Rng, b: Uint8Array): Uint8Array {
  const out = b.slice()
  const n = 1 + r.int(4)
  for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] = r.chance(0.5) ? r.pick(INTERESTING) : r.int(256)
  return out
}

export function insertBytes(r: Rng, b: Uint8Array): Uint8Array {
  const at = r.int(b.length + 1)
  const ins = r.chance(0.5) ? r.bytes(1 + r.int(16)) : new Uint8Array(1 + r.int(64)).fill(r.pick(INTERESTING))
  return concatBytes([b.subarray(0, at), ins, b.subarray(at)])
}

export function deleteBytes(r: Rng, b: Uint8Array): Uint8Array {
  if (b.length < 2) return b
  const at = r.int(b.length)
  const n = 1 + r.int(Math.min(64, b.length - at))
  return concatBytes([b.subarray(0, at), b.subarray(at + n)])
}

export function truncate(r: Rng, b: Uint8Array): Uint8Array {
  return b.subarray(0, r.int(b.length))
}

export function duplicateChunk(r: Rng, b: Uint8Array): Uint8Array {
  if (!b.length) return b
  const at = r.int(b.length)
  const n = 1 + r.int(Math.min(256, b.length - at))
  const times = 1 + r.int(r.chance(0.1) ? 200 : 3)
  const chunk = b.subarray(at, at + n)
  return concatBytes([b.subarray(0, at + n), ...new Array<Uint8Array>(times).fill(chunk), b.subarray(at + n)])
}

export function splice(r: Rng, b: Uint8Array, other: Uint8Array): Uint8Array {
  const a = r.int(b.length + 1)
  const s = r.int(other.length + 1)
  return concatBytes([b.subarray(0, a), other.subarray(s, s + r.int(512))])
}

// ---------------------------------------------------------------- ASN.1 aware

interface Tlv {
  /** Offset of the tag byte. */
  start: number
  /** Offset of the first length byte and of the contents. */
  lenAt: number
  contentAt: number
  end: number
  constructed: boolean
}

/** Tolerant scan of DER/BER into a flat list of TLVs (stops quietly on garbage). */
export function scanTlvs(b: Uint8Array, limit = 4000): Tlv[] {
  const out: Tlv[] = []
  const walk = (pos: number, end: number, depth: number) => {
    while (pos < end && out.length < limit && depth < 40) {
      const start = pos
      if (pos + 2 > end) return
      if ((b[pos]! & 0x1f) === 0x1f) return // high tag numbers: not in CMS
      const constructed = (b[pos]! & 0x20) !== 0
      const lenAt = pos + 1
      let len = b[lenAt]!
      let contentAt = lenAt + 1
      if (len === 0x80) {
        if (!constructed) return
        const t: Tlv = { start, lenAt, contentAt, end, constructed }
        out.push(t)
        walk(contentAt, end, depth + 1)
        return
      }
      if (len & 0x80) {
        const n = len & 0x7f
        if (n > 4 || contentAt + n > end) return
        len = 0
        for (let i = 0; i < n; i++) len = len * 256 + b[contentAt + i]!
        contentAt += n
      }
      if (contentAt + len > end) return
      const t: Tlv = { start, lenAt, contentAt, end: contentAt + len, constructed }
      out.push(t)
      if (constructed) walk(contentAt, contentAt + len, depth + 1)
      pos = contentAt + len
    }
  }
  walk(0, b.length, 0)
  return out
}

const LENGTH_FORMS: ((len: number) => number[])[] = [
  () => [0x00],
  () => [0x80], // indefinite
  () => [0x84, 0xff, 0xff, 0xff, 0xff],
  () => [0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  () => [0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0],
  (l) => encodeLength(l + 1),
  (l) => encodeLength(Math.max(0, l - 1)),
  (l) => encodeLength(l * 2 + 7),
  (l) => [0x84, (l >>> 24) & 0xff, (l >>> 16) & 0xff, (l >>> 8) & 0xff, l & 0xff], // non-minimal
  () => [0x81, 0x05], // non-minimal short
]

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n]
  const out: number[] = []
  while (n > 0) {
    out.unshift(n & 0xff)
    n = Math.floor(n / 256)
  }
  return [0x80 | out.length, ...out]
}

export function mutateDer(r: Rng, der: Uint8Array): Uint8Array {
  const tlvs = scanTlvs(der)
  if (!tlvs.length) return flipBits(r, der)
  const t = r.pick(tlvs)
  const op = r.int(7)
  if (op <= 1) {
    // length field
    const len = t.end - t.contentAt
    const form = r.pick(LENGTH_FORMS)(len)
    return concatBytes([der.subarray(0, t.lenAt), new Uint8Array(form), der.subarray(t.contentAt)])
  }
  if (op === 2) {
    // tag
    const out = der.slice()
    out[t.start] = r.chance(0.5) ? r.pick([0x30, 0x31, 0x04, 0x24, 0x02, 0x06, 0x05, 0xa0, 0xa1, 0x80, 0x00]) : r.int(256)
    return out
  }
  if (op === 3) return concatBytes([der.subarray(0, t.start), der.subarray(t.end)]) // delete the node
  if (op === 4) {
    // duplicate the node in place (repeated attributes, SignerInfos, recipients)
    const node = der.subarray(t.start, t.end)
    return concatBytes([der.subarray(0, t.end), node, der.subarray(t.end)])
  }
  if (op === 5) {
    // replace the contents of a primitive with other bytes of the same length or a different length
    const content = r.chance(0.5) ? r.bytes(t.end - t.contentAt) : r.bytes(r.int(40))
    return concatBytes([der.subarray(0, t.contentAt), content, der.subarray(t.end)])
  }
  // swap two sibling-or-not nodes
  const u = r.pick(tlvs)
  if (u.start >= t.end || u.end <= t.start) {
    const [a, b] = t.start < u.start ? [t, u] : [u, t]
    return concatBytes([der.subarray(0, a.start), der.subarray(b.start, b.end), der.subarray(a.end, b.start), der.subarray(a.start, a.end), der.subarray(b.end)])
  }
  return flipBits(r, der)
}

// ---------------------------------------------------------------- MIME aware

const HEADER_MUTATIONS = [
  'Content-Type: multipart/mixed; boundary=""',
  'Content-Type: application/pkcs7-mime; smime-type=enveloped-data',
  'Content-Type: application/pkcs7-mime; smime-type=signed-data',
  'Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data',
  'Content-Type: application/pkcs7-mime; smime-type=certs-only',
  'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary="x"',
  'Content-Type: message/rfc822',
  'Content-Transfer-Encoding: binary',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Transfer-Encoding: base64',
  'Content-Transfer-Encoding: x-uuencode',
  'From: a@b.c, d@e.f',
  'From: "x@y.z" <m@evil.test>',
  'From:',
  'Content-Type: text/plain; charset=utf-7',
  'Content-Type: text/plain; charset*=utf-8\'\'%FF%FE',
  'Content-Type: multipart/mixed; boundary*0="a"; boundary*1="b"',
  'Subject: =?utf-8?b?' + 'QUFB'.repeat(50) + '?=',
  'Content-Disposition: attachment; filename*=utf-8\'\'%E2%80%AE.p7m',
]

function lines(b: Uint8Array): number[] {
  const starts = [0]
  for (let i = 0; i < b.length && starts.length < 5000; i++) if (b[i] === 10) starts.push(i + 1)
  return starts
}

export function mutateMime(r: Rng, b: Uint8Array): Uint8Array {
  const starts = lines(b)
  const op = r.int(8)
  const li = r.int(starts.length)
  const s = starts[li]!
  const e = starts[li + 1] ?? b.length
  if (op === 0) return concatBytes([b.subarray(0, s), b.subarray(e)]) // delete a line
  if (op === 1) return concatBytes([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]) // duplicate a line
  if (op === 2) return concatBytes([b.subarray(0, s), enc.encode(r.pick(HEADER_MUTATIONS) + '\r\n'), b.subarray(s)]) // insert a header-like line
  if (op === 3) {
    // boundary lines: drop the closing "--", or break one delimiter
    const delims = starts.filter((x) => b[x] === 0x2d && b[x + 1] === 0x2d)
    if (!delims.length) return flipBits(r, b)
    const d = r.pick(delims)
    const out = b.slice()
    out[d + 2 + r.int(8)] = r.pick([0x2d, 0x20, 0x0d, 0x41])
    return out
  }
  if (op === 4) {
    // CRLF → LF, or LF → CR in a region
    const out: number[] = []
    const from = r.int(b.length)
    const to = Math.min(b.length, from + 1 + r.int(4096))
    for (let i = 0; i < b.length; i++) if (!(i >= from && i < to && b[i] === 13)) out.push(b[i]!)
    return new Uint8Array(out)
  }
  if (op === 5) return concatBytes([b.subarray(0, s), new Uint8Array(1 + r.int(3000)).fill(r.pick([0x41, 0x20, 0x09, 0x3d])), b.subarray(s)]) // long line
  if (op === 6) {
    // fold a line (continuation) or unfold (remove a line break)
    const out = b.slice()
    if (e > 0 && e - 1 < out.length) out[e - 1] = 0x20
    return out
  }
  return concatBytes([b.subarray(0, s), enc.encode('\r\n'), b.subarray(s)]) // premature blank line
}
