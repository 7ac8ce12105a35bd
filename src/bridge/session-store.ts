/**
 * In-memory session store. A session holds the account's credentials (needed for SMTP
 * AUTH and to reopen a dropped IMAP connection; never logged, never sent to the browser),
 * the CSRF token and the IMAP connection. Sessions end after an idle timeout and at an
 * absolute limit, whichever comes first.
 *
 * Not yet implemented: the Redis store DESIGN.md mentions for REDIS_URL (several bridge
 * instances behind a load balancer); the interface below is what it would implement.
 */
import { randomBytes } from 'node:crypto'
import type { ImapSession } from './imap/connection'

export interface Session {
  id: string
  email: string
  password: string
  csrfToken: string
  createdAt: number
  lastSeenAt: number
  imap: ImapSession
  /** Run when the session ends (closes its event streams). */
  onEnd: Set<() => void>
}

export class MemorySessionStore {
  private readonly sessions = new Map<string, Session>()
  private readonly sweeper: NodeJS.Timeout

  constructor(
    private readonly idleMs: number,
    private readonly absoluteMs: number,
    /** The clock; injectable so expiry is tested without sleeping. */
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(60_000, idleMs)).unref()
  }

  create(email: string, password: string, imap: ImapSession): Session {
    const now = this.now()
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      email,
      password,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      imap,
      onEnd: new Set(),
    }
    this.sessions.set(s.id, s)
    return s
  }

  /** The live session for an id, touching its idle timer; null when unknown or expired. */
  get(id: string): Session | null {
    const s = this.sessions.get(id)
    if (!s) return null
    const now = this.now()
    if (this.expired(s, now)) {
      this.destroy(id)
      return null
    }
    s.lastSeenAt = now
    return s
  }

  expiresAt(s: Session): Date {
    return new Date(Math.min(s.createdAt + this.absoluteMs, s.lastSeenAt + this.idleMs))
  }

  destroy(id: string): void {
    const s = this.sessions.get(id)
    if (!s) return
    this.sessions.delete(id)
    for (const f of s.onEnd) f()
    void s.imap.close()
  }

  get size(): number {
    return this.sessions.size
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper)
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const s of all) for (const f of s.onEnd) f()
    await Promise.all(all.map((s) => s.imap.close()))
  }

  private expired(s: Session, now: number): boolean {
    return now - s.lastSeenAt > this.idleMs || now - s.createdAt > this.absoluteMs
  }

  private sweep(): void {
    const now = this.now()
    for (const s of this.sessions.values()) if (this.expired(s, now)) this.destroy(s.id)
  }
}
