/**
 * What the bridge can tell of a message's S/MIME without a key, for the policy (DESIGN.md,
 * "Policy"): is the whole message enveloped (encrypted), is it signed. Only the top-level
 * Content-Type and, for application/pkcs7-mime, the first bytes of the CMS ContentInfo
 * (its content type OID, which is not secret) are read; nothing is decrypted.
 *
 * - Enveloped: application/pkcs7-mime (or x-pkcs7-mime) whose body IS an EnvelopedData or
 *   AuthEnvelopedData ContentInfo (RFC 5652 §6, RFC 5083). The smime-type parameter is only
 *   a label (RFC 8551 §3.2.2, and old clients leave it out), so the OID decides; a label
 *   that says enveloped over a body that is not is not enveloped.
 * - Signed: multipart/signed with an S/MIME protocol (application/(x-)pkcs7-signature,
 *   RFC 8551 §3.5.3), or pkcs7-mime whose body is SignedData. An enveloped message also
 *   counts as signed: the signature, if any, is inside the encryption where the bridge
 *   cannot look, and the app (which can) signs whenever a rule requires it. Refusing
 *   every signed-then-encrypted message would be worse than trusting the app there.
 */
import { headerValues, readHeaders } from '../mime-headers'

export interface SmimeShape {
  enveloped: boolean
  signed: boolean
}

const OID_SIGNED = '1.2.840.113549.1.7.2'
const OID_ENVELOPED = '1.2.840.113549.1.7.3'
const OID_AUTH_ENVELOPED = '1.2.840.113549.1.9.16.1.23'

export function smimeShape(raw: Uint8Array): SmimeShape {
  const fields = readHeaders(raw)
  const types = headerValues(fields, 'content-type')
  // Two Content-Type fields: a reader may take either, so the message is neither.
  if (types.length !== 1) return { enveloped: false, signed: false }
  const ct = parseContentType(types[0]!)
  if (ct.type === 'multipart/signed') {
    const protocol = (ct.params.protocol ?? '').toLowerCase()
    return { enveloped: false, signed: protocol === 'application/pkcs7-signature' || protocol === 'application/x-pkcs7-signature' }
  }
  if (ct.type !== 'application/pkcs7-mime' && ct.type !== 'application/x-pkcs7-mime') return { enveloped: false, signed: false }
  const cte = (headerValues(fields, 'content-transfer-encoding')[0] ?? '7bit').trim().toLowerCase()
  const oid = contentInfoType(bodyStart(raw, cte))
  const label = ct.params['smime-type']?.toLowerCase()
  const enveloped = (oid === OID_ENVELOPED || oid === OID_AUTH_ENVELOPED) && (label === undefined || label === 'enveloped-data' || label === 'authenveloped-data')
  const signed = enveloped || (oid === OID_SIGNED && (label === undefined || label === 'signed-data'))
  return { enveloped, signed }
}

/** `type/subtype; a=b; c="d; e"` → lower-cased type and parameters (names lower-cased). */
export function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const parts: string[] = []
  let cur = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    if (quoted && ch === '\\') {
      cur += value[++i] ?? ''
      continue
    }
    if (ch === '"') quoted = !quoted
    else if (ch === ';' && !quoted) {
      parts.push(cur)
      cur = ''
    } else cur += ch
  }
  parts.push(cur)
  const params: Record<string, string> = {}
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=')
    if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim()
  }
  return { type: (parts[0] ?? '').replace(/\(.*?\)/g, '').trim().toLowerCase(), params }
}

/** The first bytes of the body, decoded (base64 or as is): enough for the ContentInfo's OID. */
function bodyStart(raw: Uint8Array, cte: string): Uint8Array {
  let start = -1
  for (let i = 0; i + 1 < raw.length; i++) {
    if (raw[i] === 0x0a && raw[i + 1] === 0x0a) {
      start = i + 2
      break
    }
    if (raw[i] === 0x0a && raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
      start = i + 3
      break
    }
  }
  if (start < 0) return new Uint8Array()
  const head = raw.subarray(start, start + 4096)
  if (cte === 'base64') {
    const b64 = Buffer.from(head).toString('latin1').replace(/[^A-Za-z0-9+/]/g, '')
    return new Uint8Array(Buffer.from(b64.slice(0, b64.length - (b64.length % 4)), 'base64'))
  }
  if (cte === 'binary' || cte === '8bit' || cte === '7bit') return head
  return new Uint8Array()
}

/** ContentInfo ::= SEQUENCE { contentType OBJECT IDENTIFIER, ... } → the OID, or null. */
export function contentInfoType(der: Uint8Array): string | null {
  let i = 0
  if (der[i++] !== 0x30) return null
  const len = der[i++]
  if (len === undefined) return null
  if (len === 0x80) {
    // indefinite length (BER, as some clients write): the OID follows directly
  } else if (len > 0x80) i += len - 0x80
  if (der[i++] !== 0x06) return null
  const oidLen = der[i++]
  if (oidLen === undefined || oidLen > 0x7f || i + oidLen > der.length) return null
  const bytes = der.subarray(i, i + oidLen)
  if (bytes.length === 0) return null
  const arcs: number[] = [Math.floor(Math.min(bytes[0]!, 80) / 40), bytes[0]! - Math.floor(Math.min(bytes[0]!, 80) / 40) * 40]
  let v = 0
  for (const b of bytes.subarray(1)) {
    v = v * 128 + (b & 0x7f)
    if (!(b & 0x80)) {
      arcs.push(v)
      v = 0
    }
  }
  return arcs.join('.')
}
