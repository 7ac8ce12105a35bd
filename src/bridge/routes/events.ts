/**
 * GET /api/events: server-sent events fed by IMAP IDLE (RFC 2177). Each stream has its
 * own IMAP connection (IDLE occupies a connection), closed when the browser goes away
 * or the session ends.
 */
import type { FastifyInstance } from 'fastify'
import { EventsQuery, routes, type MailEvent } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { fromImapError } from '../errors'
import { openImap } from '../imap/connection'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

export const PING_MS = 25_000

export function eventRoutes(app: FastifyInstance, config: BridgeConfig): void {
  define(app, routes.events, async (request, reply) => {
    const session = sessionOf(request)
    const { mailbox } = parse(EventsQuery, request.query, 'query')
    const client = await openImap(config.imap, { user: session.email, pass: session.password }, { autoIdle: true })
    let opened
    try {
      opened = await client.mailboxOpen(mailbox, { readOnly: true })
    } catch (e) {
      client.close()
      throw fromImapError(e)
    }
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    })
    const send = (ev: MailEvent) => {
      if (!res.writableEnded) res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`)
    }
    send({ type: 'ready', mailbox, exists: opened.exists })
    client.on('exists', (d: { count: number; prevCount: number }) => send({ type: 'exists', mailbox, exists: d.count, previous: d.prevCount }))
    client.on('expunge', (d: { seq: number }) => send({ type: 'expunge', mailbox, seq: d.seq }))
    client.on('flags', (d: { seq: number; uid?: number; flags: Set<string> }) =>
      send({ type: 'flags', mailbox, seq: d.seq, uid: d.uid ?? null, flags: [...d.flags] }),
    )
    const ping = setInterval(() => !res.writableEnded && res.write(': ping\n\n'), PING_MS)
    let ended = false
    const end = () => {
      if (ended) return
      ended = true
      clearInterval(ping)
      session.onEnd.delete(end)
      if (!res.writableEnded) res.end()
      client.logout().catch(() => {}).finally(() => client.close())
    }
    session.onEnd.add(end)
    request.raw.once('close', end)
    res.once('close', end)
    client.once('close', end) // the browser's EventSource reconnects by itself
  })
}
