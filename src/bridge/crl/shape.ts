/**
 * Is this a CRL (RFC 5280 §5.1)? The relay passes on only what has a CertificateList's
 * shape, so it cannot be used to fetch arbitrary bytes (a web page, a redirect target's
 * HTML, an internal document) through the bridge. Shape only: the browser checks the
 * signature and contents; the bridge decides no trust.
 *
 *   CertificateList ::= SEQUENCE { tbsCertList SEQUENCE {...}, signatureAlgorithm SEQUENCE, signatureValue BIT STRING }
 *
 * A PEM CRL ("X509 CRL") is accepted and relayed as its DER.
 */
import * as asn1js from 'asn1js'

const PEM = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/

export function asCrlDer(body: Buffer): Buffer | null {
  let der = body
  if (body.length > 0 && body[0] !== 0x30) {
    const m = PEM.exec(body.toString('latin1'))
    if (!m) return null
    der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')
  }
  const view = new Uint8Array(der.buffer, der.byteOffset, der.byteLength)
  const parsed = asn1js.fromBER(view)
  if (parsed.offset === -1 || parsed.offset !== der.length) return null
  const top = parsed.result
  if (!(top instanceof asn1js.Sequence) || top.valueBlock.value.length !== 3) return null
  const [tbs, alg, sig] = top.valueBlock.value
  if (!(tbs instanceof asn1js.Sequence) || !(alg instanceof asn1js.Sequence) || !(sig instanceof asn1js.BitString)) return null
  // tbsCertList starts with an optional version INTEGER, then the signature AlgorithmIdentifier and the issuer Name.
  const fields = tbs.valueBlock.value
  const first = fields[0] instanceof asn1js.Integer ? 1 : 0
  if (!(fields[first] instanceof asn1js.Sequence) || !(fields[first + 1] instanceof asn1js.Sequence)) return null
  return der
}
