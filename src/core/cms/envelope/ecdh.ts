import { p256, p384, p521 } from '@noble/curves/nist.js'
import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { bs } from './content'

/**
 * ECDH for key agreement recipients (RFC 5753 ephemeral-static; RFC 8418 X25519),
 * through WebCrypto. Z is the x-coordinate (field-size octets), as SEC 1 §3.3.1 says.
 */
interface Curve {
  algorithm: EcKeyImportParams | { name: 'X25519' }
  bits: number
}

const CURVES: Record<string, Curve> = {
  [OID.p256]: { algorithm: { name: 'ECDH', namedCurve: 'P-256' }, bits: 256 },
  [OID.p384]: { algorithm: { name: 'ECDH', namedCurve: 'P-384' }, bits: 384 },
  [OID.p521]: { algorithm: { name: 'ECDH', namedCurve: 'P-521' }, bits: 528 },
  [OID.x25519]: { algorithm: { name: 'X25519' }, bits: 256 },
}

/** The curve key: the named curve OID for EC keys, the algorithm OID for X25519. */
export function curveOf(keyAlgorithm: string, namedCurve: string | null): string | null {
  if (keyAlgorithm === OID.x25519) return OID.x25519
  if (keyAlgorithm === OID.ecPublicKey && namedCurve && CURVES[namedCurve]) return namedCurve
  return null
}

function curve(c: string): Curve {
  const k = CURVES[c]
  if (!k) throw new CoreError('unsupported-algorithm', `Elliptic curve ${c} is not supported for key agreement.`)
  return k
}

const NOBLE: Record<string, typeof p256> = { [OID.p256]: p256, [OID.p384]: p384, [OID.p521]: p521 }

/**
 * WebCrypto imports only uncompressed points in Chromium; an originator key sent in
 * compressed form (SEC 1 §2.3.3, allowed by RFC 5753) is decompressed first.
 */
function uncompressed(c: string, point: Uint8Array): Uint8Array {
  const lib = NOBLE[c]
  if (!lib || (point[0] !== 2 && point[0] !== 3)) return point
  return lib.Point.fromBytes(point).toBytes(false)
}

/** Z from our PKCS#8 private key and the originator's public key (raw point / X25519 u). */
export async function sharedSecret(c: string, pkcs8: Uint8Array, peerPublic: Uint8Array, crypto: CryptoLike): Promise<Uint8Array> {
  const cv = curve(c)
  peerPublic = uncompressed(c, peerPublic)
  const priv = await crypto.subtle.importKey('pkcs8', bs(pkcs8), cv.algorithm, false, ['deriveBits'])
  const pub = await crypto.subtle.importKey('raw', bs(peerPublic), cv.algorithm, true, [])
  return new Uint8Array(await crypto.subtle.deriveBits({ name: cv.algorithm.name, public: pub } as EcdhKeyDeriveParams, priv, cv.bits))
}

/** An ephemeral key pair on the recipient's curve and Z with the recipient's SPKI. */
export async function ephemeralAgreement(c: string, recipientSpki: Uint8Array, crypto: CryptoLike): Promise<{ publicKey: Uint8Array; z: Uint8Array }> {
  const cv = curve(c)
  const pair = (await crypto.subtle.generateKey(cv.algorithm as EcKeyGenParams, true, ['deriveBits'])) as CryptoKeyPair
  const peer = await crypto.subtle.importKey('spki', bs(recipientSpki), cv.algorithm, true, [])
  const z = new Uint8Array(await crypto.subtle.deriveBits({ name: cv.algorithm.name, public: peer } as EcdhKeyDeriveParams, pair.privateKey, cv.bits))
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return { publicKey, z }
}
