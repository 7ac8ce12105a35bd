/** Bounds on open event streams, per session and per bridge (issue 11). */
import type { BridgeConfig } from '../config'
import { BridgeError } from '../errors'

/**
 * The open streams of this bridge, by session id, oldest first: each holds an IMAP
 * connection, so without a bound one page reloading in a loop (or a script) could take
 * every connection the mail server allows this user (issue 11).
 */
export class StreamRegistry {
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

export interface Ticket {
  /** The stream is open: `end` closes it (at once, if the ticket was closed meanwhile). */
  activate(end: () => void): void
  /** Frees the place and ends the stream if it is open. Idempotent. */
  close(): void
}

