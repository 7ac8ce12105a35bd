/**
 * Field types shared by several routes. They are strict on purpose: nothing that reaches
 * an IMAP command or an SMTP envelope may carry CR, LF, NUL or other control characters
 * (header/command injection), and sizes are bounded.
 */
import { z } from 'zod'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** A string without control characters (so no CRLF injection), 1..max chars. */
export const safeText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !CONTROL.test(s), { message: 'must not contain control characters (CR, LF, NUL…)' })

/**
 * A mailbox path as the IMAP server names it (e.g. "INBOX", "Sent", "Archive/2024").
 * IMAP LIST wildcards `*` and `%` are refused too.
 */
export const MailboxPath = safeText(512).refine((s) => !/[*%]/.test(s), {
  message: 'must not contain the IMAP wildcards * or %',
})
export type MailboxPath = z.infer<typeof MailboxPath>

/**
 * An email address as used in SMTP envelopes and sign-in: a bare addr-spec
 * (`local@domain`), no display name, no spaces, no brackets, no quotes, no commas.
 */
export const EmailAddress = z
  .string()
  .min(3)
  .max(254)
  .regex(/^[^\s@<>,;:"()[\]\\]+@[A-Za-z0-9.-]+$/, { message: 'must be a plain address like alice@example.com' })
export type EmailAddress = z.infer<typeof EmailAddress>

/** An IMAP UID: positive 32-bit integer (RFC 3501 §2.3.1.1). Accepts numeric strings (path/query). */
export const Uid = z.coerce.number().int().min(1).max(0xffffffff)
export type Uid = z.infer<typeof Uid>

/** A system flag (`\Seen`…) or keyword (`$Junk`, `$Forwarded`): an IMAP atom, RFC 3501 §9 flag. */
export const Flag = z.string().regex(/^\\?[A-Za-z0-9$_.-]{1,64}$/, { message: 'must be an IMAP flag like \\Seen or $Junk' })
export type Flag = z.infer<typeof Flag>

/** RFC 6154 special-use roles (without the backslash), `inbox` for INBOX, `null` for user folders. */
export const SpecialUse = z.enum(['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged']).nullable()
export type SpecialUse = z.infer<typeof SpecialUse>

/** A display address from an envelope (name may be empty). */
export const Address = z.object({ name: z.string(), address: z.string() })
export type Address = z.infer<typeof Address>
