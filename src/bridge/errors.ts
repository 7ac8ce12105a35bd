/**
 * BridgeError: an error with a stable contract `code` and the HTTP status it maps to.
 * The one error handler (plugins/errors.ts) turns it, and everything else, into
 * `{ code, message }`.
 */
import type { ErrorCode } from '../contract/index'

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  csrf: 403,
  rate_limited: 429,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  imap_unavailable: 503,
  imap_busy: 503,
  imap_error: 502,
  session_store_unavailable: 503,
  too_many_streams: 503,
  smtp_failed: 502,
  recipient_rejected: 422,
  crl_forbidden: 403,
  crl_too_large: 502,
  crl_timeout: 504,
  crl_fetch_failed: 502,
  ocsp_forbidden: 403,
  ocsp_too_large: 502,
  ocsp_timeout: 504,
  ocsp_fetch_failed: 502,
  ca_not_configured: 503,
  csr_invalid: 400,
  csr_address_mismatch: 403,
  ca_refused: 502,
  ca_unavailable: 503,
  directory_not_configured: 503,
  directory_unavailable: 503,
  too_many_addresses: 400,
  policy_requires_encryption: 422,
  policy_requires_signature: 422,
  internal: 500,
}

export class BridgeError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Only where the contract gives one code two statuses (ca_unavailable: 503, or 504 when too slow). */
    status?: number,
  ) {
    super(message)
    this.status = status ?? STATUS[code]
  }
}

/** Maps imapflow errors (string codes, NO/BAD responses) to contract errors. */
export function fromImapError(e: unknown): BridgeError {
  if (e instanceof BridgeError) return e
  const err = e as { code?: string; serverResponseCode?: string; responseStatus?: string; responseText?: string; authenticationFailed?: boolean }
  // A refusal for now (RFC 5530 response codes: Dovecot's "Maximum number of connections
  // from user+IP exceeded" is NO [LIMIT], and imapflow marks it authenticationFailed) is
  // not a wrong password: answered as 401, the app would end a good session (issue 11).
  if (['LIMIT', 'UNAVAILABLE', 'INUSE', 'SERVERBUG'].includes(err?.serverResponseCode ?? '')) {
    return new BridgeError('imap_busy', 'The mail server is busy right now. Try again in a few seconds.', { 'retry-after': '5' })
  }
  if (err?.authenticationFailed) return new BridgeError('invalid_credentials', 'Wrong email or password.')
  if (err?.serverResponseCode === 'NONEXISTENT' || /doesn't exist|not exist|Mailbox doesn/i.test(err?.responseText ?? '')) {
    return new BridgeError('not_found', 'That folder does not exist. Reload the folder list.')
  }
  if (err?.serverResponseCode === 'TRYCREATE') return new BridgeError('not_found', 'The destination folder does not exist. Reload the folder list.')
  if (err?.serverResponseCode === 'ALREADYEXISTS') return new BridgeError('conflict', 'A folder with that name already exists.')
  if (err?.responseStatus === 'NO' || err?.responseStatus === 'BAD') {
    return new BridgeError('imap_error', `The mail server refused: ${String(err.responseText ?? 'no reason given').slice(0, 200)}`)
  }
  // Unreachable, or too slow to greet or connect (an overloaded server): 503, try again.
  if (['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'NoConnection', 'EConnectionClosed', 'ECONNRESET', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText', 'GREETING_TIMEOUT', 'CONNECT_TIMEOUT', 'ETIMEOUT', 'UPGRADE_TIMEOUT'].includes(err?.code ?? '')) {
    return new BridgeError('imap_unavailable', 'The mail server cannot be reached right now. Try again in a moment.')
  }
  // Unknown: the log says what imapflow reported (never a credential: codes and texts only).
  return Object.assign(new BridgeError('internal', 'Something went wrong on the server. Try again; if it persists, check the bridge log.'), {
    imap: { code: err?.code, responseStatus: err?.responseStatus, responseText: err?.responseText?.slice(0, 200), message: (e as Error)?.message?.slice(0, 200) },
  })
}
