/**
 * Digest and signature algorithms of CMS SignedData (RFC 5754 SHA-2, RFC 4056 RSA-PSS,
 * RFC 5753 ECDSA, RFC 8419 EdDSA) mapped onto WebCrypto. WebCrypto lacks SHA-224, so
 * SHA-224 digests come from @noble/hashes and SHA-224 signatures are checked with the
 * public-key operation done here (RSA), in pss.ts (RSA-PSS, also for an MGF1 hash that
 * differs from the message hash) or by @noble/curves (ECDSA).
 */
import { sha224 } from '@noble/hashes/sha2.js'
import { p256, p384, p521 } from '@noble/curves/nist.js'
import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { equal, toArrayBuffer } from '../../util/bytes'
import { parseDer } from '../../asn1/der'
import { isContext, kids, oid, oidOf, primitiveValue, seq, tlv, uint, intValue, type Node } from './asn'
import { rsaPssVerify } from './pss'

export type DigestName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'

export const DIGEST_OIDS: Record<DigestName, string> = {
  sha1: OID.sha1,
  sha224: OID.sha224,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
}
const DIGEST_BY_OID: Record<string, DigestName> = Object.fromEntries(Object.entries(DIGEST_OIDS).map(([k, v]) => [v, k as DigestName]))
const WEB_HASH: Record<DigestName, string> = { sha1: 'SHA-1', sha224: 'SHA-224', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' }
const DIGEST_LEN: Record<DigestName, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 }

export function digestName(oidStr: string | null): DigestName | null {
  return oidStr ? (DIGEST_BY_OID[oidStr] ?? null) : null
}

/** Hash with one WebCrypto call (large content included), SHA-224 with noble. */
export async function digest(name: DigestName, data: Uint8Array, crypto: CryptoLike): Promise<Uint8Array> {
  if (name === 'sha224') return sha224(data)
  return new Uint8Array(await crypto.subtle.digest(WEB_HASH[name], data as BufferSource))
}

/** What a SignerInfo's signatureAlgorithm says, resolved against its digestAlgorithm. */
export interface SigAlg {
  kind: 'rsa-pkcs1' | 'rsa-pss' | 'ecdsa' | 'ed25519'
  hash: DigestName
  /** RSA-PSS only */
  mgfHash?: DigestName
  saltLength?: number
  /** e.g. 'rsa-pkcs1-sha256', 'rsa-pss-sha256', 'ecdsa-sha384', 'ed25519' */
  name: string
}

const RSA_HASH: Record<string, DigestName> = {
  [OID.sha1WithRSA]: 'sha1',
  [OID.sha224WithRSA]: 'sha224',
  [OID.sha256WithRSA]: 'sha256',
  [OID.sha384WithRSA]: 'sha384',
  [OID.sha512WithRSA]: 'sha512',
}
const ECDSA_HASH: Record<string, DigestName> = {
  [OID.ecdsaWithSHA1]: 'sha1',
  [OID.ecdsaWithSHA224]: 'sha224',
  [OID.ecdsaWithSHA256]: 'sha256',
  [OID.ecdsaWithSHA384]: 'sha384',
  [OID.ecdsaWithSHA512]: 'sha512',
}

/**
 * Resolve the signature algorithm. Returns a string reason when unsupported.
 * `rsaEncryption` and `ecPublicKey` (used by some signers) take the digest algorithm's hash.
 */
