/**
 * The little ASN.1 the registration authority reads: names in a PKCS#10 request and in
 * the CA's certificate. Public data only, read with the bridge's own DER reader
 * (der/reader.ts); it never touches a key. A node of the wrong shape throws Malformed,
 * which the callers turn into csr_invalid.
 */
import { isContext, Malformed, oid, parseExact, sequence, set, text, type Der } from '../der/reader'

export {
  Malformed,
  bitStringBytes,
  childrenOf,
  contentOf,
  contextTag,
  encodingOf,
  isContext,
  isNull,
  isOid,
  isTrue,
  octets,
  oid,
  parseExact,
  sequence,
  set,
  smallInteger,
  text,
  type Der,
} from '../der/reader'

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

/** A Name (RFC 5280 §4.1.2.4) as its attributes in order: type OID and value node. */
export function nameAttributes(node: Der | undefined, what: string): { type: string; value: Der }[] {
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

