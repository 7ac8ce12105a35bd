/**
 * Which of the certificates a directory publishes for an address may be encrypted to.
 * A directory (LDAP, the bridge relays it) is public data that anyone able to write to it
 * could have filled: a certificate from it is used only when it chains to an anchor the
 * user trusts, names the address, allows encryption (keyUsage, extended key usage), is
 * within its validity and is not revoked by a CRL we hold (RFC 8550 §4, as for any other
 * certificate: validate.ts). Of several usable ones (after a renewal) the newest comes
 * first; callers encrypt to it.
 */
import type { CryptoLike } from '../crypto'
import type { TrustAnchorInput } from '../types'
import { parseCertificate } from './certificate'
import { validateCertificate, type CertificateStatus } from './validate'

export interface DirectoryJudgement {
  /** Usable for encryption to the address, newest (by notBefore) first. */
  usable: Uint8Array[]
  /** The rest, each with why (sentences for people). */
  rejected: { der: Uint8Array; status: CertificateStatus | 'unreadable'; reasons: string[] }[]
}

export async function judgeDirectoryCertificates(
  certificates: readonly Uint8Array[],
  address: string,
  ctx: { anchors: TrustAnchorInput[]; intermediates: Uint8Array[]; crls: Uint8Array[]; at?: Date },
  crypto: CryptoLike,
): Promise<DirectoryJudgement> {
  const email = address.trim().toLowerCase()
  const usable: { der: Uint8Array; notBefore: number }[] = []
  const rejected: DirectoryJudgement['rejected'] = []
  for (const der of certificates) {
    let notBefore: number
    try {
      notBefore = parseCertificate(der).notBefore.getTime()
    } catch {
      rejected.push({ der, status: 'unreadable', reasons: ['The directory entry is not a certificate.'] })
      continue
    }
    const v = await validateCertificate(
      der,
      { anchors: ctx.anchors, intermediates: ctx.intermediates, crls: ctx.crls, purpose: 'email-encryption', email, ...(ctx.at ? { at: ctx.at } : {}) },
      crypto,
    )
    // 'valid' already excludes a certificate a CRL revokes; the check is repeated so that
    // a change there can never let a revoked certificate through.
    if (v.status === 'valid' && v.revocation !== 'revoked') usable.push({ der, notBefore })
    else rejected.push({ der, status: v.status, reasons: v.reasons })
  }
  usable.sort((a, b) => b.notBefore - a.notBefore)
  return { usable: usable.map((u) => u.der), rejected }
}
