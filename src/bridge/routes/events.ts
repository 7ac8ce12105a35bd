/**
 * GET /api/events: server-sent events fed by IMAP IDLE (RFC 2177). Each stream has its
 * own IMAP connection (IDLE occupies a connection), closed when the browser goes away
 * or the session ends.
 */
import type { FastifyInstance } from 'fastify'
import { EventsQuery, routes, type MailEvent } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { BridgeError, fromImapError } from '../errors'
import { openImap } from '../imap/connection'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

export const PING_MS = 25_000

/**
 * The open streams of this bridge, by session id, oldest first: each holds an IMAP
 * connection, so without a bound one page reloading in a loop (or a script) could take
 * every connection the mail server allows this user (issue 11).
 */
class StreamRegistry {
  private bySession = new Map<string, Ticket[]>()
  private total = 0
  constructor(private readonly limits: BridgeConfig['eventStreams']) {}

  /**
   * A place for a new stream of this session, taken before its IMAP connection opens (so
   * a burst of requests cannot all pass the check): closes the session's oldest streams
   * beyond the per-session cap, refuses beyond the bridge's total.
   */
  reserve(sessionId: string): Ticket {
    const mine = this.bySession.get(sessionId) ?? []
    while (mine.length >= this.limits.perSession) mine[0]!.close()
    if (this.total >= this.limits.total) {
      throw new BridgeError('too_many_streams', 'The server has too many live connections right now; new mail will show in a moment.')
    }
    this.bySession.set(sessionId, mine)
    this.total++
    let end: (() => void) | null = null
    let closed = false
    const ticket: Ticket = {
      activate: (fn) => {
        end = fn
        if (closed) fn()
      },
      close: () => {
        if (closed) return
        closed = true
        const i = mine.indexOf(ticket)
        if (i >= 0) mine.splice(i, 1)
        if (mine.length === 0 && this.bySession.get(sessionId) === mine) this.bySession.delete(sessionId)
        this.total--
        end?.()
      },
    }
    mine.push(ticket)
    return ticket
  }

  get size(): number {
    return this.total
  }
}

interface Ticket {
  /** The stream is open: `end` closes it (at once, if the ticket was closed meanwhile). */
  activate(end: () => void): void
  /** Frees the place and ends the stream if it is open. Idempotent. */
  close(): void
}

export function eventRoutes(app: FastifyInstance, config: BridgeConfig): void {
  const streams = new StreamRegistry(config.eventStreams)
  app.decorate('eventStreamCount', () => streams.size)
  define(app, routes.events, async (request, reply) => {
    const session = sessionOf(request)
    const { mailbox } = parse(EventsQuery, request.query, 'query')
    const ticket = streams.reserve(session.id)
    let client
    try {
      client = await openImap(config.imap, { user: session.email, pass: session.password }, { autoIdle: true })
    } catch (e) {
      ticket.close()
      throw e
    }
    let opened
    try {
      opened = await client.mailboxOpen(mailbox, { readOnly: true })
    } catch (e) {
      ticket.close()
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
      ticket.close()
      clearInterval(ping)
      session.onEnd.delete(end)
      if (!res.writableEnded) res.end()
      client.logout().catch(() => {}).finally(() => client.close())
    }
    session.onEnd.add(end)
    request.raw.once('close', end)
    res.once('close', end)
    client.once('close', end) // the browser's EventSource reconnects by itself
    ticket.activate(end)
  })
}
