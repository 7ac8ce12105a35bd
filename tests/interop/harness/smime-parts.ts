/**
 * Pulling the CMS objects out of an S/MIME message for peers that take DER (cmsutil,
 * gpgsm). Deliberately naive and independent of src/core: it only needs to handle the
 * messages Cachet writes (one application/pkcs7-mime body, or a two-part
 * multipart/signed with a base64 signature).
 */

function headerEnd(b: Buffer, from = 0): number {
  const i = b.indexOf('\r\n\r\n', from)
  if (i < 0) throw new Error('no header/body separator')
  return i
}

/** The DER of an application/pkcs7-mime message (the whole body is base64). */
export function pkcs7MimeDer(message: Uint8Array): Buffer {
  const b = Buffer.from(message)
  return Buffer.from(b.subarray(headerEnd(b) + 4).toString('latin1'), 'base64')
}

/** The exact signed bytes and the signature DER of a multipart/signed message. */
export function multipartSignedParts(message: Uint8Array): { content: Buffer; signature: Buffer } {
  const b = Buffer.from(message)
  const head = b.subarray(0, headerEnd(b)).toString('latin1').replace(/\r\n[ \t]+/g, ' ')
  const m = /boundary="?([^";\r\n]+)"?/i.exec(head)
  if (!m) throw new Error('no boundary')
  const delim = Buffer.from(`\r\n--${m[1]}`)
  const first = b.indexOf(`--${m[1]}\r\n`)
  const start = first + m[1]!.length + 4
  const end = b.indexOf(delim, start)
  const content = b.subarray(start, end)
  const sigStart = end + delim.length + 2
  const sigEnd = b.indexOf(delim, sigStart)
  const sigPart = b.subarray(sigStart, sigEnd)
  const signature = Buffer.from(sigPart.subarray(headerEnd(sigPart) + 4).toString('latin1'), 'base64')
  return { content, signature }
}

export function isMultipartSigned(message: Uint8Array): boolean {
  const b = Buffer.from(message)
  return /content-type:\s*multipart\/signed/i.test(b.subarray(0, headerEnd(b)).toString('latin1'))
}
