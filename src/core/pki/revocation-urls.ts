/**
 * Which CRLs to fetch: those named by certificates whose chain ends at an anchor the
 * user trusts, and whose revocation is still unknown. The distribution point of a
 * stranger's self-signed (or otherwise untrusted) certificate is a URL its owner chose:
 * fetching it would tell the sender when, and from where, the mail was read, with remote
 * content blocked (issue 11). A trusted chain's URL is its CA's.
 */
import type { CryptoLike } from '../crypto'
import type { TrustAnchorInput } from '../types'
import { parseCertificate } from './certificate'
import { validateCertificate } from './validate'

/** Bound per call: a message or an address book names a few; a hostile one could name thousands. */
export const MAX_CRL_URLS = 20

export async function crlUrlsToFetch(
  certificates: readonly Uint8Array[],
  ctx: { anchors: TrustAnchorInput[]; intermediates: Uint8Array[]; crls: Uint8Array[]; at?: Date },
  crypto: CryptoLike,
): Promise<string[]> {
  const urls = new Set<string>()
  for (const der of certificates) {
    if (urls.size >= MAX_CRL_URLS) break
    let dps: string[]
    try {
      dps = parseCertificate(der).crlUris.filter((u) => /^https?:\/\//i.test(u))
    } catch {
      continue
    }
    if (dps.length === 0) continue
    const v = await validateCertificate(der, { ...ctx, purpose: 'email-signing' }, crypto).catch(() => null)
    // anchor: a path to a trusted anchor was found. An expired certificate's revocation no
    // longer matters; a known state needs no fetch.
    if (!v || v.anchor === null || v.status === 'expired' || v.revocation !== 'unknown') continue
    for (const u of dps) urls.add(u)
  }
  return [...urls].slice(0, MAX_CRL_URLS)
}
