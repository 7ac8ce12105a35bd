/**
 * The key store: private keys at rest under a passphrase (PBKDF2-HMAC-SHA-256 +
 * AES-256-GCM). Pure: storage is the caller's (the crypto worker's IndexedDB).
 */
export {
  DEFAULT_ITERATIONS,
  MIN_ITERATIONS,
  MAX_ITERATIONS,
  type KdfParams,
  newKdfParams,
  sameKdf,
  checkKdfParams,
  deriveKeystoreKey,
} from './kdf'
export { type SealedKey, type SealOptions, sealKey, unsealKey, unsealKeyWith, checkSealed } from './seal'
export { type PassphraseVerifier, createVerifier, checkPassphrase, checkDerivedKey } from './verifier'
