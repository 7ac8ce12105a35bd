/**
 * Small, strict readers for the ASN.1 shapes PKCS#12 uses (RFC 7292 §4, RFC 5652),
 * over asn1js nodes. Every mismatch throws CoreError('asn1') naming what was expected;
 * the reader decides what that means (not a PFX, wrong password, corrupt file).
 */
import * as asn1js from 'asn1js'
import { CoreError } from '../errors'
import { asBytes, concat } from '../util/bytes'

export type Node = asn1js.AsnType

function fail(what: string): never {
  throw new CoreError('asn1', `Expected ${what} in the PKCS#12 structure.`)
}

/** Children of a SEQUENCE (or SET when `set`). */
export function children(n: Node | undefined, what: string, set = false): Node[] {
  const ok = set ? n instanceof asn1js.Set : n instanceof asn1js.Sequence
  if (!ok) fail(what)
  return (n as asn1js.Sequence).valueBlock.value
}

export function oid(n: Node | undefined, what: string): string {
  if (!(n instanceof asn1js.ObjectIdentifier)) fail(`an object identifier (${what})`)
  return n.getValue()
}

/** A small non-negative INTEGER as a number. */
export function int(n: Node | undefined, what: string): number {
  if (!(n instanceof asn1js.Integer)) fail(`an integer (${what})`)
  const bytes = n.valueBlock.valueHexView
  if (bytes.length > 6 || (bytes[0] ?? 0) & 0x80) fail(`a small positive integer (${what})`)
  let v = 0
  for (const b of bytes) v = v * 256 + b
  return v
}

/** Big unsigned INTEGER bytes without leading zero octets (for modulus comparison). */
export function uintBytes(n: Node | undefined, what: string): Uint8Array {
  if (!(n instanceof asn1js.Integer)) fail(`an integer (${what})`)
  const b = n.valueBlock.valueHexView
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

/**
 * Contents of an OCTET STRING, primitive or constructed (BER from NSS or Java), or of
 * an IMPLICIT-tagged one such as EncryptedContentInfo's [0].
 */
export function octets(n: Node | undefined, what: string): Uint8Array {
  if (n instanceof asn1js.OctetString) return asBytes(n.getValue())
  if (n && n.idBlock.tagClass === 3) {
    if (n instanceof asn1js.Constructed) {
      return concat(n.valueBlock.value.map((c) => octets(c, what)))
    }
    if (n instanceof asn1js.Primitive) return n.valueBlock.valueHexView
  }
  return fail(`an octet string (${what})`)
}

/** The single child of a [tag] EXPLICIT wrapper. */
export function explicit(n: Node | undefined, tag: number, what: string): Node {
  if (!n || n.idBlock.tagClass !== 3 || n.idBlock.tagNumber !== tag || !(n instanceof asn1js.Constructed)) {
    fail(`[${tag}] EXPLICIT ${what}`)
  }
  const v = n.valueBlock.value
  if (v.length !== 1) fail(`exactly one value in [${tag}] ${what}`)
  return v[0]!
}

export function isContext(n: Node | undefined, tag: number): boolean {
  return !!n && n.idBlock.tagClass === 3 && n.idBlock.tagNumber === tag
}

/** AlgorithmIdentifier: the OID and the parameters node (undefined when absent). */
export function algorithm(n: Node | undefined, what: string): { oid: string; params: Node | undefined } {
  const c = children(n, `an AlgorithmIdentifier (${what})`)
  const params = c[1]
  return { oid: oid(c[0], what), params: params instanceof asn1js.Null ? undefined : params }
}

/** DER of a node as built or parsed. */
export function der(n: Node | undefined): Uint8Array {
  // A truncated TBSCertificate has no issuer/subject node (found by fuzzing, issue #3).
  if (!n) fail('a DER element')
  return new Uint8Array(n.toBER(false))
}

/** Reparse bytes we already hold (decrypted content) under the engine's limits. */
export { parseDer } from '../asn1/der'

// builders, for writePfx and key normalisation
export const b = {
  seq: (...v: Node[]) => new asn1js.Sequence({ value: v }),
  set: (...v: Node[]) => new asn1js.Set({ value: v }),
  oid: (s: string) => new asn1js.ObjectIdentifier({ value: s }),
  int: (v: number) => new asn1js.Integer({ value: v }),
  uint: (bytes: Uint8Array) => {
    const v = bytes[0]! & 0x80 ? concat([new Uint8Array([0]), bytes]) : bytes
    return new asn1js.Integer({ valueHex: v })
  },
  octets: (v: Uint8Array) => new asn1js.OctetString({ valueHex: v }),
  bits: (v: Uint8Array) => new asn1js.BitString({ valueHex: v, unusedBits: 0 }),
  null: () => new asn1js.Null(),
  bmp: (s: string) => new asn1js.BmpString({ value: s }),
  explicit: (tag: number, v: Node) => new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: tag }, value: [v] }),
  implicitOctets: (tag: number, v: Uint8Array) => new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: tag }, valueHex: v }),
  raw: (derBytes: Uint8Array): Node => {
    const r = asn1js.fromBER(derBytes)
    if (r.offset === -1) throw new CoreError('asn1', 'Cannot re-encode a structure that does not parse.')
    return r.result
  },
}
