/**
 * OCSP answers (RFC 6960) asked through the bridge's relay (POST /api/ocsp; it only moves
 * bytes) and kept in memory for this page: core decides what to ask (ocspQuestions: only
 * certificates whose chain ends at an anchor the user trusts, so the URL is the CA's,
 * never a sender's, issue 11) and whether an answer counts (checkOcspAnswer: signer,
 * CertID, the nonce of this request, dates). Only answers that pass are kept; core checks
 * them again each time it validates (keyringForOpen passes them as Keyring.ocsp).
 *
 * Memory, not IndexedDB: an answer is current for hours at most, and a reload asking
 * again is what a browser does too. A responder that failed is left alone for a while
 * (1 min, doubling, at most 1 h), as CRL URLs are (trust.ts).
 */
import { routes } from '../../contract'
import { toBase64 } from '../../core/util/base64'
import { requestBytes } from '../api/client'
import { checkOcspAnswer, ocspQuestions } from '../pki'
import type { PublicKeyring } from '../workers/client'

/** Answers kept per certificate (CertID key): at most this many, oldest dropped first. */
const MAX_KEPT = 500
const kept = new Map<string, { der: Uint8Array; until: number }>()
const failed = new Map<string, { count: number; until: number }>()

/** The kept answers still current at `now` (a "revoked" one stays: revocation is not undone by time). */
export function keptOcspResponses(now = Date.now()): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const [key, k] of kept) {
    if (now > k.until) kept.delete(key)
    else out.push(k.der)
  }
  return out
}

/**
 * Ask the responders these certificates' trusted chains name, for those without a current
 * answer kept. Returns how many answers were kept, and the responder URLs that failed.
 */
export async function refreshOcsp(certs: readonly Uint8Array[], keyring: PublicKeyring, now = new Date()): Promise<{ fetched: number; failed: string[] }> {
  const questions = await ocspQuestions(
    certs,
    { anchors: keyring.trustAnchors, intermediates: keyring.certificates, crls: keyring.crls, ocsp: keptOcspResponses(now.getTime()), at: now },
    globalThis.crypto,
  )
  let fetched = 0
  const failedUrls: string[] = []
  for (const q of questions) {
    const backoff = failed.get(q.url)
    if (backoff && now.getTime() < backoff.until) {
      failedUrls.push(q.url)
      continue
    }
    try {
      const der = await requestBytes({ method: 'POST', path: routes.ocsp.path, json: { url: q.url, request: toBase64(q.request) }, csrf: true })
      const check = await checkOcspAnswer(der, q, globalThis.crypto, now)
      if (!check.ok) throw new Error(check.message)
      const until = check.status === 'revoked' ? Number.POSITIVE_INFINITY : Date.parse(check.nextUpdate ?? check.thisUpdate) + (check.nextUpdate ? 0 : 3_600_000)
      kept.delete(q.key)
      kept.set(q.key, { der, until })
      if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!)
      failed.delete(q.url)
      fetched++
    } catch {
      const count = (backoff?.count ?? 0) + 1
      failed.set(q.url, { count, until: now.getTime() + Math.min(3_600_000, 60_000 * 2 ** (count - 1)) })
      failedUrls.push(q.url)
    }
  }
  return { fetched, failed: failedUrls }
}
