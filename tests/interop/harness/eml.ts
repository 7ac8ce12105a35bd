/**
 * Messages around what the peers produce. The CMS always comes from a real peer; these
 * helpers only add the RFC 5322 headers a mail client would put around it.
 */
import { toBase64Lines } from '../../../src/core/util/base64'

export interface Envelope {
  from: string
  to: string
  subject: string
  /** Extra header lines (without CRLF), e.g. a second From for identity tricks. */
  extra?: string[]
}

function outerHeaders(e: Envelope): string {
  const lines = [`From: ${e.from}`, `To: ${e.to}`, `Subject: ${e.subject}`, 'Date: Mon, 23 Nov 2026 05:00:00 +0000', `Message-ID: <${Math.random().toString(36).slice(2)}@interop.test>`, ...(e.extra ?? [])]
  return lines.join('\r\n') + '\r\n'
}

/** Normalise line ends to CRLF (peers write LF in places). */
export function crlf(b: Uint8Array | string): Buffer {
  const s = typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.from(b)
  const out: number[] = []
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (c === 10 && (i === 0 || s[i - 1] !== 13)) out.push(13)
    out.push(c)
  }
  return Buffer.from(out)
}

/**
 * Put headers before the S/MIME output of `openssl cms|smime` (which starts with
 * MIME-Version and Content-Type): the message as a client would submit it.
 */
export function withHeaders(e: Envelope, smime: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(outerHeaders(e)), crlf(smime)])
}

export interface OpaqueOptions {
  /** smime-type parameter; omitted when null (the reader must sniff the CMS type). */
  smimeType: 'signed-data' | 'enveloped-data' | 'authEnveloped-data' | null
  /** application/x-pkcs7-mime instead of application/pkcs7-mime. */
  xPrefix?: boolean
  /** application/octet-stream with a .p7m name, as some old clients send. */
  octetStream?: boolean
}

/** A message whose whole body is a DER CMS object from a peer (opaque/enveloped). */
export function opaqueMessage(e: Envelope, der: Uint8Array, o: OpaqueOptions): Buffer {
  let ct: string
  if (o.octetStream) ct = 'application/octet-stream; name="smime.p7m"'
  else {
    ct = `application/${o.xPrefix ? 'x-' : ''}pkcs7-mime;${o.smimeType ? ` smime-type=${o.smimeType};` : ''} name="smime.p7m"`
  }
  const head = `${outerHeaders(e)}MIME-Version: 1.0\r\nContent-Type: ${ct}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7m"\r\n\r\n`
  return Buffer.concat([Buffer.from(head), Buffer.from(toBase64Lines(der))])
}

/** multipart/signed around the exact `content` entity bytes and a detached signature from a peer. */
export function detachedMessage(e: Envelope, content: Uint8Array, sigDer: Uint8Array, o: { micalg: string; xPrefix?: boolean }): Buffer {
  const boundary = `----cachet-interop-${Math.random().toString(36).slice(2)}`
  const sigType = o.xPrefix ? 'application/x-pkcs7-signature' : 'application/pkcs7-signature'
  const head = `${outerHeaders(e)}MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol="${sigType}"; micalg=${o.micalg}; boundary="${boundary}"\r\n\r\nThis is an S/MIME signed message\r\n--${boundary}\r\n`
  const sigPart = `\r\n--${boundary}\r\nContent-Type: ${sigType}; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7s"\r\n\r\n`
  return Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(sigPart), Buffer.from(toBase64Lines(sigDer)), Buffer.from(`--${boundary}--\r\n`)])
}

/** A simple inner MIME entity (what gets signed or encrypted), CRLF, 7-bit. */
export function textEntity(text: string): Buffer {
  const qp = Buffer.from(text, 'utf8').toString('base64').replace(/.{1,76}/g, '$&\r\n')
  return Buffer.from(`Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${qp}`)
}

/** An inner multipart/mixed entity with text and one binary attachment. */
export function mixedEntity(text: string, attachment: { filename: string; contentType: string; data: Uint8Array }): Buffer {
  const b = `----cachet-mixed-${Math.random().toString(36).slice(2)}`
  const head = `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\n`
  const att = `\r\n--${b}\r\nContent-Type: ${attachment.contentType}; name="${attachment.filename}"\r\nContent-Disposition: attachment; filename="${attachment.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n`
  return Buffer.concat([Buffer.from(head), textEntity(text), Buffer.from(att), Buffer.from(toBase64Lines(attachment.data)), Buffer.from(`--${b}--\r\n`)])
}
