import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { bs, contentAlgorithmByName, encryptContent } from './content'
import { certRefs, type CertRefs } from './cert'
import { algId, cons, encode, encodePieces, hole, int, octets, oid, prim, seq, set, nullValue, type DerNode } from './der-write'
import { concat } from '../../util/bytes'
import { curveOf, ephemeralAgreement } from './ecdh'
import { eccCmsSharedInfo, x963Kdf } from './kdf'
import { aesKeyWrap } from './keywrap'
import { parseRsaPublicKey, pkcs1v15Encrypt } from './rsa'

export type EnvelopeCipher = 'aes-256-cbc' | 'aes-128-cbc' | 'aes-256-gcm' | 'aes-128-gcm'

export interface EncryptOptions {
  /** Recipient certificates (DER). RSA keys get key transport, EC/X25519 keys key agreement. */
  recipients: { certificate: Uint8Array; oaep?: boolean }[]
  cipher: EnvelopeCipher
}

/** IssuerAndSerialNumber from the certificate's own bytes: the form every client matches. */
function issuerAndSerial(refs: CertRefs): DerNode {
  return seq(refs.issuer, refs.serialElement)
}

/**
 * RSAES-OAEP-params with SHA-256 and MGF1-SHA-256 (RFC 4055 §4.1; hash parameters
 * absent as RFC 5754 asks). OpenSSL 3 and NSS read these.
 */
function oaepSha256(): DerNode {
  const sha256 = algId(OID.sha256)
  return algId(OID.rsaesOaep, seq(cons(0xa0, sha256), cons(0xa1, algId(OID.mgf1, sha256))))
}

/** KeyTransRecipientInfo version 0 (RFC 5652 §6.2.1). */
async function ktri(refs: CertRefs, cek: Uint8Array, oaep: boolean, crypto: CryptoLike): Promise<DerNode> {
  let encryptedKey: Uint8Array
  let alg: DerNode
  if (oaep) {
    const key = await crypto.subtle.importKey('spki', bs(refs.spki), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
    encryptedKey = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, key, bs(cek)))
    alg = oaepSha256()
  } else {
    encryptedKey = pkcs1v15Encrypt(parseRsaPublicKey(refs.spki), cek, crypto)
    alg = algId(OID.rsaEncryption, nullValue())
  }
  return seq(int(0), issuerAndSerial(refs), alg, octets(encryptedKey))
}

/**
 * KeyAgreeRecipientInfo (RFC 5652 §6.2.2, RFC 5753 §3.1.1): ephemeral-static ECDH,
 * dhSinglePass-stdDH-sha256kdf-scheme, AES-256 key wrap, no ukm. For X25519 the same
 * scheme with the X25519 originator key (RFC 8418 §2).
 */
