/**
 * Message routes: the paged list (imap/page.ts: only the page's sequence range is fetched,
 * so a folder of 50,000 opens like one of 50), raw bytes (streamed as stored), flags, move, delete
 * (to Trash) and append (raw bytes in).
 */
import type { FastifyInstance } from 'fastify'
import {
  AppendQuery,
  DeleteRequest,
  FlagsRequest,
  MAX_RAW_BYTES,
  MESSAGE_SIZE_HEADER,
  MessageListQuery,
  MoveRequest,
  RawParams,
  RawQuery,
  routes,
  type MessagePage,
  type MoveResponse,
} from '../../contract/index'
import { BridgeError, fromImapError } from '../errors'
import { specialFolder } from '../imap/mailboxes'
import { readPage } from '../imap/page'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { clientGone, define } from './define'

/** Raw message bodies: message/rfc822 or application/octet-stream, kept as bytes. */
export function registerRawBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser(['message/rfc822', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_RAW_BYTES }, (_req, body, done) =>
    done(null, body),
  )
}

export function rawBody(body: unknown): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw new BridgeError('bad_request', 'Send the raw message as the request body with Content-Type message/rfc822.')
  }
  return body
}

const uidMapOf = (m: Map<number, number> | undefined): Record<string, number> | null =>
  m ? Object.fromEntries([...m].map(([k, v]) => [String(k), v])) : null

export function messageRoutes(app: FastifyInstance): void {
  define(app, routes.messages, async (request, reply): Promise<MessagePage> => {
    const q = parse(MessageListQuery, request.query, 'query')
    const started = performance.now()
    let selected = started
    const gone = clientGone(reply)
    const page = await sessionOf(request).imap.withMailbox(q.mailbox, (c) => {
      selected = performance.now()
      return readPage(c, q.page, q.pageSize, gone)
    })
    // Where the time went (W3C Server-Timing): connection + SELECT or NOOP, then FETCH and
    // summaries; the bench reads it, and so can the browser's network panel.
    reply.header('server-timing', `mailbox;dur=${(selected - started).toFixed(1)}, fetch;dur=${(performance.now() - selected).toFixed(1)}`)
    return { mailbox: q.mailbox, page: q.page, pageSize: q.pageSize, ...page }
  })

  define(app, routes.raw, async (request, reply) => {
    const { uid } = parse(RawParams, request.params, 'message id')
    const { mailbox } = parse(RawQuery, request.query, 'query')
    const { client, release } = await sessionOf(request).imap.lockMailbox(mailbox)
    let dl
    try {
      dl = await client.download(String(uid), undefined, { uid: true })
    } catch (e) {
      release()
      throw fromImapError(e)
    }
    if (!dl.content) {
      release()
      throw new BridgeError('not_found', 'That message is gone (moved or deleted). Reload the list.')
    }
    let released = false
    const done = () => {
      if (released) return
      released = true
      release()
    }
    dl.content.once('end', done).once('error', done).once('close', done)
    reply.raw.once('close', done)
    reply.header('content-type', 'message/rfc822').header('cache-control', 'private, no-store')
    // The size the server announced (RFC822.SIZE), for a progress bar; not Content-Length,
    // so a server that counts differently can never truncate the stream.
    if (dl.meta.expectedSize) reply.header(MESSAGE_SIZE_HEADER, String(dl.meta.expectedSize))
    return reply.send(dl.content)
  })

  define(app, routes.flags, async (request) => {
    const r = parse(FlagsRequest, request.body, 'flags request')
    await sessionOf(request).imap.withMailbox(r.mailbox, async (c) => {
      if (r.add.length) await c.messageFlagsAdd(r.uids, r.add, { uid: true })
      if (r.remove.length) await c.messageFlagsRemove(r.uids, r.remove, { uid: true })
    })
    return { ok: true }
  })

  define(app, routes.move, async (request): Promise<MoveResponse> => {
    const r = parse(MoveRequest, request.body, 'move request')
    const imap = sessionOf(request).imap
    const res = await imap.withMailbox(r.mailbox, (c) => c.messageMove(r.uids, r.destination, { uid: true }))
    if (!res) {
      // imapflow reports a refused MOVE as `false`; say why when the reason is a missing folder.
      const exists = (await imap.run((c) => c.list())).some((e) => e.path === r.destination)
      if (!exists) throw new BridgeError('not_found', `There is no folder "${r.destination}". Reload the folder list.`)
      throw new BridgeError('imap_error', 'The mail server did not move the messages. Reload and try again.')
    }
    return { ok: true, destination: res.destination, uidMap: uidMapOf(res.uidMap) }
  })

  define(app, routes.delete, async (request): Promise<MoveResponse> => {
    const r = parse(DeleteRequest, request.body, 'delete request')
    const imap = sessionOf(request).imap
    const trash = await specialFolder(imap, 'trash')
    if (r.mailbox === trash) {
      // Already in Trash: delete for good (\Deleted + UID EXPUNGE).
      await imap.withMailbox(r.mailbox, (c) => c.messageDelete(r.uids, { uid: true }))
      return { ok: true, destination: null, uidMap: null }
    }
    const res = await imap.withMailbox(r.mailbox, (c) => c.messageMove(r.uids, trash, { uid: true }))
    if (!res) throw new BridgeError('imap_error', 'The mail server did not move the messages to Trash. Reload and try again.')
    return { ok: true, destination: res.destination, uidMap: uidMapOf(res.uidMap) }
  })

  define(
    app,
    routes.append,
    async (request) => {
      const q = parse(AppendQuery, request.query, 'query')
      const body = rawBody(request.body)
      const res = await sessionOf(request).imap.run((c) => c.append(q.mailbox, body, q.flags))
      if (!res) throw new BridgeError('imap_error', `The mail server did not store the message in "${q.mailbox}".`)
      return { mailbox: res.destination, uid: res.uid ?? null }
    },
    { bodyLimit: MAX_RAW_BYTES },
  )
}
