/**
 * GET /api/crl?url=http://crl.example.net/ca.crl → the CRL bytes as fetched
 * (`application/pkix-crl`). The bridge only relays: http/https only, public addresses
 * only (no loopback, private, link-local… unless the bridge runs with
 * CACHET_ALLOW_PRIVATE_CRL=1 for development), at most CRL_MAX_BYTES, CRL_TIMEOUT_MS,
 * a few redirects re-checked the same way. Errors: crl_forbidden, crl_too_large,
 * crl_timeout, crl_fetch_failed.
 */
import { z } from 'zod'
import { safeText } from './primitives'

export const CRL_MAX_BYTES = 10 * 1024 * 1024
export const CRL_TIMEOUT_MS = 10_000

export const CrlQuery = z.object({
  url: safeText(2048).refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http:// or https:// URL' }),
})
export type CrlQuery = z.infer<typeof CrlQuery>
