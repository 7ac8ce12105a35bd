/** GET /api/mailboxes (with special-use and unread counts), POST /api/mailboxes (create). */
import type { FastifyInstance } from 'fastify'
import { CreateMailboxRequest, routes } from '../../contract/index'
import { BridgeError } from '../errors'
import { listMailboxes } from '../imap/mailboxes'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

export function mailboxRoutes(app: FastifyInstance): void {
  define(app, routes.mailboxes, async (request) => ({ mailboxes: await listMailboxes(sessionOf(request).imap) }))

  define(app, routes.createMailbox, async (request) => {
    const { path } = parse(CreateMailboxRequest, request.body, 'folder')
    const imap = sessionOf(request).imap
    const res = await imap.run((c) => c.mailboxCreate(path))
    if (!res.created) throw new BridgeError('conflict', `A folder named "${path}" already exists.`)
    await imap.run((c) => c.mailboxSubscribe(res.path))
    const found = (await listMailboxes(imap)).find((m) => m.path === res.path)
    if (!found) throw new BridgeError('internal', 'The folder was created but is not listed. Reload the folder list.')
    return found
  })
}
