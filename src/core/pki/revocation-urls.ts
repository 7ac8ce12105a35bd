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
import { checkOcspResponse, type OcspCheck } from './ocsp'
import { buildOcspRequest, certIdFor, certIdKey, OCSP_NONCE_BYTES } from './ocsp-request'
import { validateCertificate, validateWithPath } from './validate'

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

/** One OCSP question to send through the relay, and what its answer must be checked against. */
export interface OcspQuestion {
  /** The responder's URL, from the certificate's AIA (http/https only). */
  url: string
  /** DER OCSPRequest with a fresh nonce. */
  request: Uint8Array
  nonce: Uint8Array
  /** DER of the certificate asked about and of its issuer, for checkOcspAnswer. */
  certificate: Uint8Array
  issuer: Uint8Array
  /** Cache key: this certificate from this issuer (SHA-1 CertID). */
  key: string
}

/**
 * Which OCSP questions to ask (issue 11): for certificates whose chain ends at an anchor
 * the user trusts, every certificate of that chain below the anchor whose AIA names an
 * http(s) OCSP responder, unless `ctx.ocsp` already holds a verified, current answer
 * about it. The URL is then the CA's, never a sender's. OCSP is asked whatever the CRLs
 * say (OCSP first, as Thunderbird); at most MAX_CRL_URLS questions per call.
 */
export async function ocspQuestions(
  certificates: readonly Uint8Array[],
  ctx: { anchors: TrustAnchorInput[]; intermediates: Uint8Array[]; crls: Uint8Array[]; ocsp?: Uint8Array[]; at?: Date },
  crypto: CryptoLike,
  nonceFor: () => Uint8Array = () => crypto.getRandomValues(new Uint8Array(OCSP_NONCE_BYTES)),
): Promise<OcspQuestion[]> {
  const out = new Map<string, OcspQuestion>()
  const at = ctx.at ?? new Date()
  for (const der of certificates) {
    if (out.size >= MAX_CRL_URLS) break
    let r: Awaited<ReturnType<typeof validateWithPath>>
    try {
      r = await validateWithPath(der, { ...ctx, purpose: 'email-signing' }, crypto)
    } catch {
      continue
    }
    const v = r.validation
    // A CRL that already revokes it leaves nothing to ask
    if (v.anchor === null || v.status === 'expired' || (v.revocation === 'revoked' && v.revocationSource === 'crl')) continue
    for (let i = 0; i + 1 < r.path.length && out.size < MAX_CRL_URLS; i++) {
      const cert = r.path[i]!
      const issuer = r.path[i + 1]!
      const url = cert.ocspUris.find((u) => /^https?:\/\//i.test(u))
      if (!url) continue
      const id = (await certIdFor(cert, issuer, crypto))!
      const key = certIdKey(id)
      if (out.has(key)) continue
      let answered = false
      for (const resp of ctx.ocsp ?? []) {
        const c = await checkOcspResponse(resp, cert, issuer, { at }, crypto)
        if (c.ok && c.status !== 'unknown') answered = true
      }
      if (answered) continue
      const q = await buildOcspRequest(cert, issuer, crypto, nonceFor())
      out.set(key, { url, request: q.der, nonce: q.nonce, certificate: cert.der, issuer: issuer.der, key })
    }
  }
  return [...out.values()]
}

/** Check an OCSP answer to a question from ocspQuestions (its nonce included), for storing. */
export async function checkOcspAnswer(
  response: Uint8Array,
  q: Pick<OcspQuestion, 'certificate' | 'issuer' | 'nonce'>,
  crypto: CryptoLike,
  at = new Date(),
): Promise<OcspCheck> {
  return checkOcspResponse(response, parseCertificate(q.certificate), parseCertificate(q.issuer), { at, nonce: q.nonce }, crypto)
}
