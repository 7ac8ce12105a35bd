/**
 * Errors that leave the engine are values with a stable `code` (callers branch on
 * it) and a message written for a person (it says what to do next).
 */
export type CoreErrorCode =
  // input
  | 'bad-input' // not what the function takes (not DER, not a message, empty)
  | 'asn1' // DER/BER that does not parse or does not match the expected structure
  | 'mime' // MIME structure that cannot be followed
  | 'limit-exceeded' // nesting, size or element count beyond the engine's bounds
  | 'unsupported-algorithm' // an algorithm we do not implement (named in the message)
  // PKCS#12
  | 'not-pkcs12'
  | 'wrong-password'
  | 'no-private-key'
  // CMS
  | 'not-for-you' // encrypted to certificates we hold no key for
  | 'decrypt-failed' // content could not be decrypted (deliberately unspecific: RFC 3218)
  | 'integrity-failed' // AES-GCM tag or authenticated attributes did not verify
  | 'signature-invalid'
  | 'no-signer-certificate'
  // keys
  | 'key-locked'
  | 'bad-key'
  | 'certificate-unusable' // expired, not for email, wrong key type for the operation
  | 'internal'

export class CoreError extends Error {
  override readonly name = 'CoreError'
  constructor(
    readonly code: CoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isCoreError(e: unknown, code?: CoreErrorCode): e is CoreError {
  return e instanceof CoreError && (code === undefined || e.code === code)
}

/** Turn anything thrown into a `{code, message}` pair for a report. Never throws. */
export function toErrorEntry(e: unknown): { code: string; message: string } {
  if (e instanceof CoreError) return { code: e.code, message: e.message }
  if (e instanceof RangeError) return { code: 'limit-exceeded', message: `Input exceeds a processing limit: ${e.message}` }
  const message = e instanceof Error ? e.message : String(e)
  return { code: 'internal', message: `Unexpected error while processing the message: ${message}` }
}
