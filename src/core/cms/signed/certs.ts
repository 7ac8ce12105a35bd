/**
 * Just enough of X.509 (RFC 5280 §4.1) to find a signer certificate by its CMS signer
 * identifier and to import its public key. Path validation is src/core/pki's job.
 */
import { parseDer } from '../../asn1/der'
import { OID } from '../../asn1/oids'
import { equal, toHex } from '../../util/bytes'
import { intHex, isContext, isUniversal, kids, oidOf, primitiveValue, raw } from './asn'

export interface CertInfo {
  der: Uint8Array
  /** Exact DER of the issuer and subject Names. */
  issuer: Uint8Array
  subject: Uint8Array
  /** Exact DER of the serialNumber INTEGER (tag and length included). */
  serialDer: Uint8Array
  serialHex: string
  /** subjectKeyIdentifier extension value, hex, or null. */
  ski: string | null
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array
  /** 'rsa' | 'rsa-pss' | 'ec' | 'ed25519' | other OID */
  keyType: string
  /** Named curve OID for EC keys. */
  curve: string | null
}

/** Parse a certificate, or null when it is not one. */
export function certInfo(der: Uint8Array): CertInfo | null {
  try {
    const cert = parseDer(der, 'certificate')
    const tbs = kids(cert)[0]
    let f = kids(tbs)
    if (isContext(f[0], 0)) f = f.slice(1)
    const [serial, , issuer, , subject, spki] = f
    if (!serial || !issuer || !subject || !spki) return null
    const alg = kids(kids(spki)[0])
    const algOid = oidOf(alg[0])
    const keyType =
      algOid === OID.rsaEncryption ? 'rsa' : algOid === OID.rsassaPss ? 'rsa-pss' : algOid === OID.ecPublicKey ? 'ec' : algOid === OID.ed25519 ? 'ed25519' : (algOid ?? '?')
    let ski: string | null = null
    const extsWrap = f.find((n) => isContext(n, 3))
    for (const ext of kids(kids(extsWrap)[0])) {
      const e = kids(ext)
      if (oidOf(e[0]) !== OID.subjectKeyIdentifier) continue
      const value = e[e.length - 1]
      if (value && isUniversal(value, 4)) {
        const inner = parseDer(primitiveValue(value), 'subjectKeyIdentifier')
        ski = toHex(primitiveValue(inner))
      }
    }
    return {
      der,
      issuer: raw(issuer),
      subject: raw(subject),
      serialDer: raw(serial),
      serialHex: intHex(serial),
      ski,
      spki: raw(spki),
      keyType,
      curve: keyType === 'ec' ? oidOf(alg[1]) : null,
    }
  } catch {
    return null
  }
}

/** Find a certificate by issuer Name DER + serial INTEGER DER, or by SKI (hex). */
export function findCert(
  certs: CertInfo[],
  sid: { issuer?: Uint8Array; serialDer?: Uint8Array; ski?: string },
): CertInfo | null {
  for (const c of certs) {
    if (sid.ski !== undefined && c.ski === sid.ski) return c
    if (sid.issuer && sid.serialDer && equal(c.issuer, sid.issuer) && equal(c.serialDer, sid.serialDer)) return c
  }
  return null
}
