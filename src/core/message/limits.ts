/**
 * One table of message sizes (issue 11), from which every side derives its own:
 * compose refuses what could not be sent, the bridge and the SMTP service refuse what is
 * larger than they take, the engine opens everything the wire can carry.
 *
 * Sealing grows a message: the draft already holds its attachments in base64 (4/3, plus
 * CRLF every 76 characters), a signature adds the signer's certificates, and encryption
 * base64s the whole entity once more. A 35 MB attachment is about 48 MB as a draft and
 * 65 MB encrypted: before this table compose accepted it, sealed it, and it waited in the
 * Outbox for a Retry that the bridge's 50 MB limit could never let through.
 */

/** Largest message on the wire: the bridge's upload limit and the SMTP service's SIZE (tests check they agree). */
export const WIRE_LIMIT_BYTES = 50 * 1024 * 1024

/** What a signature adds at most: SignerInfo, the signer's chain, the multipart/signed framing (generous). */
export const SIGNATURE_OVERHEAD_BYTES = 64 * 1024
/** What an encryption layer adds besides base64: recipient infos (a few KB each), algorithm, headers. */
export const ENVELOPE_OVERHEAD_BYTES = 64 * 1024

/** Length of `n` bytes in MIME base64 with CRLF after every 76 characters (RFC 2045 §6.8). */
export function base64Size(n: number): number {
  const chars = Math.ceil(n / 3) * 4
  return chars + Math.ceil(chars / 76) * 2
}

/** An upper bound of the sealed size of a draft of `draftBytes` (RFC 5322, attachments already base64). */
export function sealedSizeBound(draftBytes: number, o: { sign: boolean; encrypt: boolean; recipients?: number }): number {
  let n = draftBytes
  if (o.sign) n += SIGNATURE_OVERHEAD_BYTES
  if (o.encrypt) n = base64Size(n + ENVELOPE_OVERHEAD_BYTES + 4096 * (o.recipients ?? 1)) + 4096
  return n
}

export interface SizeLimitExceeded {
  code: 'limit-exceeded'
  limit: number
  /** The sealed size's upper bound. */
  actual: number
}

/** Would this draft, sealed so, fit on the wire? null when it would. */
export function checkSealedSize(draftBytes: number, o: { sign: boolean; encrypt: boolean; recipients?: number }): SizeLimitExceeded | null {
  const actual = sealedSizeBound(draftBytes, o)
  return actual > WIRE_LIMIT_BYTES ? { code: 'limit-exceeded', limit: WIRE_LIMIT_BYTES, actual } : null
}
