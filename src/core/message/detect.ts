/**
 * Step 1 of the pipeline (detect → process → annotate → view → status): what kind of
 * S/MIME object is the ROOT of this entity?
 *
 * Only the root is considered. A signed or encrypted part inside an unprotected
 * multipart is never processed automatically: that is the EFAIL direct-exfiltration and
 * the "signed part wrapped in an unsigned message" attacks (USENIX Security 2018/2019).
 * Such parts are only listed by `findEmbedded`, for the view to set apart.
 */
import type { MimeEntity } from '../mime'
import { decodeBody, filename, header } from '../mime'
import { fromBase64Bytes } from '../util/base64'
import { OID } from '../asn1/oids'

export type SmimeType = 'signed-data' | 'enveloped-data' | 'authEnveloped-data' | 'certs-only' | 'compressed-data'

export type Detection =
  /** RFC 8551 §3.5.3 / RFC 1847: the first part is signed, the second holds the SignedData. */
  | { kind: 'multipart-signed'; entity: MimeEntity; content: MimeEntity; signature: MimeEntity; protocol: string; micalg: string | null }
  /** RFC 8551 §3.2: a CMS object as the whole body (application/pkcs7-mime or a .p7m file). */
  | {
      kind: 'pkcs7-mime'
      entity: MimeEntity
      smimeType: SmimeType | null
      /** The CMS object, transfer-decoded on first use (a 25 MB body is not decoded just to be classified). */
      readonly der: Uint8Array
      /** The body when it is base64 (the usual case): for decoding and decrypting in one pass. */
      base64: Uint8Array | null
    }
  /** An S/MIME multipart/signed that cannot be followed (a part missing, wrong signature type). */
  | { kind: 'broken-signed'; entity: MimeEntity; reason: string }
  /** A multipart/signed of another protocol (OpenPGP): not checked, shown as unsigned. */
  | { kind: 'foreign-signed'; entity: MimeEntity; protocol: string }
  | { kind: 'plain'; entity: MimeEntity }

const SIGNATURE_TYPES = new Set(['application/pkcs7-signature', 'application/x-pkcs7-signature'])
const MIME_TYPES = new Set(['application/pkcs7-mime', 'application/x-pkcs7-mime'])

function mediaType(e: MimeEntity): string {
  return `${e.contentType.type}/${e.contentType.subtype}`.toLowerCase()
}

/** True for the (x-)pkcs7-mime types, or application/octet-stream named *.p7m (RFC 8551 §3.2.1). */
export function isPkcs7Mime(e: MimeEntity): boolean {
  const t = mediaType(e)
  if (MIME_TYPES.has(t)) return true
  if (t === 'application/octet-stream') {
    const name = filename(e)
    return name !== null && /\.p7m$/i.test(name.trim())
  }
  return false
}

export function isMultipartSigned(e: MimeEntity): boolean {
  return mediaType(e) === 'multipart/signed'
}

