/**
 * Sessions: what a signed-in browser has on the bridge, and the store interface both
 * stores implement. A session holds the account's credentials (needed for SMTP AUTH and
 * to reopen a dropped IMAP connection; never logged, never sent to the browser), the
 * CSRF token and this instance's IMAP connection. Sessions end after an idle timeout and
 * at an absolute limit, whichever comes first.
 *
 * Two stores: MemorySessionStore (here, the default: one bridge process) and
 * RedisSessionStore (session/redis-store.ts, with REDIS_URL: any number of instances
 * behind a load balancer). `createSessionStore` (session/create.ts) picks one.
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
  /** This instance's IMAP connection for the session (each instance opens its own). */
  imap: ImapSession
  /** Run when the session ends (closes its event streams). */
  onEnd: Set<() => void>
}

export interface SessionStore {
  readonly kind: 'memory' | 'redis'
  /** Starts a session with a fresh unguessable id and CSRF token. */
  create(email: string, password: string, imap: ImapSession): Promise<Session>
  /** The live session for an id, touching its idle timer; null when unknown or expired. */
  get(id: string): Promise<Session | null>
  /** When the session ends if it stays idle (or at its absolute limit, if sooner). */
  expiresAt(s: Session): Date
  /** Ends the session everywhere (sign-out, rotation at sign-in). */
  destroy(id: string): Promise<void>
  /** Sessions with state on this instance (an IMAP connection, end hooks). */
  readonly localSize: number
  /** Shutdown of this instance: ends its local state (in Redis, sessions live on). */
  closeAll(): Promise<void>
}

/** 32 random bytes, base64url: session ids and CSRF tokens. */
export const newToken = (): string => randomBytes(32).toString('base64url')

/** Idle or past the absolute limit at `now`. */
export function isExpired(s: Pick<Session, 'createdAt' | 'lastSeenAt'>, now: number, idleMs: number, absoluteMs: number): boolean {
  return now - s.lastSeenAt > idleMs || now - s.createdAt > absoluteMs
}

export function expiryOf(s: Pick<Session, 'createdAt' | 'lastSeenAt'>, idleMs: number, absoluteMs: number): Date {
  return new Date(Math.min(s.createdAt + absoluteMs, s.lastSeenAt + idleMs))
}

/** Ends a session's local state: its event streams, then its IMAP connection. */
export async function endLocally(s: Session): Promise<void> {
  for (const f of s.onEnd) f()
  s.onEnd.clear()
  await s.imap.close()
}

export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory'
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

  async create(email: string, password: string, imap: ImapSession): Promise<Session> {
    const now = this.now()
    const s: Session = { id: newToken(), email, password, csrfToken: newToken(), createdAt: now, lastSeenAt: now, imap, onEnd: new Set() }
    this.sessions.set(s.id, s)
    return s
  }

  async get(id: string): Promise<Session | null> {
    const s = this.sessions.get(id)
    if (!s) return null
    const now = this.now()
    if (isExpired(s, now, this.idleMs, this.absoluteMs)) {
      this.end(id)
      return null
    }
    s.lastSeenAt = now
    return s
  }

  expiresAt(s: Session): Date {
    return expiryOf(s, this.idleMs, this.absoluteMs)
  }

  async destroy(id: string): Promise<void> {
    this.end(id)
  }

  get localSize(): number {
    return this.sessions.size
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper)
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(all.map(endLocally))
  }

  private end(id: string): void {
    const s = this.sessions.get(id)
    if (!s) return
    this.sessions.delete(id)
    void endLocally(s)
  }

  private sweep(): void {
    const now = this.now()
    for (const s of this.sessions.values()) if (isExpired(s, now, this.idleMs, this.absoluteMs)) this.end(s.id)
  }
}
