/**
 * One IMAP IDLE connection per (account, mailbox) on this bridge, shared by every event
 * stream of that account that watches that mailbox (RFC 2177). Before, each stream held
 * its own connection: 500 sessions over four accounts took 1,000 IDLE connections,
 * Dovecot refused past its per-user cap, and it ran out of inotify instances (issue 11).
 * Only the same account's streams share (the key is the address): what they learn
 * (counts, flags) is that account's own.
 */
import type { ImapFlow } from 'imapflow'
import type { MailEvent } from '../../contract/index'
import { fromImapError } from '../errors'
import { openImap, type Credentials, type ImapServer } from '../imap/connection'

export type WatchEvent = MailEvent | { type: 'closed' }
type Listener = (ev: WatchEvent) => void

interface Watcher {
  key: string
  mailbox: string
  client: ImapFlow | null
  exists: number
  listeners: Set<Listener>
  ready: Promise<void>
  closed: boolean
}

export class MailboxWatchers {
  private watchers = new Map<string, Watcher>()

  constructor(private readonly server: ImapServer) {}

  /** Open IDLE connections (tests and load figures). */
  get size(): number {
    return this.watchers.size
  }

  /**
   * Follow `mailbox` of `creds.user`: resolves with the message count once the shared
   * connection is ready; `listener` gets every change, then 'closed' if the connection
   * ends (the browser's EventSource reconnects and subscribes again).
   */
  async subscribe(creds: Credentials, mailbox: string, listener: Listener): Promise<{ exists: number; unsubscribe: () => void }> {
    const key = `${creds.user.toLowerCase()}\n${mailbox}`
    let w = this.watchers.get(key)
    if (!w || w.closed) {
      w = this.open(key, creds, mailbox)
      this.watchers.set(key, w)
    }
    const watcher = w
    watcher.listeners.add(listener)
    try {
      await watcher.ready
    } catch (e) {
      watcher.listeners.delete(listener)
      throw e
    }
    return {
      exists: watcher.exists,
      unsubscribe: () => {
        watcher.listeners.delete(listener)
        if (watcher.listeners.size === 0) this.close(watcher)
      },
    }
  }

  private open(key: string, creds: Credentials, mailbox: string): Watcher {
    const w: Watcher = { key, mailbox, client: null, exists: 0, listeners: new Set(), ready: Promise.resolve(), closed: false }
    const emit = (ev: WatchEvent) => {
      for (const l of [...w.listeners]) l(ev)
    }
    w.ready = (async () => {
      const client = await openImap(this.server, creds, { autoIdle: true })
      try {
        const opened = await client.mailboxOpen(mailbox, { readOnly: true })
        w.exists = opened.exists
      } catch (e) {
        client.close()
        throw fromImapError(e)
      }
      w.client = client
      client.on('exists', (d: { count: number; prevCount: number }) => {
        w.exists = d.count
        emit({ type: 'exists', mailbox, exists: d.count, previous: d.prevCount })
      })
      client.on('expunge', (d: { seq: number }) => {
        w.exists = Math.max(0, w.exists - 1)
        emit({ type: 'expunge', mailbox, seq: d.seq })
      })
      client.on('flags', (d: { seq: number; uid?: number; flags: Set<string> }) =>
        emit({ type: 'flags', mailbox, seq: d.seq, uid: d.uid ?? null, flags: [...d.flags] }),
      )
      client.once('close', () => {
        this.forget(w)
        emit({ type: 'closed' })
      })
      // Everyone left while the connection was opening.
      if (w.listeners.size === 0) this.close(w)
    })()
    w.ready.catch(() => this.forget(w))
    return w
  }

  private forget(w: Watcher): void {
    w.closed = true
    if (this.watchers.get(w.key) === w) this.watchers.delete(w.key)
  }

  private close(w: Watcher): void {
    this.forget(w)
    const c = w.client
    if (c) c.logout().catch(() => {}).finally(() => c.close())
  }

  /** Ends every connection (bridge shutdown). */
  closeAll(): void {
    for (const w of [...this.watchers.values()]) this.close(w)
  }
}
