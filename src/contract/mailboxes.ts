/** Mailbox (folder) routes. */
import { z } from 'zod'
import { MailboxPath, SpecialUse } from './primitives'

export const Mailbox = z.object({
  /** Full path, the identifier to send back in other requests. */
  path: MailboxPath,
  /** Last path segment, for display. */
  name: z.string(),
  delimiter: z.string().nullable(),
  specialUse: SpecialUse,
  total: z.number().int().nonnegative(),
  unread: z.number().int().nonnegative(),
  subscribed: z.boolean(),
})
export type Mailbox = z.infer<typeof Mailbox>

/** GET /api/mailboxes: INBOX first, then the special-use folders, then the rest by path. */
export const MailboxList = z.object({ mailboxes: z.array(Mailbox) })
export type MailboxList = z.infer<typeof MailboxList>

/** POST /api/mailboxes (JSON): create a user folder. Responds with the Mailbox. */
export const CreateMailboxRequest = z.object({ path: MailboxPath })
export type CreateMailboxRequest = z.infer<typeof CreateMailboxRequest>
