import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { fromBase64, toBase64 } from '../util/base64'
import { toArrayBuffer, utf8 } from '../util/bytes'

/**
 * Key derivation for the key store: PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2) with a random
 * 16-byte salt. 600 000 iterations is OWASP's 2023 figure for PBKDF2-HMAC-SHA-256;
 * 310 000 (its 2021 figure) is the floor we accept when reading stored parameters, so a
 * tampered store cannot downgrade the work factor to something trivially guessable.
 * The upper bound keeps a hostile record from freezing the worker.
 */
export const DEFAULT_ITERATIONS = 600_000
export const MIN_ITERATIONS = 310_000
export const MAX_ITERATIONS = 10_000_000
const SALT_BYTES = 16

/** JSON-safe KDF parameters, stored next to what they protect. */
export interface KdfParams {
  name: 'PBKDF2'
  hash: 'SHA-256'
  iterations: number
  /** Base64 salt. */
  salt: string
}

/** New parameters with a fresh random salt. */
export function newKdfParams(crypto: CryptoLike, iterations = DEFAULT_ITERATIONS): KdfParams {
  checkIterations(iterations)
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  return { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(salt) }
}

/** True when two parameter sets derive the same key from the same passphrase. */
export function sameKdf(a: KdfParams, b: KdfParams): boolean {
  return a.name === b.name && a.hash === b.hash && a.iterations === b.iterations && a.salt === b.salt
}

/** Refuse parameters we did not write or that would be too weak or too slow. */
export function checkKdfParams(p: unknown): asserts p is KdfParams {
  const k = p as Partial<KdfParams> | null
  if (!k || typeof k !== 'object' || k.name !== 'PBKDF2' || k.hash !== 'SHA-256' || typeof k.salt !== 'string') {
    throw new CoreError('bad-input', 'The key store record has unknown key-derivation parameters; it was not written by Cachet.')
  }
  checkIterations(k.iterations)
  if (fromBase64(k.salt).length < SALT_BYTES) {
    throw new CoreError('bad-input', 'The key store record has a salt that is too short; it was not written by Cachet.')
  }
}

function checkIterations(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_ITERATIONS || n > MAX_ITERATIONS) {
    throw new CoreError(
      'bad-input',
      `Key-derivation iterations must be an integer between ${MIN_ITERATIONS} and ${MAX_ITERATIONS}.`,
    )
  }
}

/**
 * Derive the 32-byte key-encryption key from a passphrase. The result is raw bytes, not a
 * CryptoKey, so that the crypto worker can keep it for the unlocked period and, only if
 * the user opted in to "remember on this device", wrap it with a non-extractable device
 * key. It never leaves the worker.
 */
export async function deriveKeystoreKey(passphrase: string, params: KdfParams, crypto: CryptoLike): Promise<Uint8Array> {
  checkKdfParams(params)
  if (passphrase.length === 0) throw new CoreError('wrong-password', 'Enter the key store passphrase.')
  const base = await crypto.subtle.importKey('raw', toArrayBuffer(utf8(passphrase.normalize('NFC'))), 'PBKDF2', false, [
    'deriveBits',
  ])
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', iterations: params.iterations, salt: toArrayBuffer(fromBase64(params.salt)) },
    base,
    256,
  )
  return new Uint8Array(bits)
}
