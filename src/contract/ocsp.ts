/**
 * POST /api/ocsp { url, request } → the OCSP response bytes as the responder sent them
 * (`application/ocsp-response`). `request` is a DER OCSPRequest (RFC 6960 §4.1), base64;
 * the bridge sends it by GET (RFC 6960 Appendix A.1, when the encoded request is at most
 * 255 bytes, RFC 5019 §5) or POST, and relays only what has an OCSPResponse's shape.
 * The same rules as the CRL relay (crl.ts): http/https only, public addresses only
 * (CACHET_ALLOW_PRIVATE_CRL=1 lifts that for development and tests), at most
 * OCSP_MAX_BYTES, CRL_TIMEOUT_MS, a few redirects re-checked, failures backed off per
 * URL, a per-session rate. Errors: ocsp_forbidden, ocsp_too_large, ocsp_timeout,
 * ocsp_fetch_failed; bad_request for a request that is not an OCSPRequest.
 */
import { z } from 'zod'
import { Base64Der } from './certificates'
import { safeText } from './primitives'

/** Responses are small (a few kB with the responder's certificate); anything larger is not one. */
export const OCSP_MAX_BYTES = 64 * 1024
/** A request for one certificate is about 100 bytes; a few dozen certificates at most. */
export const OCSP_REQUEST_MAX_BYTES = 4096

export const OcspRelayRequest = z.object({
  url: safeText(2048).refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http:// or https:// URL' }),
  request: Base64Der.refine((b) => b.length <= Math.ceil(OCSP_REQUEST_MAX_BYTES / 3) * 4, { message: `must be at most ${OCSP_REQUEST_MAX_BYTES} bytes` }),
})
export type OcspRelayRequest = z.infer<typeof OcspRelayRequest>
