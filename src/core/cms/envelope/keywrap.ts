import { aeskw } from '@noble/ciphers/aes.js'
import { OID } from '../../asn1/oids'

/** KEK length in octets for each AES key-wrap algorithm (RFC 3394, RFC 3565). */
export const WRAP_KEY_LENGTH: Record<string, number> = {
  [OID.aes128Wrap]: 16,
  [OID.aes192Wrap]: 24,
  [OID.aes256Wrap]: 32,
}

/**
 * AES key wrap (RFC 3394). @noble/ciphers rather than WebCrypto AES-KW: WebCrypto can
 * only unwrap into a CryptoKey of a type it knows (no 3DES, no AES-192 in Chromium),
 * and this runs on 16–32 octet keys, so speed does not matter.
 */
export function aesKeyWrap(kek: Uint8Array, key: Uint8Array): Uint8Array {
  return aeskw(kek).encrypt(key)
}

/** Unwrap; throws if the integrity check value does not match (wrong KEK or altered key). */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  return aeskw(kek).decrypt(wrapped)
}
