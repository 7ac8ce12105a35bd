/** Composing the MIME around attacks: CRLF text, parts, multiparts, and real S/MIME entities. */
import type { CryptoLike } from '../../src/core/crypto'
import { encryptEnvelope, type EnvelopeCipher } from '../../src/core/cms/envelope'
import { signData } from '../../src/core/cms/signed'
import { encodeBase64Lines } from '../../src/core/mime/encodings'
import { concat, utf8 } from '../../src/core/util/bytes'
import type { Identity } from '../../src/core/types'

export const DATE = 'Date: Mon, 23 Nov 2026 05:00:00 +0000'

export type Piece = string | Uint8Array
export const bytes = (p: Piece): Uint8Array => (typeof p === 'string' ? utf8(p) : p)
export const join = (...ps: Piece[]): Uint8Array => concat(ps.map(bytes))

let counter = 0
export function boundary(label: string): string {
  return `----=_hostile_${label}_${(++counter).toString(36)}`
}

/** An entity: header lines (no CRLF), a blank line, the body. */
export function entity(headers: string[], body: Piece): Uint8Array {
  return join(headers.map((h) => h + '\r\n').join('') + '\r\n', body)
}

/** A top-level message: delivery headers, MIME-Version, then the entity. */
export function message(envelope: string[], body: Uint8Array): Uint8Array {
  return join([...envelope, DATE, 'MIME-Version: 1.0'].map((h) => h + '\r\n').join(''), body)
}

export function envelope(from: string, subject: string, extra: string[] = []): string[] {
  return [`From: ${from}`, 'To: bob@example.test', `Subject: ${subject}`, `Message-ID: <${Math.random().toString(36).slice(2)}@hostile.test>`, ...extra]
}

/** multipart/<subtype> around the given part entities. */
export function multipart(subtype: string, parts: Uint8Array[], extraParams = '', extraHeaders: string[] = []): Uint8Array {
  const b = boundary(subtype)
  const pieces: Piece[] = [`Content-Type: multipart/${subtype}; boundary="${b}"${extraParams}\r\n`, ...extraHeaders.map((h) => h + '\r\n'), '\r\n', 'This is a multi-part message in MIME format.\r\n']
  for (const p of parts) pieces.push(`--${b}\r\n`, p, '\r\n')
  pieces.push(`--${b}--\r\n`)
  return join(...pieces)
}

export const html = (s: string, extra: string[] = []): Uint8Array => entity(['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: 8bit', ...extra], s)
export const text = (s: string, extra: string[] = []): Uint8Array => entity(['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', ...extra], s + '\r\n')
export const rfc822 = (msg: Uint8Array, extra: string[] = []): Uint8Array => entity(['Content-Type: message/rfc822', ...extra], msg)

/** The inner entity a client encrypts: a text/plain body holding the secret. */
export function secretEntity(secret: string): Uint8Array {
  return text(`Dear Bob,\r\nthe launch code is ${secret}.\r\nAlice`)
}

/** application/pkcs7-mime entity (RFC 8551 §3.2) around DER. */
export function pkcs7Entity(smimeType: string, der: Uint8Array, extra: string[] = []): Uint8Array {
  return entity(
    [`Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"`, 'Content-Transfer-Encoding: base64', 'Content-Disposition: attachment; filename="smime.p7m"', ...extra],
    encodeBase64Lines(der),
  )
}

export async function encryptedEntity(content: Uint8Array, recipients: Uint8Array[], cipher: EnvelopeCipher, crypto: CryptoLike, extra: string[] = []): Promise<{ entity: Uint8Array; der: Uint8Array }> {
  const der = await encryptEnvelope(content, { recipients: recipients.map((certificate) => ({ certificate })), cipher }, crypto)
  return { entity: pkcs7Entity(cipher.endsWith('gcm') ? 'authEnveloped-data' : 'enveloped-data', der, extra), der }
}

/** multipart/signed (RFC 8551 §3.5.3) with a detached signature over the exact `content` bytes. */
export async function signedEntity(content: Uint8Array, identity: Identity, crypto: CryptoLike, extra: string[] = []): Promise<Uint8Array> {
  const der = await signData(content, { identity, detached: true, digest: 'sha256' }, crypto)
  return detachedEntity(content, der, extra)
}

export function detachedEntity(content: Uint8Array, signatureDer: Uint8Array, extra: string[] = []): Uint8Array {
  const b = boundary('signed')
  return join(
    `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${b}"\r\n`,
    extra.map((h) => h + '\r\n').join(''),
    `\r\nThis is an S/MIME signed message\r\n--${b}\r\n`,
    content,
    `\r\n--${b}\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7s"\r\n\r\n`,
    encodeBase64Lines(signatureDer),
    `--${b}--\r\n`,
  )
}

/** Opaque signed-data entity (content inside the SignedData). */
export async function opaqueSignedEntity(content: Uint8Array, identity: Identity, crypto: CryptoLike, extra: string[] = []): Promise<Uint8Array> {
  const der = await signData(content, { identity, detached: false, digest: 'sha256' }, crypto)
  return pkcs7Entity('signed-data', der, extra)
}

export function randomSecret(label: string): string {
  const r = globalThis.crypto.getRandomValues(new Uint8Array(6))
  return `SECRET-${label}-${Array.from(r, (x) => x.toString(16).padStart(2, '0')).join('')}`
}
