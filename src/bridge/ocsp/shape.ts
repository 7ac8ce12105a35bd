/**
 * Is this an OCSP request, or an OCSP response (RFC 6960 §4.1, §4.2)? Shape only, with the
 * bridge's own DER reader, as crl/shape.ts does for CRLs: the relay sends out only what
 * is an OCSPRequest (so it cannot be made to POST arbitrary bytes to a server) and passes
 * back only what is an OCSPResponse (so it cannot fetch a web page or an internal
 * document). The browser checks signatures, CertIDs, nonces and dates; the bridge decides
 * no trust.
 *
 *   OCSPRequest  ::= SEQUENCE { tbsRequest SEQUENCE { [0] version OPTIONAL, [1] requestorName OPTIONAL,
 *                               requestList SEQUENCE OF Request, [2] requestExtensions OPTIONAL },
 *                               [0] optionalSignature OPTIONAL }
 *   Request      ::= SEQUENCE { reqCert CertID SEQUENCE (4 fields), [0] singleRequestExtensions OPTIONAL }
 *   OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED, [0] EXPLICIT SEQUENCE { responseType OID, response OCTET STRING } OPTIONAL }
 */
import { childrenOf, contextTag, isOid, Malformed, octets, oid, parseExact, sequence, type Der } from '../der/reader'

const ENUMERATED = 10
const ID_PKIX_OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1'

function shapeOnly(f: () => boolean): boolean {
  try {
    return f()
  } catch (e) {
    if (e instanceof Malformed) return false
    throw e
  }
}

export function isOcspRequest(der: Uint8Array): boolean {
  return shapeOnly(() => {
    const [tbs, signature, ...more] = sequence(parseExact(der), 'OCSPRequest')
    if (more.length || (signature && contextTag(signature) !== 0)) return false
    const fields = sequence(tbs, 'tbsRequest')
    let i = 0
    while (fields[i] && (contextTag(fields[i]!) === 0 || contextTag(fields[i]!) === 1)) i++
    const list = sequence(fields[i], 'requestList')
    if (list.length === 0) return false
    for (const request of list) {
      const [certId] = sequence(request, 'Request')
      const [alg, nameHash, keyHash, serial, ...rest] = sequence(certId, 'CertID')
      if (rest.length || !serial) return false
      sequence(alg, 'hashAlgorithm')
      octets(nameHash, 'issuerNameHash')
      octets(keyHash, 'issuerKeyHash')
    }
    const after = fields.slice(i + 1)
    return after.every((f) => contextTag(f) === 2) && after.length <= 1
  })
}

export function isOcspResponse(der: Uint8Array): boolean {
  return shapeOnly(() => {
    const [status, bytes, ...more] = sequence(parseExact(der), 'OCSPResponse')
    if (more.length || !isEnumerated(status)) return false
    // Only "successful" carries responseBytes; an error status is a complete answer on its own
    if (!bytes) return status.content[0] !== 0
    if (contextTag(bytes) !== 0) return false
    const [inner, ...extra] = childrenOf(bytes, 'responseBytes')
    const [type, response, ...rest] = sequence(inner, 'ResponseBytes')
    if (extra.length || rest.length || !isOid(type)) return false
    const body = octets(response, 'response')
    // The basic response is the only type RFC 6960 defines; it must be a SEQUENCE itself
    if (oid(type, 'responseType') === ID_PKIX_OCSP_BASIC) sequence(parseExact(body), 'BasicOCSPResponse')
    return true
  })
}

function isEnumerated(node: Der | undefined): node is Der {
  return !!node && node.cls === 0 && node.tag === ENUMERATED && !node.constructed && node.content.length === 1
}
