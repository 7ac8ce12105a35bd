/** PEM (RFC 7468) in and out, strictly: one block of the expected label, base64 inside. */

/**
 * The DER inside the single PEM block of `text` whose label is one of `labels`; null
 * when there is no such block, more than one, text around it, or its body is not base64.
 */
export function pemToDer(text: string, labels: readonly string[]): Buffer | null {
  const m = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)\r?\n?-----END ([A-Z0-9 ]+)-----\s*$/.exec(text)
  if (!m || m[1] !== m[3] || !labels.includes(m[1]!)) return null
  const body = m[2]!.replace(/[ \t\r\n]+/g, '')
  if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return null
  return Buffer.from(body, 'base64')
}

/** PEM of `der` under `label`, 64 characters a line (RFC 7468 §2). */
export function derToPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64')
  return `-----BEGIN ${label}-----\n${b64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END ${label}-----\n`
}
