/**
 * Small helpers for walking asn1js trees (read side) and writing DER by hand (write
 * side). Writing by hand keeps a 25 MB eContent a single copy: no 1 KiB splitting, no
 * intermediate ArrayBuffers per node.
 */
import * as asn1js from 'asn1js'
import { concat, toHex } from '../../util/bytes'

export type Node = asn1js.AsnType

export function tagClass(n: Node): number {
  return n.idBlock.tagClass
}
export function tagNumber(n: Node): number {
  return n.idBlock.tagNumber
}
/** Is this a [n] context-specific tag? */
export function isContext(n: Node | undefined, num: number): boolean {
  return !!n && n.idBlock?.tagClass === 3 && n.idBlock.tagNumber === num
}
// `idBlock?.`: a hostile structure can put a non-node where a node was expected (fuzzing, issue #3).
export function isUniversal(n: Node | undefined, num: number): boolean {
  return !!n && n.idBlock?.tagClass === 1 && n.idBlock.tagNumber === num
}

/** Children of a constructed node (SEQUENCE, SET, constructed tagged), else []. */
export function kids(n: Node | undefined): Node[] {
  if (!n) return []
  const v = (n as unknown as { valueBlock?: { value?: unknown } }).valueBlock?.value
  return Array.isArray(v) ? (v as Node[]) : []
}

/** The exact encoded bytes of a node, as found in the input (a view, not a copy). */
export function raw(n: Node): Uint8Array {
  return (n as unknown as { valueBeforeDecodeView: Uint8Array }).valueBeforeDecodeView
}

/**
 * Content octets of a primitive node (a view). A constructed encoding where a primitive
 * belongs (e.g. a constructed INTEGER, found by fuzzing, issue #3) has none: empty, so
 * comparisons fail instead of throwing a TypeError.
 */
export function primitiveValue(n: Node): Uint8Array {
  return (n as unknown as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock?.valueHexView ?? new Uint8Array(0)
}

/** Bytes of an OCTET STRING, joining the pieces of a constructed (BER) one. */
export function octets(n: Node, depth = 0): Uint8Array {
  if (depth > 16) throw new Error('octet string nested too deeply')
  if (n.idBlock.isConstructed) return concat(kids(n).map((k) => octets(k, depth + 1)))
  return primitiveValue(n)
}

export function oidOf(n: Node | undefined): string | null {
  if (!n || !isUniversal(n, 6)) return null
  try {
    const s = (n as asn1js.ObjectIdentifier).valueBlock.toString()
    return /^\d+(\.\d+)+$/.test(s) ? s : null
  } catch {
    return null // malformed OID content
  }
}

/** INTEGER content as lowercase hex without leading zero octets (serial numbers). */
export function intHex(n: Node): string {
  const v = primitiveValue(n)
  let i = 0
  while (i < v.length - 1 && v[i] === 0) i++
  return toHex(v.subarray(i))
}

export function intValue(n: Node | undefined): number | null {
  if (!n || !isUniversal(n, 2)) return null
  const v = primitiveValue(n)
  if (v.length > 6) return null
  let x = 0
  for (const b of v) x = x * 256 + b
  return x
}

/** UTCTime / GeneralizedTime to ISO 8601, or null. */
export function timeOf(n: Node | undefined): string | null {
  if (!n) return null
  if (isUniversal(n, 23) || isUniversal(n, 24)) {
    const s = String.fromCharCode(...primitiveValue(n))
    const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.(\d+))?Z$/.exec(s)
    if (!m) return null
    let year = Number(m[1])
    if (m[1]!.length === 2) year += year >= 50 ? 1900 : 2000
    const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)))
    return isNaN(d.getTime()) ? null : d.toISOString()
  }
  return null
}

// ------------------------------------------------------------------- DER writer

function lengthBytes(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n)
  const out: number[] = []
  while (n > 0) {
    out.unshift(n & 0xff)
    n = Math.floor(n / 256)
  }
  return Uint8Array.from([0x80 | out.length, ...out])
}

/** Tag-length-value with a one-byte tag (all tags CMS needs here are < 31). */
export function tlv(tag: number, ...content: Uint8Array[]): Uint8Array {
  let len = 0
  for (const c of content) len += c.length
  return concat([Uint8Array.of(tag), lengthBytes(len), ...content])
}

export const seq = (...c: Uint8Array[]) => tlv(0x30, ...c)
export const set = (...c: Uint8Array[]) => tlv(0x31, ...c)
export const octetString = (b: Uint8Array) => tlv(0x04, b)
export const derNull = () => Uint8Array.of(0x05, 0x00)

export function oid(dotted: string): Uint8Array {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [parts[0]! * 40 + parts[1]!]
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f]
    let v = Math.floor(p / 128)
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80)
      v = Math.floor(v / 128)
    }
    out.push(...stack)
  }
  return tlv(0x06, Uint8Array.from(out))
}

export function int(n: number): Uint8Array {
  const out: number[] = []
  do {
    out.unshift(n & 0xff)
    n = Math.floor(n / 256)
  } while (n > 0)
  if (out[0]! & 0x80) out.unshift(0)
  return tlv(0x02, Uint8Array.from(out))
}

/** INTEGER from unsigned big-endian magnitude bytes (ECDSA r and s). */
export function uint(b: Uint8Array): Uint8Array {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  const v = b.subarray(i)
  return v[0]! & 0x80 ? tlv(0x02, Uint8Array.of(0), v) : tlv(0x02, v)
}

/** UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5652 §11.3). */
export function time(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, '0')
  const y = d.getUTCFullYear()
  const rest = `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
  const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0))
  if (y >= 1950 && y < 2050) return tlv(0x17, enc(p(y % 100) + rest))
  return tlv(0x18, enc(String(y).padStart(4, '0') + rest))
}

/** DER SET OF: elements sorted by their encodings (X.690 §11.6). */
export function setOf(items: Uint8Array[]): Uint8Array {
  const sorted = [...items].sort((a, b) => {
    const n = Math.min(a.length, b.length)
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
    return a.length - b.length
  })
  return set(...sorted)
}

/**
 * A DER node whose bytes are written once at the end: wrapping a 25 MB eContent in
 * five layers of SEQUENCE/[0] would otherwise copy it five times.
 */
export interface Lazy {
  tag: number
  children: (Uint8Array | Lazy)[]
  len: number
}

function size(x: Uint8Array | Lazy): number {
  return x instanceof Uint8Array ? x.length : x.len
}

export function lazy(tag: number, ...children: (Uint8Array | Lazy)[]): Lazy {
  let content = 0
  for (const c of children) content += size(c)
  return { tag, children, len: 1 + lengthBytes(content).length + content }
}

export function serialize(root: Lazy): Uint8Array {
  const out = new Uint8Array(root.len)
  const write = (n: Uint8Array | Lazy, at: number): number => {
    if (n instanceof Uint8Array) {
      out.set(n, at)
      return at + n.length
    }
    let content = 0
    for (const c of n.children) content += size(c)
    out[at++] = n.tag
    const lb = lengthBytes(content)
    out.set(lb, at)
    at += lb.length
    for (const c of n.children) at = write(c, at)
    return at
  }
  write(root, 0)
  return out
}
