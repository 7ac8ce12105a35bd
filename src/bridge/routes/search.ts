/** GET /api/search: IMAP SEARCH (FROM/SUBJECT/BODY/TEXT) in one folder, paged newest first. */
import type { FastifyInstance } from 'fastify'
import { routes, SearchQuery, type MessagePage } from '../../contract/index'
import { mergeRows } from '../imap/page'
import { SUMMARY_QUERY, toSummary } from '../imap/summary'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { clientGone, define } from './define'

export function searchRoutes(app: FastifyInstance): void {
  define(app, routes.search, async (request, reply): Promise<MessagePage> => {
    const q = parse(SearchQuery, request.query, 'search')
    const gone = clientGone(reply)
    return sessionOf(request).imap.withMailbox(q.mailbox, async (c) => {
      // Scrolled past while queued (see clientGone): no SEARCH of the whole folder for nobody.
      if (gone.aborted) return { mailbox: q.mailbox, total: 0, page: q.page, pageSize: q.pageSize, uidValidity: '0', messages: [] }
      // imapflow sends the term as a quoted string or literal; the schema already refused CR/LF.
      const found = (await c.search({ [q.field]: q.q }, { uid: true })) || []
      const uids = [...found].sort((a, b) => b - a)
      const pageUids = uids.slice((q.page - 1) * q.pageSize, q.page * q.pageSize)
      const fetched = pageUids.length ? await c.fetchAll(pageUids.join(','), SUMMARY_QUERY, { uid: true }) : []
      // One row per message (unsolicited FLAGS updates folded in), only the page's UIDs.
      const wanted = new Set(pageUids)
      const rows = mergeRows(fetched, 1, Number.MAX_SAFE_INTEGER).filter((m) => wanted.has(m.uid))
      return {
        mailbox: q.mailbox,
        total: uids.length,
        page: q.page,
        pageSize: q.pageSize,
        uidValidity: c.mailbox ? String(c.mailbox.uidValidity) : '0',
        messages: rows.sort((a, b) => b.uid - a.uid).map(toSummary),
      }
    })
  })
}
