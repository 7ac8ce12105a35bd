/**
 * One page of a folder, newest first, in work proportional to the page, never to the
 * folder: the page's messages are a sequence-number range computed from EXISTS (RFC 3501
 * §7.3.1) — page 1 of a folder of n is `n-pageSize+1:n` — and one FETCH of that range
 * (envelope, flags, size, date, BODYSTRUCTURE) answers it. No SEARCH, SORT or UID list of
 * the whole folder is ever asked for.
 *
 * Sequence numbers are the order the server appended messages in, which is the order of
 * arrival: "newest first" means the highest sequence numbers first, exactly what a client
 * sorting by arrival shows. A page is the state of the folder when it was asked for: the
 * caller (ImapSession.withMailbox) has sent NOOP on a reused connection, so mail that
 * arrived or was expunged since the last request is already counted in EXISTS.
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow'
import type { MessageSummary } from '../../contract/index'
import { SUMMARY_QUERY, toSummary } from './summary'

/** Inclusive sequence-number range of a page, or null when the page is past the oldest message. */
export function pageRange(exists: number, page: number, pageSize: number): { from: number; to: number } | null {
  const to = exists - (page - 1) * pageSize
  if (to < 1) return null
  return { from: Math.max(1, to - pageSize + 1), to }
}

export interface FolderPage {
  total: number
  uidValidity: string
  messages: MessageSummary[]
}

/**
 * imapflow hands back every untagged FETCH the command brought, and a server may send
 * unsolicited ones at any time (RFC 3501 §7.4.2), typically FLAGS (\Deleted, \Seen…)
 * changed by another session while our FETCH ran: a second row for the same sequence
 * number with no UID and no envelope. One row per message, the data row completed by the
 * latest flags; rows outside the asked range (an update for another message) are dropped.
 */
export function mergeRows(rows: FetchMessageObject[], from: number, to: number): FetchMessageObject[] {
  const bySeq = new Map<number, FetchMessageObject>()
  for (const row of rows) {
    if (row.seq < from || row.seq > to) continue
    const prev = bySeq.get(row.seq)
    if (!prev) {
      bySeq.set(row.seq, row)
      continue
    }
    const merged: FetchMessageObject = { ...prev }
    for (const [k, v] of Object.entries(row)) if (v !== undefined && v !== null) (merged as unknown as Record<string, unknown>)[k] = v
    bySeq.set(row.seq, merged)
  }
  // A row that never got its UID cannot be opened, flagged or moved: not a list entry.
  return [...bySeq.values()].filter((r) => r.uid > 0).sort((a, b) => b.seq - a.seq)
}

/**
 * Reads one page of the selected folder. `c` must have the folder selected (withMailbox).
 * No FETCH at all when `gone` is aborted by then.
 *
 * A message expunged by another session after our last NOOP keeps its sequence number
 * until we are told (no EXPUNGE may be sent during FETCH, RFC 3501 §7.4.1): Dovecot still
 * answers for it from its index, or leaves it out with "NO [EXPUNGEISSUED] Some of the
 * requested messages no longer exist" (RFC 5530), which imapflow takes as a partial answer.
 * Either way the page is the folder as of the NOOP; the next request shows the expunge.
 */
export async function readPage(c: ImapFlow, page: number, pageSize: number, gone?: AbortSignal): Promise<FolderPage> {
  const mb = c.mailbox
  const exists = mb ? mb.exists : 0
  const uidValidity = mb ? String(mb.uidValidity) : '0'
  const range = pageRange(exists, page, pageSize)
  // `gone`: the browser dropped the request while it waited for the session's connection
  // (a block of the list scrolled past, web/list/blocks.ts): nobody will read this page.
  if (!range || gone?.aborted) return { total: exists, uidValidity, messages: [] }
  const fetched = await c.fetchAll(`${range.from}:${range.to}`, SUMMARY_QUERY)
  return { total: exists, uidValidity, messages: mergeRows(fetched, range.from, range.to).map(toSummary) }
}