async function kari(refs: CertRefs, curve: string, cek: Uint8Array, crypto: CryptoLike): Promise<DerNode> {
  const { publicKey, z } = await ephemeralAgreement(curve, refs.spki, crypto)
  const wrapAlg = encode(algId(OID.aes256Wrap))
  const kek = x963Kdf('sha256', z, eccCmsSharedInfo(wrapAlg, null, 256), 32)
  const wrapped = aesKeyWrap(kek, cek)
  const bitString = new Uint8Array(publicKey.length + 1)
  bitString.set(publicKey, 1)
  const origAlg = curve === OID.x25519 ? algId(OID.x25519) : algId(OID.ecPublicKey)
  return cons(
    0xa1,
    int(3),
    cons(0xa0, cons(0xa1, origAlg, prim(0x03, bitString))),
    algId(OID.dhSinglePassStdDHsha256kdf, wrapAlg),
    seq(seq(issuerAndSerial(refs), octets(wrapped))),
  )
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/**
 * Encrypt `content` (a MIME entity, normally) for the given certificates.
 * Returns a ContentInfo DER: EnvelopedData (RFC 5652) for CBC, AuthEnvelopedData
 * (RFC 5083/5084) for GCM. The encrypted content is one primitive OCTET STRING.
 * Throws CoreError('certificate-unusable') for a certificate whose key cannot receive.
 */
interface Prepared {
  alg: ReturnType<typeof contentAlgorithmByName>
  cek: Uint8Array
  iv: Uint8Array
  infos: Uint8Array[]
  anyKari: boolean
}

/** Content key, IV and one RecipientInfo per recipient (DER SET OF order). */
async function prepare(opts: EncryptOptions, crypto: CryptoLike): Promise<Prepared> {
  const alg = contentAlgorithmByName(opts.cipher)
  if (alg.mode !== 'cbc' && alg.mode !== 'gcm') throw new CoreError('unsupported-algorithm', `Cachet does not encrypt with ${alg.name}.`)
  if (opts.recipients.length === 0) throw new CoreError('bad-input', 'Encrypting needs at least one recipient certificate.')
  const cek = new Uint8Array(alg.keyLength)
  crypto.getRandomValues(cek)
  const iv = new Uint8Array(alg.mode === 'gcm' ? 12 : 16)
  crypto.getRandomValues(iv)

  const infos: Uint8Array[] = []
  let anyKari = false
  for (const r of opts.recipients) {
    let refs: CertRefs
    try {
      refs = certRefs(r.certificate)
    } catch (e) {
      throw new CoreError('certificate-unusable', 'A recipient certificate could not be read.', { cause: e })
    }
    if (refs.keyAlgorithm === OID.rsaEncryption) {
      infos.push(encode(await ktri(refs, cek, r.oaep === true, crypto)))
      continue
    }
    const curve = curveOf(refs.keyAlgorithm, refs.curve)
    if (!curve) {
      throw new CoreError('certificate-unusable', 'A recipient certificate has a key type Cachet cannot encrypt to (only RSA, EC P-256/P-384/P-521 and X25519).')
    }
    infos.push(encode(await kari(refs, curve, cek, crypto)))
    anyKari = true
  }
  infos.sort(compareBytes) // DER SET OF order
  return { alg, cek, iv, infos, anyKari }
}

/** The ContentInfo around the encrypted content (`ciphertext`: bytes or a hole of its length). */
function envelopeTree(p: Prepared, ciphertext: DerNode, gcmTag: Uint8Array | null): DerNode {
  const isGcm = p.alg.mode === 'gcm'
  const params = isGcm ? seq(octets(p.iv), int(16)) : octets(p.iv)
  // [0] IMPLICIT OCTET STRING, primitive (0x80): cons() only because the content may be a hole.
  const eci = seq(oid(OID.data), algId(p.alg.oid, params), cons(0x80, ciphertext))
  const body = isGcm ? seq(int(0), set(...p.infos), eci, octets(gcmTag!)) : seq(int(p.anyKari ? 2 : 0), set(...p.infos), eci)
  return seq(oid(isGcm ? OID.authEnvelopedData : OID.envelopedData), cons(0xa0, body))
}

export async function encryptEnvelope(content: Uint8Array, opts: EncryptOptions, crypto: CryptoLike): Promise<Uint8Array> {
  const p = await prepare(opts, crypto)
  const ct = await encryptContent(p.alg, p.cek, p.iv, content, crypto)
  const isGcm = p.alg.mode === 'gcm'
  return encode(envelopeTree(p, isGcm ? ct.subarray(0, ct.length - 16) : ct, isGcm ? ct.subarray(ct.length - 16) : null))
}

/** The DER of an envelope, delivered in pieces by write(); `length` is their total. */
export interface EnvelopeStream {
  length: number
  write(sink: (piece: Uint8Array) => void): Promise<void>
}

/** AES-CBC is encrypted in slices of this size (a multiple of the 16-byte block). */
const CBC_SLICE = 2 * 1024 * 1024

/**
 * encryptEnvelope for large content, without the message ever existing in one piece:
 * the content is given as parts (their concatenation is encrypted), and the DER comes
 * out as pieces whose concatenation is exactly what encryptEnvelope would return. With
 * AES-CBC the ciphertext length is known in advance ((n/16 + 1) × 16), so the DER
 * header is written first and the content is encrypted slice by slice as it is written
 * (CBC chaining: each slice's IV is the previous slice's last ciphertext block; WebCrypto
 * pads each call, so all but the last slice drop their padding block). AES-GCM
 * (one-shot in WebCrypto) is encrypted whole; its DER still comes out without a copy.
 */
export async function encryptEnvelopeStream(content: readonly Uint8Array[], opts: EncryptOptions, crypto: CryptoLike): Promise<EnvelopeStream> {
  const p = await prepare(opts, crypto)
  let n = 0
  for (const c of content) n += c.length
  if (p.alg.mode === 'gcm') {
    const whole = content.length === 1 ? content[0]! : concat(content)
    const ct = await encryptContent(p.alg, p.cek, p.iv, whole, crypto)
    const pieces = encodePieces(envelopeTree(p, ct.subarray(0, ct.length - 16), ct.subarray(ct.length - 16))) as Uint8Array[]
    return { length: pieces.reduce((a, x) => a + x.length, 0), write: async (sink) => pieces.forEach((x) => sink(x)) }
  }
  const ctLength = (Math.floor(n / 16) + 1) * 16
  const pieces = encodePieces(envelopeTree(p, hole(ctLength), null))
  const length = pieces.reduce((a, x) => a + (x instanceof Uint8Array ? x.length : x.hole), 0)
  return {
    length,
    async write(sink) {
      const key = await crypto.subtle.importKey('raw', bs(p.cek), 'AES-CBC', false, ['encrypt'])
      for (const piece of pieces) {
        if (piece instanceof Uint8Array) {
          sink(piece)
          continue
        }
        let prev = p.iv
        let done = 0
        for (const slice of slices(content, n, CBC_SLICE)) {
          done += slice.length
          const out = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: bs(prev) }, key, bs(slice)))
          if (done < n) {
            const body = out.subarray(0, slice.length)
            prev = body.slice(body.length - 16)
            sink(body)
          } else sink(out)
        }
      }
    },
  }
}

/** Consecutive slices of `size` bytes (the last shorter, at least one) over the parts' concatenation. */
function* slices(parts: readonly Uint8Array[], total: number, size: number): Generator<Uint8Array> {
  if (total === 0) {
    yield new Uint8Array(0)
    return
  }
  let pi = 0
  let po = 0
  for (let done = 0; done < total; ) {
    const want = Math.min(size, total - done)
    while (parts[pi]!.length === po) {
      pi++
      po = 0
    }
    const part = parts[pi]!
    if (part.length - po >= want) {
      yield part.subarray(po, po + want)
      po += want
    } else {
      const buf = new Uint8Array(want)
      let o = 0
      while (o < want) {
        while (parts[pi]!.length === po) {
          pi++
          po = 0
        }
        const take = Math.min(want - o, parts[pi]!.length - po)
        buf.set(parts[pi]!.subarray(po, po + take), o)
        o += take
        po += take
      }
      yield buf
    }
    done += want
  }
}
