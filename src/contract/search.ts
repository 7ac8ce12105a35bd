/**
 * GET /api/search?mailbox=INBOX&q=…&field=text&page=1&pageSize=50 → MessagePage
 * (total = number of matches, newest first). Runs IMAP SEARCH on the server
 * (RFC 3501 §6.4.4): `from` → FROM, `subject` → SUBJECT, `body` → BODY, `text` → TEXT
 * (headers and body).
 */
import { z } from 'zod'
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX } from './messages'
import { MailboxPath, safeText } from './primitives'

export const SearchField = z.enum(['text', 'from', 'subject', 'body'])
export type SearchField = z.infer<typeof SearchField>

export const SearchQuery = z.object({
  mailbox: MailboxPath,
  q: safeText(256),
  field: SearchField.default('text'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
})
export type SearchQuery = z.input<typeof SearchQuery>