export function resolveSigAlg(alg: Node | undefined, digestAlg: DigestName): SigAlg | string {
  const id = oidOf(kids(alg)[0])
  if (!id) return 'signature algorithm missing'
  if (id === OID.rsaEncryption) return { kind: 'rsa-pkcs1', hash: digestAlg, name: `rsa-pkcs1-${digestAlg}` }
  if (RSA_HASH[id]) return { kind: 'rsa-pkcs1', hash: RSA_HASH[id], name: `rsa-pkcs1-${RSA_HASH[id]}` }
  if (id === OID.ecPublicKey) return { kind: 'ecdsa', hash: digestAlg, name: `ecdsa-${digestAlg}` }
  if (ECDSA_HASH[id]) return { kind: 'ecdsa', hash: ECDSA_HASH[id], name: `ecdsa-${ECDSA_HASH[id]}` }
  if (id === OID.ed25519) return { kind: 'ed25519', hash: 'sha512', name: 'ed25519' }
  if (id === OID.rsassaPss) {
    // RSASSA-PSS-params (RFC 4055 §3.1): defaults SHA-1, MGF1-SHA-1, salt 20
    let hash: DigestName | null = 'sha1'
    let mgfHash: DigestName | null = 'sha1'
    let saltLength = 20
    for (const p of kids(kids(alg)[1])) {
      const inner = kids(p)[0]
      if (isContext(p, 0)) hash = digestName(oidOf(kids(inner)[0]))
      else if (isContext(p, 1)) {
        if (oidOf(kids(inner)[0]) !== OID.mgf1) return 'RSA-PSS with a mask generation function other than MGF1'
        mgfHash = digestName(oidOf(kids(kids(inner)[1])[0]))
      } else if (isContext(p, 2)) saltLength = intValue(inner) ?? -1
      else if (isContext(p, 3) && intValue(inner) !== 1) return 'RSA-PSS with a trailer field other than 1'
    }
    if (!hash || !mgfHash || saltLength < 0) return 'RSA-PSS parameters not understood'
    return { kind: 'rsa-pss', hash, mgfHash, saltLength, name: `rsa-pss-${hash}` }
  }
  return `signature algorithm ${id} not supported`
}

const CURVES: Record<string, { name: string; size: number }> = {
  [OID.p256]: { name: 'P-256', size: 32 },
  [OID.p384]: { name: 'P-384', size: 48 },
  [OID.p521]: { name: 'P-521', size: 66 },
}

export function curveOf(oidStr: string | null): { name: string; size: number } | null {
  return oidStr ? (CURVES[oidStr] ?? null) : null
}

/** ECDSA-Sig-Value DER (SEQUENCE { r, s }) → fixed-size r||s as WebCrypto wants. */
export function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | null {
  try {
    const n = parseDer(der, 'ECDSA signature')
    const [r, s] = kids(n).map(primitiveValue)
    if (!r || !s || kids(n).length !== 2) return null
    const out = new Uint8Array(size * 2)
    const put = (v: Uint8Array, off: number) => {
      let i = 0
      while (i < v.length - 1 && v[i] === 0) i++
      const t = v.subarray(i)
      if (t.length > size) throw new Error('too long')
      out.set(t, off + size - t.length)
    }
    put(r, 0)
    put(s, size)
    return out
  } catch {
    return null
  }
}

/** Fixed-size r||s → ECDSA-Sig-Value DER. */
export function ecdsaRawToDer(rawSig: Uint8Array): Uint8Array {
  const h = rawSig.length / 2
  return seq(uint(rawSig.subarray(0, h)), uint(rawSig.subarray(h)))
}

// DigestInfo prefixes for EMSA-PKCS1-v1_5 (RFC 8017 §9.2 note 1)
function digestInfo(hash: DigestName, h: Uint8Array): Uint8Array {
  return seq(seq(oid(DIGEST_OIDS[hash]), Uint8Array.of(5, 0)), tlv(0x04, h))
}

function bytesToBig(b: Uint8Array): bigint {
  let x = 0n
  for (const v of b) x = (x << 8n) | BigInt(v)
  return x
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n
  b %= m
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m
    b = (b * b) % m
    e >>= 1n
  }
  return r
}

/** RSASSA-PKCS1-v1_5 verification done here, for hashes WebCrypto lacks (SHA-224). */
function rsaPkcs1VerifyManual(spki: Uint8Array, hash: DigestName, h: Uint8Array, sig: Uint8Array): boolean {
  const key = parseDer(spki, 'public key')
  const bits = kids(key)[1]
  if (!bits) return false
  const pub = parseDer(primitiveValue(bits), 'RSA public key') // asn1js drops the unused-bits octet
  const [nNode, eNode] = kids(pub)
  if (!nNode || !eNode) return false
  const nBytes = primitiveValue(nNode)
  const n = bytesToBig(nBytes)
  let k = nBytes.length
  if (nBytes[0] === 0) k--
  if (sig.length !== k) return false
  const m = modPow(bytesToBig(sig), bytesToBig(primitiveValue(eNode)), n)
  const em = new Uint8Array(k)
  let x = m
  for (let i = k - 1; i >= 0; i--) {
    em[i] = Number(x & 0xffn)
    x >>= 8n
  }
  const t = digestInfo(hash, h)
  if (k < t.length + 11) return false
  const expect = new Uint8Array(k).fill(0xff)
  expect[0] = 0
  expect[1] = 1
  expect[k - t.length - 1] = 0
  expect.set(t, k - t.length)
  return equal(em, expect)
}

