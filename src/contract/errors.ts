/**
 * The one error shape of the bridge: every non-2xx response body is `{ code, message }`.
 * `code` is stable (clients branch on it); `message` is for people and says what to do.
 */
import { z } from 'zod'

export const ERROR_CODES = [
  'bad_request', // a request failed schema validation
  'unauthorized', // no session, or it expired: sign in again
  'invalid_credentials', // the IMAP server refused the email/password
  'csrf', // missing or wrong x-csrf-token header on a state-changing route
  'rate_limited', // too many sign-in attempts (per account or per client), or certificate enrolments (per account)
  'not_found', // mailbox or message does not exist
  'conflict', // e.g. creating a mailbox that exists
  'payload_too_large', // raw message above the bridge's limit
  'imap_unavailable', // the IMAP server cannot be reached
  'imap_busy', // the IMAP server refused for now (RFC 5530 LIMIT, UNAVAILABLE, INUSE: e.g. too many connections): retry, the session is intact
  'imap_error', // the IMAP server answered NO/BAD
  'session_store_unavailable', // the shared session store (Redis, REDIS_URL) cannot be reached: retry later
  'too_many_streams', // the bridge holds as many event streams as it allows (EVENT_STREAMS_MAX): retry later
  'smtp_failed', // SMTP submission failed
  'recipient_rejected', // the SMTP server refused one or more recipients
  'crl_forbidden', // CRL URL not http/https, or points at a private/loopback address
  'crl_too_large', // CRL above the size limit
  'crl_timeout', // CRL server too slow
  'crl_fetch_failed', // CRL server error / unreachable
  'ocsp_forbidden', // OCSP responder URL not http/https, or points at a private/loopback address
  'ocsp_too_large', // OCSP response above the size limit
  'ocsp_timeout', // OCSP responder too slow
  'ocsp_fetch_failed', // OCSP responder error / unreachable, or its answer is not an OCSP response
  // Certificates and the directory (certificates.ts):
  'ca_not_configured', // the bridge has no CA (CA_URL unset): enrolment is not offered
  'csr_invalid', // not a PKCS#10 request, unreadable, unsupported key/signature, or its signature fails
  'csr_address_mismatch', // the request names something other than the signed-in address
  'ca_refused', // the CA answered with an error (details only in the bridge log)
  'ca_unavailable', // the CA cannot be reached (503) or did not answer in time (504)
  'directory_not_configured', // the bridge has no directory (DIRECTORY_URL unset)
  'directory_unavailable', // the directory is down, too slow, or refused the bridge's bind
  'too_many_addresses', // a directory lookup with more addresses than DIRECTORY_MAX_ADDRESSES
  // Policy (policy.ts; POLICY_FILE), enforced on POST /api/send:
  'policy_requires_encryption', // a "requireEncryption" rule matches the subject/recipients, and the message is not S/MIME enveloped
  'policy_requires_signature', // a "requireSignature" rule matches, and the message is neither signed nor enveloped
  'internal', // anything else; details are in the server log, never in the response
] as const

export const ErrorCode = z.enum(ERROR_CODES)
export type ErrorCode = z.infer<typeof ErrorCode>

export const ErrorBody = z.object({ code: ErrorCode, message: z.string() })
export type ErrorBody = z.infer<typeof ErrorBody>

/** `{ ok: true }`: the answer of routes that have nothing else to say. */
export const OkResponse = z.object({ ok: z.literal(true) })
export type OkResponse = z.infer<typeof OkResponse>
