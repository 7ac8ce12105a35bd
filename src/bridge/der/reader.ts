/**
 * A small DER reader (X.690) for the public structures the bridge must look at: the
 * names in a PKCS#10 request it vouches for as registration authority, the CA's
 * certificate, and the shape of a CRL it relays. It reads tags, lengths and a handful of
 * primitive types; it does no cryptography (signatures are checked with node:crypto) and
 * never sees a key. The bridge does not import the engine's ASN.1 and crypto libraries
 * (DESIGN.md: a pipe for bytes), so this is ours, kept to what those three readers need.
 *
 * Every helper is total on hostile input: a wrong shape, a length past the end, an
 * indefinite or non-minimal length (BER, not DER) or a tag number too large throws Malformed.
 */

export class Malformed extends Error {}

/** One element: its tag, its content octets and its whole encoding (what a signature covers). */
export interface Der {
  /** 0 universal, 1 application, 2 context-specific, 3 private (the top two bits of the tag). */
  cls: number
  constructed: boolean
  tag: number
  content: Uint8Array
  encoding: Uint8Array
}

const UNIVERSAL = 0
const CONTEXT = 2
const T = { BOOLEAN: 1, INTEGER: 2, BIT_STRING: 3, OCTET_STRING: 4, NULL: 5, OID: 6, SEQUENCE: 16, SET: 17 } as const

/** Reads the element at `at`; returns it and where the next one starts. */
function readOne(bytes: Uint8Array, at: number): { node: Der; next: number } {
  const start = at
  if (at >= bytes.length) throw new Malformed('truncated: no tag')
  const first = bytes[at++]!
  let tag = first & 0x1f
  if (tag === 0x1f) {
    tag = 0
    for (let i = 0; ; i++) {
      if (i === 4 || at >= bytes.length) throw new Malformed('tag number too large or truncated')
      const b = bytes[at++]!
      tag = tag * 128 + (b & 0x7f)
      if (!(b & 0x80)) break
    }
  }
  if (at >= bytes.length) throw new Malformed('truncated: no length')
  let length = bytes[at++]!
  if (length === 0x80) throw new Malformed('indefinite length (BER, not DER)')
  if (length > 0x80) {
    const n = length & 0x7f
    if (n > 4 || at + n > bytes.length) throw new Malformed('length too large or truncated')
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + bytes[at++]!
    if (length < 0x80 || length < 256 ** (n - 1)) throw new Malformed('length not in its shortest form (not DER)')
  }
  if (at + length > bytes.length) throw new Malformed('length past the end')
  const node = { cls: first >> 6, constructed: (first & 0x20) !== 0, tag, content: bytes.subarray(at, at + length), encoding: bytes.subarray(start, at + length) }
  return { node, next: at + length }
}

/** Parses exactly `bytes` (nothing after the outer element). */
export function parseExact(bytes: Uint8Array): Der {
  const { node, next } = readOne(bytes, 0)
  if (next !== bytes.length) throw new Malformed('not one DER element')
  return node
}

const isUniversal = (node: Der | undefined, tag: number): node is Der => !!node && node.cls === UNIVERSAL && node.tag === tag

/** The children of a constructed element (SEQUENCE, SET, constructed [n]). */
export function childrenOf(node: Der | undefined, what: string): Der[] {
  if (!node || !node.constructed) throw new Malformed(`${what} is not constructed`)
  const out: Der[] = []
  for (let at = 0; at < node.content.length; ) {
    const { node: child, next } = readOne(node.content, at)
    out.push(child)
    at = next
  }
  return out
}

export function sequence(node: Der | undefined, what: string): Der[] {
  if (!isUniversal(node, T.SEQUENCE) || !node.constructed) throw new Malformed(`${what} is not a SEQUENCE`)
  return childrenOf(node, what)
}

export function set(node: Der | undefined, what: string): Der[] {
  if (!isUniversal(node, T.SET) || !node.constructed) throw new Malformed(`${what} is not a SET`)
  return childrenOf(node, what)
}

