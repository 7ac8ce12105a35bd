import { LIMITS } from '../../asn1/der'
import { CoreError } from '../../errors'

/**
 * A zero-copy BER/DER reader for the envelope layer.
 *
 * Why not asn1js here: `parseDer` (asn1js) copies the whole input and speculatively
 * parses the content of every primitive OCTET STRING as nested BER. For a 25 MB
 * EnvelopedData that is a full copy plus a walk over random ciphertext, and the
 * encrypted content would still have to be gathered from its 1 KiB pieces. This reader
 * returns offsets into the caller's buffer (no copies), follows indefinite lengths
 * (OpenSSL `-stream`, Outlook) and enforces the same LIMITS as `parseDer` (depth,
 * element count, size). Small sub-structures are decoded from these views directly.
 */
export interface Tlv {
  /** The identifier octet (class, constructed bit, tag number < 31). */
  tag: number
  constructed: boolean
  /** Offset of the identifier octet in `buf`. */
  start: number
  /** First content octet. */
  contentStart: number
  /** One past the last content octet (before the end-of-contents octets if indefinite). */
  contentEnd: number
  /** One past the whole element, including end-of-contents octets. */
  end: number
  indefinite: boolean
}

/** Budget shared by one parse so hostile input stays bounded in time. */
export class BerReader {
  private nodes = 0
  /** Element starts already counted against maxNodes (children are re-read when walking down). */
  private readonly counted = new Set<number>()
  /** End of each indefinite-length element, so walking down a -stream message stays linear. */
  private readonly ends = new Map<number, number>()
  constructor(readonly buf: Uint8Array) {
    if (buf.length > LIMITS.maxMessageBytes) {
      throw new CoreError('limit-exceeded', `The message is larger than ${LIMITS.maxMessageBytes >> 20} MB.`)
    }
  }

  /** Read the element at `pos` that must end by `limit`. */
  read(pos: number, limit = this.buf.length, depth = 0): Tlv {
    if (depth > LIMITS.maxDepth) throw new CoreError('limit-exceeded', 'The CMS structure is nested too deeply.')
    if (!this.counted.has(pos)) {
      this.counted.add(pos)
      if (++this.nodes > LIMITS.maxNodes) throw new CoreError('limit-exceeded', 'The CMS structure has too many elements.')
    }
    const b = this.buf
    if (pos + 2 > limit) throw bad('truncated element')
    const tag = b[pos]!
    if ((tag & 0x1f) === 0x1f) throw bad('high tag numbers are not used in CMS')
    const constructed = (tag & 0x20) !== 0
    let p = pos + 1
    const l0 = b[p++]!
    if (l0 === 0x80) {
      if (!constructed) throw bad('indefinite length on a primitive element')
      // Walk children to the end-of-contents octets once; later reads reuse the end.
      let q = this.ends.get(pos)
      if (q === undefined) {
        q = p
        for (;;) {
          if (q + 2 > limit) throw bad('missing end-of-contents')
          if (b[q] === 0 && b[q + 1] === 0) break
          q = this.read(q, limit, depth + 1).end
        }
        this.ends.set(pos, q)
      } else if (q + 2 > limit) throw bad('missing end-of-contents')
      return { tag, constructed, start: pos, contentStart: p, contentEnd: q, end: q + 2, indefinite: true }
    }
    let len = l0
    if (l0 & 0x80) {
      const n = l0 & 0x7f
      if (n > 4 || n === 0) throw bad('length field too large')
      if (p + n > limit) throw bad('truncated length')
      len = 0
      for (let i = 0; i < n; i++) len = len * 256 + b[p++]!
    }
    if (p + len > limit) throw bad('element runs past its container')
    return { tag, constructed, start: pos, contentStart: p, contentEnd: p + len, end: p + len, indefinite: false }
  }

  /** Children of a constructed element. */
  children(t: Tlv, depth = 0): Tlv[] {
    if (!t.constructed) throw bad('expected a constructed element')
    const out: Tlv[] = []
    let p = t.contentStart
    while (p < t.contentEnd) {
      const c = this.read(p, t.contentEnd, depth + 1)
      out.push(c)
      p = c.end
    }
    return out
  }

