/**
 * Message routes. Messages are addressed by (mailbox, uid). The bridge never parses or
 * alters bodies: the list comes from ENVELOPE/FLAGS/RFC822.SIZE/BODYSTRUCTURE, and
 * `raw` returns the stored bytes as they are.
 */
import { z } from 'zod'
import { Address, Flag, MailboxPath, Uid } from './primitives'

/** Limits of the paged list. */
export const PAGE_SIZE_DEFAULT = 50
export const PAGE_SIZE_MAX = 200
/** Largest raw message accepted by append/send (bytes). */
export const MAX_RAW_BYTES = 50 * 1024 * 1024

/**
 * S/MIME kind read from BODYSTRUCTURE before the message is opened (RFC 8551 §3.4, §3.5):
 * `signed` = multipart/signed with application/(x-)pkcs7-signature, or
 * application/(x-)pkcs7-mime with smime-type=signed-data;
 * `encrypted` = application/(x-)pkcs7-mime with smime-type enveloped-data/authEnveloped-data
 * (or without smime-type);
 * the engine decides the real verdict after opening.
 */
export const SmimeKind = z.enum(['signed', 'encrypted', 'none'])
export type SmimeKind = z.infer<typeof SmimeKind>

export const MessageSummary = z.object({
  uid: z.number().int().positive(),
  seq: z.number().int().positive(),
  flags: z.array(z.string()),
  seen: z.boolean(),
  flagged: z.boolean(),
  answered: z.boolean(),
  draft: z.boolean(),
  from: z.array(Address),
  to: z.array(Address),
  cc: z.array(Address),
  subject: z.string(),
  /** ISO 8601 from the Date header (falls back to INTERNALDATE); null when neither parses. */
  date: z.string().nullable(),
  size: z.number().int().nonnegative(),
  hasAttachments: z.boolean(),
  smime: SmimeKind,
  messageId: z.string().nullable(),
})
export type MessageSummary = z.infer<typeof MessageSummary>

/** GET /api/messages query. `page` is 1-based; page 1 holds the newest messages. */
export const MessageListQuery = z.object({
  mailbox: MailboxPath,
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
})
export type MessageListQuery = z.infer<typeof MessageListQuery>
export type MessageListQueryInput = z.input<typeof MessageListQuery>

/** A page of messages, newest first. Also the answer of GET /api/search. */
export const MessagePage = z.object({
  mailbox: z.string(),
  /** Messages in the mailbox (or matches of the search). */
  total: z.number().int().nonnegative(),
  page: z.number().int().positive(),
  pageSize: z.number().int().positive(),
  uidValidity: z.string(),
  messages: z.array(MessageSummary),
})
export type MessagePage = z.infer<typeof MessagePage>

/**
 * GET /api/messages/:uid/raw?mailbox=… answers `message/rfc822` bytes, streamed, exactly
 * as stored. Params and query:
 */
export const RawParams = z.object({ uid: Uid })
/** Response header of the raw route carrying the message size in bytes (for progress). */
export const MESSAGE_SIZE_HEADER = 'x-message-size'
export type RawParams = z.infer<typeof RawParams>
export const RawQuery = z.object({ mailbox: MailboxPath })
export type RawQuery = z.infer<typeof RawQuery>

const uidList = z.array(Uid).min(1).max(5000)

/** POST /api/messages/flags (JSON): add and/or remove flags. */
export const FlagsRequest = z
  .object({
    mailbox: MailboxPath,
    uids: uidList,
    add: z.array(Flag).max(16).default([]),
    remove: z.array(Flag).max(16).default([]),
  })
  .refine((r) => r.add.length + r.remove.length > 0, { message: 'add or remove at least one flag' })
export type FlagsRequest = z.input<typeof FlagsRequest>

/** POST /api/messages/move (JSON). */
export const MoveRequest = z.object({ mailbox: MailboxPath, uids: uidList, destination: MailboxPath })
export type MoveRequest = z.infer<typeof MoveRequest>

/**
 * POST /api/messages/delete (JSON): moves to the special-use \Trash folder; messages
 * already in Trash are expunged for good.
 */
export const DeleteRequest = z.object({ mailbox: MailboxPath, uids: uidList })
export type DeleteRequest = z.infer<typeof DeleteRequest>

/** Answer of move/delete: where the messages went (null when expunged for good). */
export const MoveResponse = z.object({
  ok: z.literal(true),
  destination: z.string().nullable(),
  /** Source UID -> destination UID when the server reports it (UIDPLUS). */
  uidMap: z.record(z.string(), z.number()).nullable(),
})
export type MoveResponse = z.infer<typeof MoveResponse>

/**
 * POST /api/messages/append?mailbox=Drafts&flags=\Seen&flags=\Draft
 * Body: the raw RFC 5322 message, Content-Type `message/rfc822` or
 * `application/octet-stream`. Stored byte for byte.
 */
export const AppendQuery = z.object({
  mailbox: MailboxPath,
  flags: z
    .union([Flag, z.array(Flag).max(16)])
    .optional()
    .transform((f) => (f === undefined ? [] : Array.isArray(f) ? f : [f])),
})
export type AppendQuery = z.input<typeof AppendQuery>

export const AppendResponse = z.object({
  mailbox: z.string(),
  /** UID of the stored copy when the server reports it (UIDPLUS), else null. */
  uid: z.number().int().positive().nullable(),
})
export type AppendResponse = z.infer<typeof AppendResponse>
