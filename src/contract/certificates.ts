/**
 * Certificates for everyone (DESIGN.md): enrolment at the organisation's CA, with the
 * bridge as registration authority, and a directory of published certificates.
 *
 * Enrolment. The browser makes the key pair and a PKCS#10 request (RFC 2986) in its
 * crypto worker; only the request travels. The bridge vouches that the request names the
 * signed-in account and nothing else, then forwards it to the CA (CFSSL `authsign`,
 * CA_URL + CA_AUTH_KEY) with the names overridden by that address, and publishes the
 * issued certificate in the directory when it can write there. What the CA returns
 * becomes an identity like an imported PFX, once the browser has matched it to its key.
 *
 * The request the bridge accepts (anything else is refused before the CA sees it):
 * - PEM "CERTIFICATE REQUEST" (or "NEW CERTIFICATE REQUEST"), DER inside, at most
 *   CSR_MAX_CHARS; an RSA (2048 to 16384 bits) or EC (P-256, P-384, P-521) key; signed
 *   with SHA-256/384/512, RSASSA-PKCS1-v1_5 or ECDSA, and the signature verifies with the
 *   request's own key (an RSA-PSS signature is verified too, but refused: the CA, CFSSL,
 *   does not take such requests). Otherwise 400 `csr_invalid`.
 * - Names: the subject's emailAddress, a subject CN that is an address (has an `@`), and
 *   every rfc822Name subjectAltName must be the signed-in address (compared without case,
 *   after trimming), and at least one of them must be there. No other subjectAltName
 *   type (dNSName, URI, iPAddress, otherName, directoryName…) and no subject attribute
 *   but CN and emailAddress (O, OU… would be vouched for by no one). Otherwise 403
 *   `csr_address_mismatch`. A request for a CA certificate (basicConstraints cA) is 400
 *   `csr_invalid`.
 * The key decides the CA profile: RSA → the RSA profile (digitalSignature +
 * keyEncipherment), EC → the EC profile (digitalSignature + keyAgreement).
 *
 * Errors of the enrolment routes: ca_not_configured (503), csr_invalid (400),
 * csr_address_mismatch (403), ca_refused (502: the CA said no; why is only in the bridge
 * log), ca_unavailable (503 unreachable, 504 too slow), rate_limited (429 with
 * Retry-After: each enrolment makes the CA sign, so an account gets ENROL_LIMIT_PER_HOUR
 * per hour by default; requests refused before reaching the CA do not count).
 *
 * Directory. POST /api/directory/lookup answers which certificates the directory (LDAP,
 * DIRECTORY_URL) publishes for the addresses given: public data, as the directory holds
 * it. The bridge decides no trust; the browser validates every certificate it gets.
 * Errors: directory_not_configured (503), directory_unavailable (503: down, too slow,
 * or the bridge's bind refused), too_many_addresses (400, more than
 * DIRECTORY_MAX_ADDRESSES), bad_request (an address that is not one).
 */
import { z } from 'zod'

/** Longest PEM request accepted (a 16384-bit RSA request is about 5 KB). */
export const CSR_MAX_CHARS = 16 * 1024
/** Enrolments per account per hour when ENROL_LIMIT_PER_HOUR is unset. */
export const ENROL_LIMIT_DEFAULT = 5
/** Addresses per directory lookup. */
export const DIRECTORY_MAX_ADDRESSES = 100
/** Certificates returned per address (the directory may hold more; the first ones are kept). */
export const DIRECTORY_MAX_CERTIFICATES = 20
/** A published value larger than this is not a certificate anyone meant; it is skipped. */
export const DIRECTORY_MAX_CERTIFICATE_BYTES = 16 * 1024

/** Base64 (RFC 4648 §4, with padding) of DER bytes. */
export const Base64Der = z.string().regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, {
  message: 'must be base64 (DER)',
})
export type Base64Der = z.infer<typeof Base64Der>

/** GET /api/certificates/enrolment: does this bridge enrol, and at which CA. */
export const EnrolmentInfo = z.object({
  available: z.boolean(),
  /** A display name of the CA: its certificate's subject CN when known, else its host. */
  ca: z.string().optional(),
})
export type EnrolmentInfo = z.infer<typeof EnrolmentInfo>

/** POST /api/certificates/enrol (JSON). */
export const EnrolRequest = z.object({
  /** The PKCS#10 request, PEM. Its content is checked by the bridge (csr_invalid), not here. */
  csr: z.string().min(1).max(CSR_MAX_CHARS),
})
export type EnrolRequest = z.infer<typeof EnrolRequest>

export const EnrolResponse = z.object({
  /** The issued certificate, DER. Its subjectAltName is the signed-in address. */
  certificate: Base64Der,
  /** The issuing CA's certificates, DER, issuer first. */
  chain: z.array(Base64Der),
  /** Whether the certificate was published in the directory (failing to publish does not fail the enrolment). */
  published: z.boolean(),
})
export type EnrolResponse = z.infer<typeof EnrolResponse>

/**
 * An address to look up. Looser than EmailAddress on the local part (a directory may hold
 * any addr-spec, quoted ones included; the bridge escapes every value it puts in an LDAP
 * filter, RFC 4515), strict on the rest: one `@`, an ASCII domain, no spaces or control
 * characters, at most 254 characters. Trimmed and lower-cased.
 */
export const DirectoryAddress = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\s@\u0000-\u001f\u007f-\u009f]{1,64}@[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/, {
    message: 'must be an email address like bob@example.com',
  })
export type DirectoryAddress = z.infer<typeof DirectoryAddress>

/** POST /api/directory/lookup (JSON). More than DIRECTORY_MAX_ADDRESSES is 400 too_many_addresses. */
export const DirectoryLookupRequest = z.object({
  addresses: z.array(DirectoryAddress).min(1).max(DIRECTORY_MAX_ADDRESSES),
})
export type DirectoryLookupRequest = z.input<typeof DirectoryLookupRequest>

export const DirectoryResult = z.object({
  /** The requested address, lower-cased. */
  address: z.string(),
  /** What the directory publishes for it (DER, base64), unvalidated; empty when nothing. */
  certificates: z.array(Base64Der),
})
export type DirectoryResult = z.infer<typeof DirectoryResult>

/** One result per distinct requested address (lower-cased), in the order first requested. */
export const DirectoryLookupResponse = z.object({ results: z.array(DirectoryResult) })
export type DirectoryLookupResponse = z.infer<typeof DirectoryLookupResponse>
