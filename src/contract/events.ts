/**
 * GET /api/events: a server-sent event stream (text/event-stream) fed by IMAP IDLE on the
 * mailbox given (default INBOX). Each SSE `event:` name is the `type` below and its
 * `data:` is the JSON object. A `: ping` comment is sent every 25 s to keep proxies open.
 */
import { z } from 'zod'
import { MailboxPath } from './primitives'

export const EventsQuery = z.object({ mailbox: MailboxPath.default('INBOX') })
export type EventsQuery = z.input<typeof EventsQuery>

export const MailEvent = z.discriminatedUnion('type', [
  /** Stream is open and IDLE is running. */
  z.object({ type: z.literal('ready'), mailbox: z.string(), exists: z.number().int() }),
  /** The message count grew: new mail arrived. `exists` is the new count. */
  z.object({ type: z.literal('exists'), mailbox: z.string(), exists: z.number().int(), previous: z.number().int() }),
  /** A message was removed (EXPUNGE): `seq` is its old sequence number. */
  z.object({ type: z.literal('expunge'), mailbox: z.string(), seq: z.number().int() }),
  /** Flags of a message changed (by another client or this one). */
  z.object({
    type: z.literal('flags'),
    mailbox: z.string(),
    seq: z.number().int(),
    uid: z.number().int().nullable(),
    flags: z.array(z.string()),
  }),
])
export type MailEvent = z.infer<typeof MailEvent>
export type MailEventType = MailEvent['type']
export const MAIL_EVENT_TYPES: MailEventType[] = ['ready', 'exists', 'expunge', 'flags']
