import { sha1 } from '@noble/hashes/legacy.js'
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js'
import { OID } from '../../asn1/oids'
import { cons, encode, octets, seq } from './der-write'

type HashFn = (m: Uint8Array) => Uint8Array

const HASHES: Record<string, HashFn> = { sha1, sha224, sha256, sha384, sha512 }

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
