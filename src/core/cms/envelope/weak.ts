/**
 * Content ciphers that give no real confidentiality (issue 16). 40-bit RC2 (the export
 * grade of the 1990s) and single DES (56 bits) are searched exhaustively in hours on
 * ordinary hardware: anyone who captured such a message can read it, so it must not be
 * presented as decrypted confidential mail. It is refused ('unsupported', the algorithm
 * named and why) unless the caller explicitly asks to read it as unprotected text
 * (DecryptOptions.allowWeakCiphers).
 *
 * 64- and 128-bit RC2 and 3DES are legacy but not broken outright: they stay readable,
 * named in the layer's `weak`.
 */
import type { ContentAlgorithm } from './content'

/** Below this many effective key bits a content cipher is refused. */
export const MIN_CONTENT_KEY_BITS = 64

/** The algorithm's name for the report: RC2 with its effective key bits ('rc2-40-cbc'). */
export function contentAlgorithmName(alg: ContentAlgorithm, rc2Bits: number | null): string {
  return alg.mode === 'rc2' && rc2Bits !== null ? `rc2-${rc2Bits}-cbc` : alg.name
}

/**
 * Why this content cipher gives no confidentiality, in words, or null when it does.
 * `rc2Bits`: RC2's effective key bits (RC2CBCParameter), null for other algorithms.
 */
export function noConfidentiality(alg: ContentAlgorithm, rc2Bits: number | null): string | null {
  if (alg.mode === 'rc2' && rc2Bits !== null && rc2Bits < MIN_CONTENT_KEY_BITS) {
    return `The content is encrypted with ${rc2Bits}-bit RC2 (${rc2Bits === 40 ? 'export grade' : 'a key too short to protect anything'}), which anyone who captured the message can break in hours: it is not confidential, and Cachet does not show it as decrypted mail. Ask the sender to use AES.`
  }
  if (alg.mode === 'des3' && alg.keyLength === 8) {
    return 'The content is encrypted with single DES (a 56-bit key), which anyone who captured the message can break in hours: it is not confidential, and Cachet does not show it as decrypted mail. Ask the sender to use AES.'
  }
  return null
}
