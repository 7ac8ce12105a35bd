/**
 * Is this a CRL (RFC 5280 §5.1)? The relay passes on only what has a CertificateList's
 * shape, so it cannot be used to fetch arbitrary bytes (a web page, a redirect target's
 * HTML, an internal document) through the bridge. Shape only, with the bridge's own DER
 * reader: the browser checks the signature and contents; the bridge decides no trust.
 *
 *   CertificateList ::= SEQUENCE { tbsCertList SEQUENCE {...}, signatureAlgorithm SEQUENCE, signatureValue BIT STRING }
 *
 * A PEM CRL ("X509 CRL") is accepted and relayed as its DER.
 */
import { isBitString, isInteger, Malformed, parseExact, sequence } from '../der/reader'

const PEM = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/

export function asCrlDer(body: Buffer): Buffer | null {
  let der = body
  if (body.length > 0 && body[0] !== 0x30) {
    const m = PEM.exec(body.toString('latin1'))
    if (!m) return null
    der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')
  }
  try {
    const [tbs, alg, sig, ...more] = sequence(parseExact(der), 'CertificateList')
    if (more.length || !isBitString(sig)) return null
    sequence(alg, 'signatureAlgorithm')
    // tbsCertList starts with an optional version INTEGER, then the signature AlgorithmIdentifier and the issuer Name.
    const fields = sequence(tbs, 'tbsCertList')
    const first = isInteger(fields[0]) ? 1 : 0
    sequence(fields[first], 'signature')
    sequence(fields[first + 1], 'issuer')
    return der
  } catch (e) {
    if (e instanceof Malformed) return null
    throw e
  }
}
