import { hkdf } from '@noble/hashes/hkdf.js'
import { sha1 } from '@noble/hashes/legacy.js'
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { OID } from '../../asn1/oids'
import { cons, encode, octets, seq } from './der-write'

export type HashFn = (m: Uint8Array) => Uint8Array

export const HASHES = { sha1, sha224, sha256, sha384, sha512 } as Record<string, HashFn>

/** The KDF hash of each ECDH key-agreement scheme (RFC 5753 §7.1.4, SEC 1). Cofactor DH equals standard DH on the NIST curves (h = 1). */
export const KARI_SCHEMES: Record<string, string> = {
  [OID.dhSinglePassStdDHsha1kdf]: 'sha1',
  [OID.dhSinglePassStdDHsha224kdf]: 'sha224',
  [OID.dhSinglePassStdDHsha256kdf]: 'sha256',
  [OID.dhSinglePassStdDHsha384kdf]: 'sha384',
  [OID.dhSinglePassStdDHsha512kdf]: 'sha512',
  [OID.dhSinglePassCofactorDHsha1kdf]: 'sha1',
  [OID.dhSinglePassCofactorDHsha256kdf]: 'sha256',
  [OID.dhSinglePassCofactorDHsha384kdf]: 'sha384',
  [OID.dhSinglePassCofactorDHsha512kdf]: 'sha512',
  '1.3.132.1.14.0': 'sha224', // dhSinglePass-cofactorDH-sha224kdf-scheme
  // RFC 8418 §2 (X25519/X448): HKDF with no salt, info = ECC-CMS-SharedInfo
  '1.2.840.113549.1.9.16.3.19': 'hkdf-sha256',
  '1.2.840.113549.1.9.16.3.20': 'hkdf-sha384',
  '1.2.840.113549.1.9.16.3.21': 'hkdf-sha512',
}

/** Derive the KEK for a key-agreement scheme's KDF name ('sha256' = X9.63, 'hkdf-sha256' = RFC 5869). */
export function kariKdf(kdf: string, z: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  if (kdf.startsWith('hkdf-')) {
    const h = HASHES[kdf.slice(5)]
    if (!h) throw new Error(`unknown KDF hash ${kdf}`)
    return hkdf(h as Parameters<typeof hkdf>[0], z, undefined, sharedInfo, length)
  }
  return x963Kdf(kdf, z, sharedInfo, length)
}

/**
 * ANSI X9.63 KDF (SEC 1 §3.6.1): K = H(Z || counter || SharedInfo) for counter = 1, 2, …
 * concatenated and truncated to `length` octets.
 */
export function x963Kdf(hash: string, z: Uint8Array, sharedInfo: Uint8Array, length: number): Uint8Array {
  const h = HASHES[hash]
  if (!h) throw new Error(`unknown KDF hash ${hash}`)
  const out = new Uint8Array(length)
  const input = new Uint8Array(z.length + 4 + sharedInfo.length)
  input.set(z, 0)
  input.set(sharedInfo, z.length + 4)
  let filled = 0
  for (let counter = 1; filled < length; counter++) {
    new DataView(input.buffer).setUint32(z.length, counter)
    const block = h(input)
    out.set(block.subarray(0, Math.min(block.length, length - filled)), filled)
    filled += block.length
  }
  return out
}

/**
 * ECC-CMS-SharedInfo (RFC 5753 §7.2): keyInfo is the key-wrap AlgorithmIdentifier exactly
 * as it appears in the message, entityUInfo the ukm if present, suppPubInfo the KEK
 * length in bits as a 4-octet big-endian integer.
 */
export function eccCmsSharedInfo(keyInfo: Uint8Array, ukm: Uint8Array | null, kekBits: number): Uint8Array {
  const supp = new Uint8Array(4)
  new DataView(supp.buffer).setUint32(0, kekBits)
  const parts = [keyInfo, ...(ukm ? [cons(0xa0, octets(ukm))] : []), cons(0xa2, octets(supp))]
  return encode(seq(...parts))
}
