import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { constantTimeEqual, utf8 } from '../util/bytes'
import { checkKdfParams, deriveKeystoreKey, newKdfParams, type KdfParams } from './kdf'
import { gcmDecrypt, gcmEncrypt } from './seal'

/**
 * The key store's passphrase verifier. The first import sets the passphrase by writing
 * one of these; later imports and unlocks check against it before touching any key, so a
 * typo at the second import cannot seal a key under a passphrase the user does not know.
 *
 * It is an AES-256-GCM encryption of a fixed marker under the derived key: checking it
 * costs one PBKDF2 derivation and tells "wrong passphrase" apart from "corrupt record"
 * only through GCM's tag, which reveals nothing a brute-force attacker would not get from
 * a sealed key anyway. Its KDF parameters are the key store's: keys sealed after it reuse
 * them, so one derivation unlocks them all.
 */
export interface PassphraseVerifier {
  v: 1
  kdf: KdfParams
  iv: string
  data: string
}

const VERIFIER_AAD = 'cachet-keystore/v1/verifier'
const MARKER = utf8('cachet key store passphrase verifier')

/** Set a new passphrase: returns the verifier and the derived key (for sealing the first key). */
export async function createVerifier(
  passphrase: string,
  crypto: CryptoLike,
  iterations?: number,
): Promise<{ verifier: PassphraseVerifier; derivedKey: Uint8Array }> {
  if (passphrase.length < 8) {
    throw new CoreError('bad-input', 'Choose a key store passphrase of at least 8 characters.')
  }
  const kdf = newKdfParams(crypto, iterations)
  const derivedKey = await deriveKeystoreKey(passphrase, kdf, crypto)
  const { iv, data } = await gcmEncrypt(derivedKey, MARKER, VERIFIER_AAD, crypto)
  return { verifier: { v: 1, kdf, iv, data }, derivedKey }
}

/**
 * Check a passphrase; returns the derived key on success and throws
 * CoreError('wrong-password') otherwise.
 */
export async function checkPassphrase(verifier: PassphraseVerifier, passphrase: string, crypto: CryptoLike): Promise<Uint8Array> {
  checkVerifierShape(verifier)
  const derivedKey = await deriveKeystoreKey(passphrase, verifier.kdf, crypto)
  await checkDerivedKey(verifier, derivedKey, crypto)
  return derivedKey
}

/** Check an already derived key (e.g. one restored by "remember on this device"). */
export async function checkDerivedKey(verifier: PassphraseVerifier, derivedKey: Uint8Array, crypto: CryptoLike): Promise<void> {
  checkVerifierShape(verifier)
  const marker = await gcmDecrypt(derivedKey, verifier.iv, verifier.data, VERIFIER_AAD, crypto)
  if (!constantTimeEqual(marker, MARKER)) {
    throw new CoreError('wrong-password', 'The key store passphrase is wrong. Check it and try again.')
  }
}

function checkVerifierShape(v: unknown): asserts v is PassphraseVerifier {
  const k = v as Partial<PassphraseVerifier> | null
  if (!k || typeof k !== 'object' || k.v !== 1 || typeof k.iv !== 'string' || typeof k.data !== 'string') {
    throw new CoreError('bad-input', 'The key store passphrase record is not in a format this version of Cachet knows.')
  }
  checkKdfParams(k.kdf)
}
