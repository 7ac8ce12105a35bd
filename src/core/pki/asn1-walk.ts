import * as asn1js from 'asn1js'

/**
 * Small, total helpers over asn1js nodes. Extensions are read from their raw
 * extnValue bytes with these rather than through PKI.js' parsed values, so a
 * malformed extension yields "absent" instead of an exception deep in PKI.js.
 */

/** Children of a constructed node (SEQUENCE, SET, constructed [n]); [] otherwise. */
export function children(node: asn1js.AsnType | undefined): asn1js.AsnType[] {
  const v = (node as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value
  return Array.isArray(v) ? (v as asn1js.AsnType[]) : []
}

/** Tag class (1 universal, 2 application, 3 context) and number of a node. */
export function tagOf(node: asn1js.AsnType): { cls: number; num: number } {
  return { cls: node.idBlock.tagClass, num: node.idBlock.tagNumber }
}

export function isContext(node: asn1js.AsnType, num: number): boolean {
  return node.idBlock.tagClass === 3 && node.idBlock.tagNumber === num
}

/** Content octets of a primitive node (OCTET STRING, IA5String, implicit [n] primitive). */
export function primitiveBytes(node: asn1js.AsnType): Uint8Array {
  const vb = (node as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock
  return vb?.valueHexView ?? new Uint8Array(0)
}

/** The complete encoding (tag, length, content) of a parsed node. */
export function encoded(node: asn1js.AsnType): Uint8Array {
  return node.valueBeforeDecodeView
}

export function oidValue(node: asn1js.AsnType | undefined): string | null {
  return node instanceof asn1js.ObjectIdentifier ? node.valueBlock.toString() : null
}

/** Text of a string-typed node (UTF8String, PrintableString, IA5String, BMPString...). */
export function stringValue(node: asn1js.AsnType): string | null {
  const v = (node as { valueBlock?: { value?: unknown } }).valueBlock?.value
  return typeof v === 'string' ? v : null
}

/** Unsigned big-endian integer content with leading zero octets removed. */
export function integerBytes(node: asn1js.AsnType): Uint8Array {
  const b = primitiveBytes(node)
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  return b.subarray(i)
}

/**
 * True when a constructed node is strict DER at the top: definite length, the
 * declared length equals the sum of its children, and the encoding covers all
 * of `whole`. Guards against the same signed content arriving in several
 * encodings (and so under several fingerprints).
 */
export function isExactConstructed(node: asn1js.AsnType, whole: Uint8Array): boolean {
  const len = (node as { lenBlock?: { length?: number; isIndefiniteForm?: boolean } }).lenBlock
  if (!len || len.isIndefiniteForm) return false
  const sum = children(node).reduce((n, c) => n + encoded(c).length, 0)
  return len.length === sum && encoded(node).length === whole.length
}