/**
 * Verify `sig` over `data` with the certificate's public key. Returns null when it
 * verifies, or a reason in words.
 */
export async function verifySignature(
  alg: SigAlg,
  spki: Uint8Array,
  keyType: string,
  curve: string | null,
  data: Uint8Array,
  sig: Uint8Array,
  crypto: CryptoLike,
): Promise<string | null> {
  const subtle = crypto.subtle
  const bad = 'signature does not verify'
  try {
    if (alg.kind === 'rsa-pkcs1' || alg.kind === 'rsa-pss') {
      if (keyType !== 'rsa' && keyType !== 'rsa-pss') return `an RSA signature but the certificate has a ${keyType} key`
      if (alg.kind === 'rsa-pkcs1' && alg.hash === 'sha224') {
        return rsaPkcs1VerifyManual(spki, 'sha224', sha224(data), sig) ? null : bad
      }
      if (alg.kind === 'rsa-pss') {
        const p = { hash: alg.hash, mgfHash: alg.mgfHash ?? alg.hash, saltLength: alg.saltLength ?? 20 }
        const rsaSpki = spkiAsRsa(spki, keyType)
        const software = () => (rsaPssVerify(rsaSpki, p, data, sig) ? null : bad)
        // WebCrypto has no SHA-224 and ties MGF1 to the message hash: RFC 8017 in software.
        if (p.mgfHash !== p.hash || p.hash === 'sha224') return software()
        let key: CryptoKey
        try {
          key = await subtle.importKey('spki', toArrayBuffer(rsaSpki), { name: 'RSA-PSS', hash: WEB_HASH[p.hash] }, false, ['verify'])
        } catch {
          return software() // a combination this WebCrypto refuses (key size, exponent...)
        }
        let ok: boolean
        try {
          ok = await subtle.verify({ name: 'RSA-PSS', saltLength: p.saltLength }, key, sig as BufferSource, data as BufferSource)
        } catch {
          return software() // e.g. a salt length this WebCrypto will not take
        }
        return ok ? null : bad
      }
      const name = 'RSASSA-PKCS1-v1_5'
      const key = await subtle.importKey('spki', toArrayBuffer(spkiAsRsa(spki, keyType)), { name, hash: WEB_HASH[alg.hash] }, false, ['verify'])
      return (await subtle.verify({ name }, key, sig as BufferSource, data as BufferSource)) ? null : bad
    }
    if (alg.kind === 'ecdsa') {
      const c = curveOf(curve)
      if (keyType !== 'ec' || !c) return `an ECDSA signature but the certificate key is ${keyType}${curve ? ' on ' + curve : ''}`
      const rs = ecdsaDerToRaw(sig, c.size)
      if (!rs) return 'ECDSA signature is not a valid ECDSA-Sig-Value'
      if (alg.hash === 'sha224') {
        const pub = primitiveValue(kids(parseDer(spki, 'public key'))[1]!)
        const lib = c.name === 'P-256' ? p256 : c.name === 'P-384' ? p384 : p521
        return lib.verify(rs, sha224(data), pub, { prehash: false, lowS: false }) ? null : bad
      }
      const key = await subtle.importKey('spki', toArrayBuffer(spki), { name: 'ECDSA', namedCurve: c.name }, false, ['verify'])
      return (await subtle.verify({ name: 'ECDSA', hash: WEB_HASH[alg.hash] }, key, rs as BufferSource, data as BufferSource)) ? null : bad
    }
    if (keyType !== 'ed25519') return `an Ed25519 signature but the certificate key is ${keyType}`
    const key = await subtle.importKey('spki', toArrayBuffer(spki), { name: 'Ed25519' }, false, ['verify'])
    return (await subtle.verify({ name: 'Ed25519' }, key, sig as BufferSource, data as BufferSource)) ? null : bad
  } catch (e) {
    return `signature could not be checked: ${e instanceof Error ? e.message : String(e)}`
  }
}

/** WebCrypto imports RSA SPKIs tagged rsaEncryption only; re-tag an RSASSA-PSS key. */
function spkiAsRsa(spki: Uint8Array, keyType: string): Uint8Array {
  if (keyType !== 'rsa-pss') return spki
  const bits = kids(parseDer(spki, 'public key'))[1]!
  return seq(seq(oid(OID.rsaEncryption), Uint8Array.of(5, 0)), tlv(0x03, Uint8Array.of(0), primitiveValue(bits)))
}

export const HASH_LEN = DIGEST_LEN
export { WEB_HASH }