/** Classify the root of `entity`. Never throws. */
export function detectRoot(entity: MimeEntity): Detection {
  if (isMultipartSigned(entity)) {
    const protocol = (entity.contentType.params.protocol ?? '').trim().toLowerCase()
    const micalg = entity.contentType.params.micalg ?? null
    const [content, signature] = entity.children
    const sigType0 = signature ? mediaType(signature) : ''
    if (!SIGNATURE_TYPES.has(sigType0) && !SIGNATURE_TYPES.has(protocol)) {
      return { kind: 'foreign-signed', entity, protocol: protocol || sigType0 || 'none' }
    }
    if (!content || !signature) {
      return { kind: 'broken-signed', entity, reason: 'multipart/signed without both a signed part and a signature part' }
    }
    const sigType = mediaType(signature)
    // Some clients omit or misspell the protocol parameter; the signature part's own
    // type is what carries the SignedData, so either naming a PKCS#7 signature will do.
    if (!SIGNATURE_TYPES.has(sigType)) {
      return { kind: 'broken-signed', entity, reason: `the signature part is ${sigType}, not application/pkcs7-signature` }
    }
    return { kind: 'multipart-signed', entity, content, signature, protocol, micalg }
  }
  if (isPkcs7Mime(entity)) {
    const p = (entity.contentType.params['smime-type'] ?? '').trim().toLowerCase()
    const base64 = (header(entity, 'content-transfer-encoding') ?? '').trim().toLowerCase() === 'base64' ? entity.body : null
    let der: Uint8Array | null = null
    const decoded = () => (der ??= decodeBody(entity))
    // A ContentInfo's type sits in its first bytes: a prefix of the base64 decodes to a prefix of it.
    const head = base64 ? fromBase64Bytes(base64.subarray(0, 256)) : decoded()
    const declared: SmimeType | null =
      p === 'signed-data' ? 'signed-data'
      : p === 'enveloped-data' ? 'enveloped-data'
      : p === 'authenveloped-data' ? 'authEnveloped-data'
      : p === 'certs-only' ? 'certs-only'
      : p === 'compressed-data' ? 'compressed-data'
      : null
    // smime-type is advisory: the ContentInfo's own type decides (a missing or wrong
    // parameter is common in older clients).
    const sniffed = sniffContentType(head)
    return {
      kind: 'pkcs7-mime',
      entity,
      smimeType: sniffed ?? declared,
      get der() {
        return decoded()
      },
      base64,
    }
  }
  return { kind: 'plain', entity }
}

/**
 * The contentType of a DER/BER ContentInfo (RFC 5652 §3) read from its first bytes,
 * without parsing the (possibly 25 MB) rest. Null when it is not a ContentInfo.
 */
export function sniffContentType(der: Uint8Array): SmimeType | null {
  const oid = contentInfoOid(der)
  switch (oid) {
    case OID.signedData:
      return 'signed-data'
    case OID.envelopedData:
      return 'enveloped-data'
    case OID.authEnvelopedData:
      return 'authEnveloped-data'
    case '1.2.840.113549.1.9.16.1.9':
      return 'compressed-data'
    default:
      return null
  }
}

function contentInfoOid(b: Uint8Array): string | null {
  if (b.length < 4 || b[0] !== 0x30) return null
  let i = 1
  const l0 = b[i++]!
  if (l0 & 0x80) {
    const n = l0 & 0x7f
    if (n > 4) return null
    i += n // definite long form, or 0x80 (indefinite, BER)
  }
  if (b[i] !== 0x06) return null
  const len = b[i + 1]!
  if (len === undefined || len > 40 || i + 2 + len > b.length) return null
  const v = b.subarray(i + 2, i + 2 + len)
  if (v.length === 0) return null
  const parts: number[] = [Math.floor(Math.min(v[0]!, 80) / 40), v[0]! >= 80 ? v[0]! - 80 : v[0]! % 40]
  let acc = 0
  for (let k = 1; k < v.length; k++) {
    acc = acc * 128 + (v[k]! & 0x7f)
    if (!(v[k]! & 0x80)) {
      parts.push(acc)
      acc = 0
    }
  }
  return parts.join('.')
}

/** A signed or encrypted part found below an unprotected root: shown apart, never merged. */
export interface EmbeddedPart {
  /** Child indexes from the root, e.g. [1, 0]. */
  path: number[]
  kind: 'signed' | 'encrypted' | 'pkcs7'
  contentType: string
}

/** Walk an unprotected entity and list the S/MIME parts inside it (bounded by the parser's limits). */
export function findEmbedded(root: MimeEntity): EmbeddedPart[] {
  const out: EmbeddedPart[] = []
  const walk = (e: MimeEntity, path: number[]) => {
    e.children.forEach((c, i) => {
      const p = [...path, i]
      if (isMultipartSigned(c)) out.push({ path: p, kind: 'signed', contentType: mediaType(c) })
      else if (isPkcs7Mime(c)) {
        const st = (c.contentType.params['smime-type'] ?? '').toLowerCase()
        out.push({ path: p, kind: st === 'signed-data' ? 'signed' : st.includes('enveloped') ? 'encrypted' : 'pkcs7', contentType: mediaType(c) })
      } else walk(c, p)
    })
  }
  walk(root, [])
  return out
}
