/**
 * Private keys out of a PKCS#12 file, normalised to the PKCS#8 PrivateKeyInfo
 * (RFC 5208/5958) that WebCrypto's importKey('pkcs8') accepts everywhere, and the
 * public key each one implies, so a key can be matched to its certificate even when
 * the exporter left out localKeyId.
 *
 * Normalisation: attributes dropped (Windows adds some; several engines refuse them);
 * RSA with NULL parameters; EC with the namedCurve in the AlgorithmIdentifier, the
 * private scalar padded to the field size and the public point present (Firefox's
 * WebCrypto once required it); Ed25519/X25519 as version 0 with the bare seed.
 */
import * as asn1js from 'asn1js'
import { p256, p384, p521 } from '@noble/curves/nist.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { CoreError } from '../errors'
import { OID } from '../asn1/oids'
import { parseDer } from '../asn1/der'
import { toHex } from '../util/bytes'
import { algorithm, b, children, der, explicit, isContext, octets, oid, uintBytes, type Node } from './asn1'

const CURVES: Record<string, { size: number; pub(priv: Uint8Array): Uint8Array; name: string; point(p: Uint8Array): Uint8Array }> = {
  [OID.p256]: { size: 32, name: 'P-256', pub: (k) => p256.getPublicKey(k, false), point: (p) => p256.Point.fromBytes(p).toBytes(false) },
  [OID.p384]: { size: 48, name: 'P-384', pub: (k) => p384.getPublicKey(k, false), point: (p) => p384.Point.fromBytes(p).toBytes(false) },
  [OID.p521]: { size: 66, name: 'P-521', pub: (k) => p521.getPublicKey(k, false), point: (p) => p521.Point.fromBytes(p).toBytes(false) },
}

export interface PrivateKey {
  /** Normalised PKCS#8 PrivateKeyInfo DER. */
  pkcs8: Uint8Array
  /** A comparable public-key id ("rsa:n:e", "ec:point", "ed25519:key"), or null when unknown. */
  publicId: string | null
}

/** Normalise a PKCS#8 PrivateKeyInfo; throws CoreError('bad-key') when it does not parse. */
export function normalizePrivateKey(pkcs8: Uint8Array): PrivateKey {
  try {
    const c = children(parseDer(pkcs8, 'private key'), 'PrivateKeyInfo')
    const alg = algorithm(c[1], 'private key algorithm')
    const inner = octets(c[2], 'private key')
    if (alg.oid === OID.rsaEncryption) {
      const rsa = children(parseDer(inner, 'RSA private key'), 'RSAPrivateKey')
      const n = uintBytes(rsa[1], 'modulus')
      const e = uintBytes(rsa[2], 'public exponent')
      const out = b.seq(b.int(0), b.seq(b.oid(OID.rsaEncryption), b.null()), b.octets(inner))
      return { pkcs8: der(out), publicId: `rsa:${toHex(n)}:${toHex(e)}` }
    }
    if (alg.oid === OID.ecPublicKey) return normalizeEc(alg.params, inner)
    if (alg.oid === OID.ed25519 || alg.oid === OID.x25519) {
      const seed = octets(parseDer(inner, 'curve private key'), 'curve private key')
      if (seed.length !== 32) throw new CoreError('bad-key', 'An Ed25519/X25519 private key is 32 bytes.')
      const ed = alg.oid === OID.ed25519
      const pub = ed ? ed25519.getPublicKey(seed) : x25519.getPublicKey(seed)
      const out = b.seq(b.int(0), b.seq(b.oid(alg.oid)), b.octets(der(b.octets(seed))))
      return { pkcs8: der(out), publicId: `${ed ? 'ed25519' : 'x25519'}:${toHex(pub)}` }
    }
    // Other key types (DSA, RSA-PSS-only keys): kept as exported.
    return { pkcs8, publicId: null }
  } catch (e) {
    if (e instanceof CoreError && e.code !== 'asn1') throw e
    throw new CoreError('bad-key', 'The private key in the PKCS#12 file is not a valid PKCS#8 key.', { cause: e })
  }
}