  /** Content octets of a primitive element, as a view (no copy). */
  value(t: Tlv): Uint8Array {
    return this.buf.subarray(t.contentStart, t.contentEnd)
  }

  /** The whole encoding of an element, as a view. */
  raw(t: Tlv): Uint8Array {
    return this.buf.subarray(t.start, t.end)
  }

  /**
   * The octets of an OCTET STRING, primitive or constructed (BER: nested pieces of any
   * depth). Returns a view when primitive; pieces are gathered with one copy into a
   * buffer with `extra` spare bytes at the end (so a GCM tag can be appended without
   * another copy of the content).
   */
  octets(t: Tlv, extra = 0): { bytes: Uint8Array; length: number } {
    if (!t.constructed) {
      if (extra === 0) return { bytes: this.value(t), length: t.contentEnd - t.contentStart }
      const out = new Uint8Array(t.contentEnd - t.contentStart + extra)
      out.set(this.value(t))
      return { bytes: out, length: t.contentEnd - t.contentStart }
    }
    const pieces: Tlv[] = []
    this.collect(t, pieces, 0)
    let n = 0
    for (const p of pieces) n += p.contentEnd - p.contentStart
    const out = new Uint8Array(n + extra)
    let o = 0
    for (const p of pieces) {
      out.set(this.buf.subarray(p.contentStart, p.contentEnd), o)
      o += p.contentEnd - p.contentStart
    }
    return { bytes: out, length: n }
  }

  private collect(t: Tlv, out: Tlv[], depth: number): void {
    for (const c of this.children(t, depth)) {
      if ((c.tag & 0x1f) !== 0x04) throw bad('a piece of a constructed OCTET STRING is not an OCTET STRING')
      if (c.constructed) this.collect(c, out, depth + 1)
      else out.push(c)
    }
  }
}

export function bad(what: string): CoreError {
  return new CoreError('asn1', `The encrypted message is malformed (${what}).`)
}

/** Expect a universal or context tag; throws CoreError('asn1') naming what was expected. */
export function expectTag(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw bad(`expected ${what}`)
  return t
}

/** Decode an OBJECT IDENTIFIER's content octets to dotted form. */
export function decodeOid(v: Uint8Array): string {
  if (v.length === 0 || v.length > 64) throw bad('bad object identifier')
  const arcs: number[] = []
  let acc = 0
  for (let i = 0; i < v.length; i++) {
    acc = acc * 128 + (v[i]! & 0x7f)
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw bad('object identifier arc too large')
    if (!(v[i]! & 0x80)) {
      if (arcs.length === 0) {
        const first = acc < 80 ? Math.floor(acc / 40) : 2
        arcs.push(first, acc - first * 40)
      } else arcs.push(acc)
      acc = 0
    } else if (i === v.length - 1) throw bad('truncated object identifier')
  }
  return arcs.join('.')
}

/** Read an OID element. */
export function readOid(r: BerReader, t: Tlv | undefined, what = 'an object identifier'): string {
  return decodeOid(r.value(expectTag(t, 0x06, what)))
}

/** Non-negative INTEGER content to a JS number (small values only: versions, lengths). */
export function readSmallInt(r: BerReader, t: Tlv | undefined, what = 'an integer'): number {
  const v = r.value(expectTag(t, 0x02, what))
  if (v.length === 0 || v.length > 4 || v[0]! & 0x80) throw bad(`${what} out of range`)
  let n = 0
  for (const x of v) n = n * 256 + x
  return n
}

/** AlgorithmIdentifier: the OID and the raw parameters element, if any. */
export interface AlgId {
  oid: string
  params: Tlv | undefined
  /** The whole AlgorithmIdentifier encoding (for SharedInfo keyInfo). */
  raw: Uint8Array
}

export function readAlgId(r: BerReader, t: Tlv | undefined, what = 'an algorithm identifier'): AlgId {
  const s = expectTag(t, 0x30, what)
  const kids = r.children(s)
  const oid = readOid(r, kids[0], what)
  const params = kids[1]
  return { oid, params: params && params.tag === 0x05 ? undefined : params, raw: r.raw(s) }
}
