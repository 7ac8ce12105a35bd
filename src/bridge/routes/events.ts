/**
 * GET /api/events: server-sent events fed by IMAP IDLE (RFC 2177). A stream subscribes to
 * the account's shared IDLE connection for its mailbox (events/watchers.ts); it takes a
 * place in the per-session and per-bridge bounds (events/streams.ts) and ends when the
 * browser goes away, the session ends or the connection closes (EventSource reconnects).
 */
import type { FastifyInstance } from 'fastify'
import { EventsQuery, routes, type MailEvent } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { StreamRegistry } from '../events/streams'
import { MailboxWatchers } from '../events/watchers'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

export const PING_MS = 25_000

export function eventRoutes(app: FastifyInstance, config: BridgeConfig): void {
  const streams = new StreamRegistry(config.eventStreams)
  const watchers = new MailboxWatchers(config.imap)
  app.decorate('eventStreamCount', () => streams.size)
  app.decorate('imapWatcherCount', () => watchers.size)
  app.addHook('onClose', async () => watchers.closeAll())
  define(app, routes.events, async (request, reply) => {
    const session = sessionOf(request)
    const { mailbox } = parse(EventsQuery, request.query, 'query')
    const ticket = streams.reserve(session.id)
    const res = reply.raw
    // Events that arrive between the subscription and the response head wait here.
    let live = false
    const early: MailEvent[] = []
    const send = (ev: MailEvent) => {
      if (!live) return void early.push(ev)
      if (!res.writableEnded) res.write(`event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`)
    }
    let end = () => {}
    let sub: Awaited<ReturnType<MailboxWatchers['subscribe']>>
    try {
      sub = await watchers.subscribe({ user: session.email, pass: session.password }, mailbox, (ev) => (ev.type === 'closed' ? end() : send(ev)))
    } catch (e) {
      ticket.close()
      throw e
    }
    reply.hijack()
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    })
    live = true
    send({ type: 'ready', mailbox, exists: sub.exists })
    for (const ev of early.splice(0)) send(ev)
    const ping = setInterval(() => !res.writableEnded && res.write(': ping\n\n'), PING_MS)
    let ended = false
    end = () => {
      if (ended) return
      ended = true
      ticket.close()
      clearInterval(ping)
      session.onEnd.delete(end)
      sub.unsubscribe()
      if (!res.writableEnded) res.end()
    }
    session.onEnd.add(end)
    request.raw.once('close', end)
    res.once('close', end)
    ticket.activate(end)
  })
}