function normalizeEc(params: Node | undefined, inner: Uint8Array): PrivateKey {
  const ec = children(parseDer(inner, 'EC private key'), 'ECPrivateKey')
  let priv = octets(ec[1], 'EC private key')
  let curveOid = params instanceof asn1js.ObjectIdentifier ? params.getValue() : undefined
  let pub: Uint8Array | undefined
  for (const n of ec.slice(2)) {
    if (isContext(n, 0) && !curveOid) {
      const p = explicit(n, 0, 'EC parameters')
      if (p instanceof asn1js.ObjectIdentifier) curveOid = p.getValue()
    }
    if (isContext(n, 1)) {
      const bits = explicit(n, 1, 'EC public key')
      if (bits instanceof asn1js.BitString) pub = bits.valueBlock.valueHexView
    }
  }
  const curve = curveOid ? CURVES[curveOid] : undefined
  if (!curve) {
    throw new CoreError('unsupported-algorithm', `The private key uses elliptic curve ${curveOid ?? 'with explicit parameters'}; Cachet supports P-256, P-384 and P-521.`)
  }
  if (priv.length > curve.size) {
    const extra = priv.subarray(0, priv.length - curve.size)
    if (extra.some((x) => x !== 0)) throw new CoreError('bad-key', 'The EC private key is longer than its curve allows.')
    priv = priv.subarray(priv.length - curve.size)
  } else if (priv.length < curve.size) {
    const padded = new Uint8Array(curve.size)
    padded.set(priv, curve.size - priv.length)
    priv = padded
  }
  const point = pub ? curve.point(pub) : curve.pub(priv)
  const ecKey = b.seq(b.int(1), b.octets(priv), b.explicit(1, b.bits(point)))
  const out = b.seq(b.int(0), b.seq(b.oid(OID.ecPublicKey), b.oid(curveOid!)), b.octets(der(ecKey)))
  return { pkcs8: der(out), publicId: `ec:${toHex(point)}` }
}

export interface CertInfo {
  der: Uint8Array
  /** DER of the issuer and subject Names, compared byte for byte when building the chain. */
  issuer: Uint8Array
  subject: Uint8Array
  publicId: string | null
}

/** Pull issuer, subject and the public-key id out of an X.509 certificate (RFC 5280 §4.1). */
export function certInfo(certDer: Uint8Array): CertInfo {
  const cert = children(parseDer(certDer, 'certificate'), 'Certificate')
  const tbs = children(cert[0], 'TBSCertificate')
  const off = isContext(tbs[0], 0) ? 1 : 0
  const issuer = der(tbs[off + 2]!)
  const subject = der(tbs[off + 4]!)
  const spki = children(tbs[off + 5], 'SubjectPublicKeyInfo')
  const alg = algorithm(spki[0], 'public key algorithm')
  const bits = spki[1]
  let publicId: string | null = null
  if (bits instanceof asn1js.BitString) {
    const key = bits.valueBlock.valueHexView
    try {
      if (alg.oid === OID.rsaEncryption) {
        const rsa = children(parseDer(key, 'RSA public key'), 'RSAPublicKey')
        publicId = `rsa:${toHex(uintBytes(rsa[0], 'modulus'))}:${toHex(uintBytes(rsa[1], 'exponent'))}`
      } else if (alg.oid === OID.ecPublicKey) {
        const curve = alg.params instanceof asn1js.ObjectIdentifier ? CURVES[oid(alg.params, 'curve')] : undefined
        if (curve) publicId = `ec:${toHex(curve.point(key))}`
      } else if (alg.oid === OID.ed25519) publicId = `ed25519:${toHex(key)}`
      else if (alg.oid === OID.x25519) publicId = `x25519:${toHex(key)}`
    } catch {
      publicId = null
    }
  }
  return { der: certDer, issuer, subject, publicId }
}

/** Human description of a normalised key: algorithm and size or curve. */
export function describePrivateKey(pkcs8: Uint8Array): { algorithm: string; size?: number; curve?: string } {
  const c = children(parseDer(pkcs8, 'private key'), 'PrivateKeyInfo')
  const alg = algorithm(c[1], 'private key algorithm')
  if (alg.oid === OID.rsaEncryption) {
    const rsa = children(parseDer(octets(c[2], 'key'), 'RSA private key'), 'RSAPrivateKey')
    const n = uintBytes(rsa[1], 'modulus')
    return { algorithm: 'RSA', size: n.length * 8 - Math.clz32(n[0]!) + 24 }
  }
  if (alg.oid === OID.ecPublicKey) {
    const curveOid = alg.params instanceof asn1js.ObjectIdentifier ? alg.params.getValue() : ''
    return { algorithm: 'EC', curve: CURVES[curveOid]?.name ?? curveOid }
  }
  if (alg.oid === OID.ed25519) return { algorithm: 'Ed25519', size: 256 }
  if (alg.oid === OID.x25519) return { algorithm: 'X25519', size: 256 }
  return { algorithm: alg.oid }
}
