import * as asn1js from 'asn1js'
import * as pkijs from 'pkijs'
import { parseDer } from '../asn1/der'
import { CoreError } from '../errors'
import { equal, toHex } from '../util/bytes'
import { children, encoded, integerBytes, isContext, isExactConstructed } from './asn1-walk'
import { formatName, nameKey } from './name'
import type { SignedObject } from './verify'

/**
 * A certificate revocation list (RFC 5280 §5), parsed into plain data. Only
 * complete CRLs from the certificate's own issuer are used; indirect and delta
 * CRLs are not (they are rare in S/MIME deployments).
 */
export interface ParsedCrl extends SignedObject {
  der: Uint8Array
  issuer: string
  issuerDer: Uint8Array
  issuerKey: string
  thisUpdate: Date
  nextUpdate: Date | null
  /** Revoked serial (lowercase hex, no leading zeros) → revocation date. */
  revoked: Map<string, Date>
}

const cache = new WeakMap<Uint8Array, ParsedCrl>()

export function parseCrl(der: Uint8Array): ParsedCrl {
  const hit = cache.get(der)
  if (hit) return hit
  const asn1 = parseDer(der, 'CRL')
  let crl: pkijs.CertificateRevocationList
  try {
    crl = new pkijs.CertificateRevocationList({ schema: asn1 })
  } catch (e) {
    throw new CoreError('asn1', 'The data is not a certificate revocation list (CRL).', { cause: e })
  }
  const tbs = children(asn1)[0]!
  // TBSCertList: version INTEGER OPTIONAL, signature, issuer, ...
  const fields = children(tbs)
  const innerAlg = fields[0] instanceof asn1js.Integer ? fields[1] : fields[0]
  if (
    !isExactConstructed(asn1, der) ||
    crl.signatureValue.valueBlock.unusedBits !== 0 ||
    !innerAlg ||
    !equal(encoded(innerAlg), encoded(children(asn1)[1]!))
  ) {
    throw new CoreError('asn1', 'The CRL is not in DER form or its signature algorithm fields differ.')
  }
  const issuerNode = fields[0] instanceof asn1js.Integer ? fields[2] : fields[1]
  if (!issuerNode || isContext(issuerNode, 0)) throw new CoreError('asn1', 'The CRL has no issuer name.')
  const revoked = new Map<string, Date>()
  for (const entry of crl.revokedCertificates ?? []) {
    revoked.set(toHex(integerBytes(entry.userCertificate)), entry.revocationDate.value)
  }
  const parsed: ParsedCrl = {
    der,
    tbs: encoded(tbs),
    sigAlg: crl.signatureAlgorithm.algorithmId,
    sigAlgParams: crl.signatureAlgorithm.algorithmParams as asn1js.AsnType | undefined,
    signature: crl.signatureValue.valueBlock.valueHexView,
    issuer: formatName(issuerNode),
    issuerDer: encoded(issuerNode),
    issuerKey: nameKey(issuerNode),
    thisUpdate: crl.thisUpdate.value,
    nextUpdate: crl.nextUpdate?.value ?? null,
    revoked,
  }
  cache.set(der, parsed)
  return parsed
}
