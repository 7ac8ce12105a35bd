/**
 * The little ASN.1 the registration authority reads: names in a PKCS#10 request and in
 * the CA's certificate. Public data only; this is the one corner of the bridge allowed to
 * import asn1js (see eslint.config.js), and it never touches a key. Every helper is total:
 * a node of the wrong shape throws Malformed, which the callers turn into csr_invalid.
 */
import * as asn1js from 'asn1js'

export class Malformed extends Error {}

export const OID = {
  commonName: '2.5.4.3',
  emailAddress: '1.2.840.113549.1.9.1',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  ecPublicKey: '1.2.840.10045.2.1',
} as const

/** Parses exactly `bytes` (nothing after the outer element) as BER. */
export function parseExact(bytes: Uint8Array): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(bytes)
  if (offset !== bytes.length || result.error) throw new Malformed('not one ASN.1 element')
  return result
}

/** The children of a SEQUENCE / SET / constructed [n], checked to be one of those. */
export function childrenOf(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!node || !node.idBlock.isConstructed || node instanceof asn1js.OctetString || node instanceof asn1js.BitString) {
    throw new Malformed(`${what} is not constructed`)
  }
  const lb = (node as { lenBlock?: { isIndefiniteForm?: boolean } }).lenBlock
  if (lb?.isIndefiniteForm) throw new Malformed(`${what} has an indefinite length (not DER)`)
  return (node as { valueBlock: { value: asn1js.AsnType[] } }).valueBlock.value
}

export function sequence(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) throw new Malformed(`${what} is not a SEQUENCE`)
  return childrenOf(node, what)
}

export function set(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Set)) throw new Malformed(`${what} is not a SET`)
  return childrenOf(node, what)
}

export function oid(node: asn1js.AsnType | undefined, what: string): string {
  if (!(node instanceof asn1js.ObjectIdentifier)) throw new Malformed(`${what} is not an OBJECT IDENTIFIER`)
  return node.valueBlock.toString()
}

/** Content octets of a primitive node (OCTET STRING, implicit [n] primitive, INTEGER…). */
export function contentOf(node: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!node || node.idBlock.isConstructed) throw new Malformed(`${what} is not primitive`)
  return (node as { valueBlock: { valueHexView: Uint8Array } }).valueBlock.valueHexView
}

export function octets(node: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(node instanceof asn1js.OctetString)) throw new Malformed(`${what} is not an OCTET STRING`)
  return contentOf(node, what)
}

/** The bytes of a BIT STRING with no unused bits (signatures, keys). */
export function bitStringBytes(node: asn1js.AsnType | undefined, what: string): Uint8Array {
  if (!(node instanceof asn1js.BitString) || node.idBlock.isConstructed) throw new Malformed(`${what} is not a BIT STRING`)
  if (node.valueBlock.unusedBits !== 0) throw new Malformed(`${what} does not end on a byte`)
  return node.valueBlock.valueHexView
}

export function smallInteger(node: asn1js.AsnType | undefined, what: string): number {
  if (!(node instanceof asn1js.Integer)) throw new Malformed(`${what} is not an INTEGER`)
  return node.valueBlock.valueDec
}

export function isContext(node: asn1js.AsnType, tag: number): boolean {
  return node.idBlock.tagClass === 3 && node.idBlock.tagNumber === tag
}

/** The complete encoding (tag, length, content) of a parsed node: what a signature covers. */
export function encodingOf(node: asn1js.AsnType): Uint8Array {
  return node.valueBeforeDecodeView
}

/** Text of a directory string (UTF8String, PrintableString, IA5String, BMPString…). */
export function text(node: asn1js.AsnType | undefined, what: string): string {
  const v = (node as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock?.value
  if (typeof v !== 'string' || !node || node.idBlock.tagClass !== 1) throw new Malformed(`${what} is not a string`)
  return v
}

/** A Name (RFC 5280 §4.1.2.4) as its attributes in order: type OID and value node. */
export function nameAttributes(node: asn1js.AsnType | undefined, what: string): { type: string; value: asn1js.AsnType }[] {
  return sequence(node, what).flatMap((rdn) =>
    set(rdn, `${what} RDN`).map((atv) => {
      const [type, value] = sequence(atv, `${what} attribute`)
      if (!value) throw new Malformed(`${what} attribute has no value`)
      return { type: oid(type, `${what} attribute type`), value }
    }),
  )
}

/** The subject CN of a certificate (DER), or null when it has none or cannot be read. */
export function certificateCommonName(der: Uint8Array): string | null {
  try {
    const tbs = sequence(sequence(parseExact(der), 'certificate')[0], 'tbsCertificate')
    // version [0] is optional: the subject is the 6th field with it, the 5th without.
    const subject = tbs[0] && isContext(tbs[0], 0) ? tbs[5] : tbs[4]
    const cn = nameAttributes(subject, 'subject').find((a) => a.type === OID.commonName)
    return cn ? text(cn.value, 'CN') : null
  } catch {
    return null
  }
}
