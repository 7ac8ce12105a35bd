/**
 * POST /api/send?envelopeFrom=…&envelopeTo=…&envelopeTo=…
 * Body: the raw RFC 5322 message (`message/rfc822` or `application/octet-stream`), sent
 * byte for byte and then appended, the same bytes, to the special-use \Sent folder.
 *
 * Envelope: by default taken from the message headers (From → MAIL FROM; To, Cc, Bcc →
 * RCPT TO). Because the bytes are never altered, the app must NOT put a Bcc header in the
 * raw message; instead it passes the full recipient list (To + Cc + Bcc) as `envelopeTo`.
 * When `envelopeTo` is given it replaces the header-derived recipients. The envelope
 * sender must be the signed-in account.
 */
import { z } from 'zod'
import { ErrorBody } from './errors'
import { EmailAddress } from './primitives'

export const SendQuery = z.object({
  envelopeFrom: EmailAddress.optional(),
  envelopeTo: z
    .union([EmailAddress, z.array(EmailAddress).min(1).max(500)])
    .optional()
    .transform((t) => (t === undefined ? undefined : Array.isArray(t) ? t : [t])),
})
export type SendQuery = z.input<typeof SendQuery>

export const SendResponse = z.object({
  accepted: z.array(z.string()),
  rejected: z.array(z.string()),
  /** Message-ID header of the message, when it has one. */
  messageId: z.string().nullable(),
  /** The Sent folder the copy went to (null when the copy failed), and its UID (null if the server did not say). */
  sentMailbox: z.string().nullable(),
  sentUid: z.number().int().positive().nullable(),
  /**
   * Why the copy to Sent failed, when it did (null when it was saved). The message went
   * out all the same: a client keeps the bytes and later appends them to Sent
   * (POST /api/messages/append), and must never send them again.
   */
  sentCopyError: ErrorBody.nullable(),
})
export type SendResponse = z.infer<typeof SendResponse>

/** Builds the query string of POST /api/send for an explicit envelope (e.g. with Bcc). */
export function sendQueryString(envelope?: { from?: string; to?: string[] }): string {
  const p = new URLSearchParams()
  if (envelope?.from) p.append('envelopeFrom', envelope.from)
  for (const t of envelope?.to ?? []) p.append('envelopeTo', t)
  const s = p.toString()
  return s ? `?${s}` : ''
}
