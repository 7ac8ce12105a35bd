import { OID } from '../asn1/oids'
import { isSelfIssued, keyInfo, shortName, type ParsedCert } from './certificate'

/**
 * Weak and broken algorithms in a certification path (RFC 5280 §6.1 leaves the
 * algorithm policy to the relying party; this is Cachet's).
 *
 * - MD2 and MD5 signatures are broken (RFC 6149, RFC 6151: MD5 collisions were used
 *   to forge a CA certificate in 2008), so a certificate or CRL signed with one proves
 *   nothing: the path is not acceptable. WebCrypto cannot verify them anyway; this
 *   names the reason instead of "the signature does not verify".
 * - SHA-1 signatures are accepted but reported as weak (chosen-prefix collisions are
 *   practical since 2020, "SHA-1 is a Shambles"; RFC 8551 §2.5.1 lets receivers still
 *   accept SHA-1, as Cachet does for a SignerInfo's digest).
 * - RSA keys: under 1024 bits are not acceptable; under 2048 bits are weak
 *   (NIST SP 800-131A: 2048 is the minimum since 2014).
 *
 * The trust anchor's own signature is not judged: it is trusted because the user or
 * the root store says so, not because of its self-signature (RFC 5280 §6.1.1 (d)).
 * Its key is judged, since that key vouches for the next certificate down.
 */
export interface PathWeakness {
  /** Position in the path: 0 is the end-entity (signer's or recipient's) certificate. */
  index: number
  /** Subject of that certificate (RFC 4514 string). */
  subject: string
  /** 'signature': the certificate is signed with a weak algorithm; 'key': its own key is short. */
  kind: 'signature' | 'key'
  /** 'sha1' for a SHA-1 signature; 'rsa-1024' (etc.) for a short RSA key. */
  algorithm: string
  /** The finding in words. */
  reason: string
}

export interface AlgorithmCheck {
  /** Why the path is not acceptable (broken algorithms); empty when acceptable. */
  rejected: string[]
  /** Weak but accepted algorithms, leaf first. */
  weak: PathWeakness[]
}

/** Broken signature algorithms (OID → name for people). */
const BROKEN_SIGNATURES: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'MD2 (md2WithRSAEncryption)',
  '1.2.840.113549.1.1.3': 'MD4 (md4WithRSAEncryption)',
  '1.2.840.113549.1.1.4': 'MD5 (md5WithRSAEncryption)',
}

/** SHA-1 signature algorithms: RSA (RFC 3279 §2.2.1), ECDSA (RFC 3279 §2.2.3), DSA (RFC 3279 §2.2.2). */
const SHA1_SIGNATURES = new Set<string>([OID.sha1WithRSA, OID.ecdsaWithSHA1, '1.2.840.10040.4.3', '1.3.14.3.2.29'])

export const RSA_MIN_ACCEPTED_BITS = 1024
export const RSA_MIN_STRONG_BITS = 2048

/** The broken hash a signature algorithm uses ('MD5 (md5WithRSAEncryption)'), or null. */
export function brokenSignatureAlgorithm(sigAlgOid: string): string | null {
  return BROKEN_SIGNATURES[sigAlgOid] ?? null
}

export function isSha1Signature(sigAlgOid: string): boolean {
  return SHA1_SIGNATURES.has(sigAlgOid)
}

/** Why a certificate signed with a broken algorithm cannot be used. */
export function brokenSignatureReason(c: ParsedCert, algorithm: string): string {
  return `${shortName(c)} is signed with ${algorithm}, which is broken: anyone could have forged that signature, so the certificate cannot be trusted.`
}

/**
 * Judge the algorithms of a path, leaf first. `anchorTerminated`: the last
 * certificate is a trust anchor (its signature is then not judged). A self-issued
 * certificate at the top of an incomplete path is not judged by its signature either.
 */
export function pathAlgorithmProblems(path: readonly ParsedCert[], anchorTerminated: boolean): AlgorithmCheck {
  const rejected: string[] = []
  const weak: PathWeakness[] = []
  path.forEach((c, i) => {
    const top = i === path.length - 1
    const judgeSignature = !(top && (anchorTerminated || isSelfIssued(c)))
    if (judgeSignature) {
      const broken = brokenSignatureAlgorithm(c.sigAlg)
      if (broken) rejected.push(brokenSignatureReason(c, broken))
      else if (isSha1Signature(c.sigAlg)) {
        weak.push({
          index: i,
          subject: c.subject,
          kind: 'signature',
          algorithm: 'sha1',
          reason: `${shortName(c)} is signed with SHA-1, which is no longer safe: SHA-1 collisions can be computed.`,
        })
      }
    }
    const key = keyInfo(c)
    if ((c.keyAlgOid === OID.rsaEncryption || c.keyAlgOid === OID.rsassaPss) && key.keySize !== undefined) {
      const bits = key.keySize
      if (bits < RSA_MIN_ACCEPTED_BITS) {
        rejected.push(`${shortName(c)} has a ${bits}-bit RSA key, which can be broken: keys under ${RSA_MIN_ACCEPTED_BITS} bits are not accepted.`)
      } else if (bits < RSA_MIN_STRONG_BITS) {
        weak.push({
          index: i,
          subject: c.subject,
          kind: 'key',
          algorithm: `rsa-${bits}`,
          reason: `${shortName(c)} has a ${bits}-bit RSA key, which is no longer safe: at least ${RSA_MIN_STRONG_BITS} bits are needed.`,
        })
      }
    }
  })
  return { rejected, weak }
}