/** OBJECT IDENTIFIER in dotted form (X.690 §8.19). */
export function oid(node: Der | undefined, what: string): string {
  if (!isUniversal(node, T.OID) || node.constructed || node.content.length === 0) throw new Malformed(`${what} is not an OBJECT IDENTIFIER`)
  const arcs: number[] = []
  let v = 0
  for (let i = 0; i < node.content.length; i++) {
    const b = node.content[i]!
    v = v * 128 + (b & 0x7f)
    if (v > Number.MAX_SAFE_INTEGER) throw new Malformed(`${what} has an arc too large`)
    if (b & 0x80) continue
    if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80)
    else arcs.push(v)
    v = 0
  }
  if (node.content[node.content.length - 1]! & 0x80) throw new Malformed(`${what} ends inside an arc`)
  return arcs.join('.')
}

export const isOid = (node: Der | undefined): node is Der => isUniversal(node, T.OID) && !node.constructed
export const isNull = (node: Der | undefined): boolean => isUniversal(node, T.NULL) && node.content.length === 0

/** A BOOLEAN that is TRUE (DER: 0xFF); false for FALSE or anything else. */
export function isTrue(node: Der | undefined): boolean {
  return isUniversal(node, T.BOOLEAN) && node.content.length === 1 && node.content[0] !== 0
}

/** Content octets of a primitive element (OCTET STRING, implicit [n] primitive, INTEGER…). */
export function contentOf(node: Der | undefined, what: string): Uint8Array {
  if (!node || node.constructed) throw new Malformed(`${what} is not primitive`)
  return node.content
}

export function octets(node: Der | undefined, what: string): Uint8Array {
  if (!isUniversal(node, T.OCTET_STRING)) throw new Malformed(`${what} is not an OCTET STRING`)
  return contentOf(node, what)
}

/** The bytes of a BIT STRING with no unused bits (signatures, keys). */
export function bitStringBytes(node: Der | undefined, what: string): Uint8Array {
  if (!isUniversal(node, T.BIT_STRING) || node.constructed || node.content.length === 0) throw new Malformed(`${what} is not a BIT STRING`)
  if (node.content[0] !== 0) throw new Malformed(`${what} does not end on a byte`)
  return node.content.subarray(1)
}

export function isBitString(node: Der | undefined): boolean {
  return isUniversal(node, T.BIT_STRING)
}

/** A small non-negative INTEGER (up to 2^48). */
export function smallInteger(node: Der | undefined, what: string): number {
  if (!isUniversal(node, T.INTEGER) || node.constructed || node.content.length === 0 || node.content.length > 6) throw new Malformed(`${what} is not a small INTEGER`)
  if (node.content[0]! & 0x80) throw new Malformed(`${what} is negative`)
  return node.content.reduce((n, b) => n * 256 + b, 0)
}

export function isInteger(node: Der | undefined): boolean {
  return isUniversal(node, T.INTEGER)
}

export function isContext(node: Der, tag: number): boolean {
  return node.cls === CONTEXT && node.tag === tag
}

/** A context-specific [n] tag's number, or undefined for any other class. */
export function contextTag(node: Der): number | undefined {
  return node.cls === CONTEXT ? node.tag : undefined
}

/** The complete encoding (tag, length, content) of an element: what a signature covers. */
export function encodingOf(node: Der): Uint8Array {
  return node.encoding
}

/** Text of a directory string (UTF8String, PrintableString, IA5String, BMPString, …). */
export function text(node: Der | undefined, what: string): string {
  if (!node || node.cls !== UNIVERSAL || node.constructed) throw new Malformed(`${what} is not a string`)
  const c = node.content
  switch (node.tag) {
    case 12: // UTF8String
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(c)
      } catch {
        throw new Malformed(`${what} is not UTF-8`)
      }
    case 30: // BMPString: UTF-16BE
      if (c.length % 2) throw new Malformed(`${what} is not a BMPString`)
      return Array.from({ length: c.length / 2 }, (_, i) => String.fromCharCode((c[2 * i]! << 8) | c[2 * i + 1]!)).join('')
    case 18: // NumericString
    case 19: // PrintableString
    case 20: // TeletexString (read as Latin-1, as most readers do)
    case 22: // IA5String
    case 26: // VisibleString
      return Buffer.from(c).toString('latin1')
    default:
      throw new Malformed(`${what} is not a string`)
  }
}
