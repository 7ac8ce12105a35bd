import * as asn1js from 'asn1js'
import { parseDer } from '../asn1/der'
import { OID } from '../asn1/oids'
import type { CryptoLike } from '../crypto'
import { concat, toArrayBuffer } from '../util/bytes'
import { children, integerBytes, isContext, isExactConstructed, oidValue } from './asn1-walk'

/**
 * Verify the signature of a certificate or CRL with the issuer's public key
 * (RFC 5280 §6.1.3 (a)(1)), directly through WebCrypto: RSASSA-PKCS1-v1_5,
 * RSASSA-PSS (RFC 4055), ECDSA on P-256/384/521 (RFC 5758) and Ed25519 (RFC 8410).
 * Returns false for anything unsupported or malformed; never throws.
 */
export interface SignedObject {
  tbs: Uint8Array
  sigAlg: string
  sigAlgParams: asn1js.AsnType | undefined
  signature: Uint8Array
}

export interface IssuerKey {
  spki: Uint8Array
  keyAlgOid: string
  keyCurve: string | null
  publicKey: Uint8Array
}

const RSA_HASH: Record<string, string> = {
  [OID.sha1WithRSA]: 'SHA-1',
  [OID.sha224WithRSA]: 'SHA-224',
  [OID.sha256WithRSA]: 'SHA-256',
  [OID.sha384WithRSA]: 'SHA-384',
  [OID.sha512WithRSA]: 'SHA-512',
}
const ECDSA_HASH: Record<string, string> = {
  [OID.ecdsaWithSHA1]: 'SHA-1',
  [OID.ecdsaWithSHA256]: 'SHA-256',
  [OID.ecdsaWithSHA384]: 'SHA-384',
  [OID.ecdsaWithSHA512]: 'SHA-512',
}
const DIGEST_NAME: Record<string, string> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
}
const CURVES: Record<string, [string, number]> = {
  [OID.p256]: ['P-256', 32],
  [OID.p384]: ['P-384', 48],
  [OID.p521]: ['P-521', 66],
}

export async function verifySignature(obj: SignedObject, key: IssuerKey, crypto: CryptoLike): Promise<boolean> {
  try {
    return await verifyOrThrow(obj, key, crypto)
  } catch {
    return false
  }
}

async function verifyOrThrow(obj: SignedObject, key: IssuerKey, crypto: CryptoLike): Promise<boolean> {
  const subtle = crypto.subtle
  const data = toArrayBuffer(obj.tbs)
  const rsaHash = RSA_HASH[obj.sigAlg]
  if (rsaHash) {
    if (key.keyAlgOid !== OID.rsaEncryption) return false
    const k = await subtle.importKey('spki', toArrayBuffer(key.spki), { name: 'RSASSA-PKCS1-v1_5', hash: rsaHash }, false, ['verify'])
    return subtle.verify('RSASSA-PKCS1-v1_5', k, toArrayBuffer(obj.signature), data)
  }
  if (obj.sigAlg === OID.rsassaPss) {
    if (key.keyAlgOid !== OID.rsaEncryption && key.keyAlgOid !== OID.rsassaPss) return false
    const pss = pssParams(obj.sigAlgParams)
    if (!pss) return false
    // WebCrypto imports RSA keys under rsaEncryption; a key restricted to PSS
    // (id-RSASSA-PSS in its SPKI, RFC 4055 §1.2) is re-wrapped with the same modulus.
    const k = await subtle.importKey('spki', toArrayBuffer(rsaSpki(key.publicKey)), { name: 'RSA-PSS', hash: pss.hash }, false, [
      'verify',
    ])
    return subtle.verify({ name: 'RSA-PSS', saltLength: pss.saltLength }, k, toArrayBuffer(obj.signature), data)
  }
  const ecHash = ECDSA_HASH[obj.sigAlg]
  if (ecHash) {
    const curve = CURVES[key.keyCurve ?? '']
    if (key.keyAlgOid !== OID.ecPublicKey || !curve) return false
    const k = await subtle.importKey('spki', toArrayBuffer(key.spki), { name: 'ECDSA', namedCurve: curve[0] }, false, ['verify'])
    const raw = ecdsaRaw(obj.signature, curve[1])
    if (!raw) return false
    return subtle.verify({ name: 'ECDSA', hash: ecHash }, k, toArrayBuffer(raw), data)
  }
  if (obj.sigAlg === OID.ed25519) {
    if (key.keyAlgOid !== OID.ed25519) return false
    const k = await subtle.importKey('spki', toArrayBuffer(key.spki), { name: 'Ed25519' }, false, ['verify'])
    return subtle.verify({ name: 'Ed25519' }, k, toArrayBuffer(obj.signature), data)
  }
  return false
}

/** RSASSA-PSS-params (RFC 4055 §3.1): hash [0], mask generation [1], salt length [2]. */
function pssParams(params: asn1js.AsnType | undefined): { hash: string; saltLength: number } | null {
  let hash = 'SHA-1'
  let saltLength = 20
  let mgfHash = 'SHA-1'
  for (const field of children(params)) {
    const inner = children(field)[0]
    if (isContext(field, 0)) {
      const h = DIGEST_NAME[oidValue(children(inner)[0]) ?? '']
      if (!h) return null
      hash = h
    } else if (isContext(field, 1)) {
      const [mgfOid, mgfAlg] = children(inner)
      if (oidValue(mgfOid) !== OID.mgf1) return null
      const h = DIGEST_NAME[oidValue(children(mgfAlg)[0]) ?? '']
      if (!h) return null
      mgfHash = h
    } else if (isContext(field, 2) && inner instanceof asn1js.Integer) {
      saltLength = inner.valueBlock.valueDec
    }
  }
  // WebCrypto ties MGF1's hash to the message hash; other combinations are not verifiable here
  if (mgfHash !== hash) return null
  return { hash, saltLength }
}

/** SubjectPublicKeyInfo with rsaEncryption/NULL around an RSAPublicKey. */
function rsaSpki(rsaPublicKey: Uint8Array): Uint8Array {
  const spki = new asn1js.Sequence({
    value: [
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.rsaEncryption }), new asn1js.Null()] }),
      new asn1js.BitString({ valueHex: toArrayBuffer(rsaPublicKey) }),
    ],
  })
  return new Uint8Array(spki.toBER())
}

/** ECDSA-Sig-Value (SEQUENCE of r, s) to the fixed-length r||s WebCrypto expects. */
function ecdsaRaw(sig: Uint8Array, size: number): Uint8Array | null {
  const seq = parseDer(sig, 'ECDSA signature')
  if (!(seq instanceof asn1js.Sequence)) return null
  const [r, s] = children(seq)
  if (children(seq).length !== 2 || !(r instanceof asn1js.Integer) || !(s instanceof asn1js.Integer)) return null
  if (!isExactConstructed(seq, sig)) return null
  const pad = (b: Uint8Array) => {
    if (b.length > size) return null
    const out = new Uint8Array(size)
    out.set(b, size - b.length)
    return out
  }
  const rb = pad(integerBytes(r))
  const sb = pad(integerBytes(s))
  return rb && sb ? concat([rb, sb]) : null
}
