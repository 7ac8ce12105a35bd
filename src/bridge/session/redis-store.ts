/**
 * Sessions in Redis (REDIS_URL), so any number of bridge instances behind a load
 * balancer share them: sign in on one, keep working on another, sign out anywhere.
 *
 * One Redis hash per session under `cachet:session:<SHA-256(id)>` (the id itself, which
 * the signed cookie carries, is never stored): the account, the password sealed with
 * AES-256-GCM (credentials.ts), the CSRF token, and the created / last-seen times. The
 * idle timeout is the key's TTL, refreshed on every request but never past the absolute
 * limit; both limits are also checked against the store's clock (injectable for tests),
 * so a record is refused even if a TTL was not yet applied. Reading, checking, touching
 * and expiring happen in one Lua script: one round trip, atomic across instances.
 *
 * What stays per instance: the IMAP connection (opened lazily from the stored credentials
 * when a request with that cookie first reaches this instance) and the end hooks of its
 * event streams. Sign-out deletes the record and publishes the hashed id; every instance
 * subscribed ends its local state at once. A sweep also ends local state whose record is
 * gone (expired, or a notice missed while Redis was away) and drops connections this
 * instance has not used for an idle period (the session may live on elsewhere).
 */
import { createHash } from 'node:crypto'
import { BridgeError } from '../errors'
import type { Credentials, ImapSession } from '../imap/connection'
import { endLocally, expiryOf, isExpired, newToken, type Session, type SessionStore } from '../session-store'
import { openPassword, sealPassword } from './credentials'
import { closeRedis, type Redis } from './redis-client'

export const SESSION_KEY_PREFIX = 'cachet:session:'
export const SESSION_END_CHANNEL = 'cachet:session-ended'

export interface RedisSessionStoreOptions {
  /** Commands. The store closes it in closeAll. */
  redis: Redis
  /** Receives end notices from other instances; null relies on the sweep alone. Closed in closeAll. */
  subscriber: Redis | null
  /** SESSION_SECRET: keys the sealing of stored passwords. */
  secret: string
  idleMs: number
  absoluteMs: number
  /** A lazy (not yet connected) IMAP session for credentials read from Redis. */
  imapFor(creds: Credentials): ImapSession
  /** The clock; injectable so expiry is tested without sleeping. */
  now?: () => number
  sweepMs?: number
  log?: { warn(msg: string): void }
}

/**
 * KEYS[1] record; ARGV now, idleMs, absoluteMs. Ends (deletes) an idle or too old
 * record; otherwise marks it seen and sets its TTL to what is left of the idle period
 * (capped by the absolute limit). Returns nil, or {email, sealed password, csrf, created}.
 */
const TOUCH = `
local f = redis.call('HMGET', KEYS[1], 'email', 'cred', 'csrf', 'created', 'seen')
if not f[1] or not f[2] or not f[3] or not f[4] or not f[5] then return false end
local now, idle, abs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local created, seen = tonumber(f[4]), tonumber(f[5])
if now - seen > idle or now - created > abs then
  redis.call('DEL', KEYS[1])
  return false
end
if now > seen then redis.call('HSET', KEYS[1], 'seen', ARGV[1]) end
local ttl = math.min(idle, created + abs - now)
if ttl < 1 then ttl = 1 end
redis.call('PEXPIRE', KEYS[1], ttl)
return {f[1], f[2], f[3], f[4]}
`
const TOUCH_SHA = createHash('sha1').update(TOUCH).digest('hex')

/** Session ids are 32 random bytes in base64url (newToken). */
const ID = /^[A-Za-z0-9_-]{43}$/

const hashId = (id: string) => createHash('sha256').update(id).digest('base64url')
const keyOf = (hash: string) => SESSION_KEY_PREFIX + hash
/** Binds a sealed password to its record and account. */
const aadOf = (hash: string, email: string) => `${keyOf(hash)}\n${email}`

export function storeUnavailable(): BridgeError {
  return new BridgeError('session_store_unavailable', 'Your session cannot be checked right now: the session store (Redis) is unreachable. Try again in a moment.')
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis'
  /** This instance's sessions, by hashed id. */
  private readonly local = new Map<string, Session>()
  private readonly now: () => number
  private readonly sweeper: NodeJS.Timeout
  private closed = false

  constructor(private readonly o: RedisSessionStoreOptions) {
    this.now = o.now ?? Date.now
    this.sweeper = setInterval(() => void this.sweep(), o.sweepMs ?? Math.min(60_000, o.idleMs)).unref()
  }

  /** Starts listening for sessions ended on other instances. */
  async listen(): Promise<void> {
    await this.o.subscriber?.subscribe(SESSION_END_CHANNEL, (hash) => this.endLocal(hash))
  }

  async create(email: string, password: string, imap: ImapSession): Promise<Session> {
    const now = this.now()
    const s: Session = { id: newToken(), email, password, csrfToken: newToken(), createdAt: now, lastSeenAt: now, imap, onEnd: new Set() }
    const hash = hashId(s.id)
    const key = keyOf(hash)
    const record = {
      v: '1',
      email,
      cred: sealPassword(this.o.secret, s.id, aadOf(hash, email), password),
      csrf: s.csrfToken,
      created: String(now),
      seen: String(now),
    }
    try {
      await this.o.redis.multi().hSet(key, record).pExpire(key, Math.min(this.o.idleMs, this.o.absoluteMs)).exec()
    } catch {
      // The store owns `imap` from here on; nothing will use it now.
      void imap.close()
      throw storeUnavailable()
    }
    this.local.set(hash, s)
    return s
  }

  async get(id: string): Promise<Session | null> {
    if (!ID.test(id)) return null
    const hash = hashId(id)
    const now = this.now()
    const fields = await this.touch(hash, now)
    const known = this.local.get(hash)
    if (!fields) {
      if (known) this.endLocal(hash)
      return null
    }
    if (known) {
      known.lastSeenAt = Math.max(known.lastSeenAt, now)
      return known
    }
    const [email, cred, csrfToken, created] = fields
    const password = openPassword(this.o.secret, id, aadOf(hash, email), cred)
    if (password === null) {
      // Sealed under another SESSION_SECRET (misconfigured instance) or tampered with.
      this.o.log?.warn('A session record in Redis could not be decrypted: do all bridge instances share one SESSION_SECRET?')
      return null
    }
    // Nothing was awaited since touch(): no other request can have built this session.
    const s: Session = {
      id,
      email,
      password,
      csrfToken,
      createdAt: Number(created),
      lastSeenAt: now,
      imap: this.o.imapFor({ user: email, pass: password }),
      onEnd: new Set(),
    }
    this.local.set(hash, s)
    return s
  }

  expiresAt(s: Session): Date {
    return expiryOf(s, this.o.idleMs, this.o.absoluteMs)
  }

  async destroy(id: string): Promise<void> {
    if (!ID.test(id)) return
    const hash = hashId(id)
    // Local state ends even if Redis is away; the record then ends with its TTL or a retry.
    this.endLocal(hash)
    try {
      await this.o.redis.multi().del(keyOf(hash)).publish(SESSION_END_CHANNEL, hash).exec()
    } catch {
      throw storeUnavailable()
    }
  }

  get localSize(): number {
    return this.local.size
  }

  async closeAll(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.sweeper)
    const all = [...this.local.values()]
    this.local.clear()
    await Promise.all(all.map(endLocally))
    await Promise.all([closeRedis(this.o.redis), this.o.subscriber ? closeRedis(this.o.subscriber) : null])
  }

  /** Ends this instance's state for a session (its record may live on, or not). */
  private endLocal(hash: string): void {
    const s = this.local.get(hash)
    if (!s) return
    this.local.delete(hash)
    void endLocally(s)
  }

  private async touch(hash: string, now: number): Promise<[string, string, string, string] | null> {
    const options = { keys: [keyOf(hash)], arguments: [String(now), String(this.o.idleMs), String(this.o.absoluteMs)] }
    let reply: unknown
    try {
      try {
        reply = await this.o.redis.evalSha(TOUCH_SHA, options)
      } catch (e) {
        // NOSCRIPT: first use on this Redis, or it restarted (its script cache is not
        // persisted): send the script itself, which also caches it.
        if (!String((e as Error)?.message).startsWith('NOSCRIPT')) throw e
        reply = await this.o.redis.eval(TOUCH, options)
      }
    } catch {
      throw storeUnavailable()
    }
    if (!Array.isArray(reply) || reply.length !== 4 || !reply.every((x) => typeof x === 'string')) return null
    return reply as [string, string, string, string]
  }

  /**
   * Ends local state whose record is gone, and local connections unused here for an idle
   * period (no open event stream): a later request rebuilds them from Redis.
   */
  private async sweep(): Promise<void> {
    if (this.local.size === 0 || this.closed) return
    const now = this.now()
    const hashes = [...this.local.keys()]
    let exists: unknown[]
    try {
      const m = this.o.redis.multi()
      for (const h of hashes) m.exists(keyOf(h))
      exists = await m.execAsPipeline()
    } catch {
      return // Redis away: try again next sweep.
    }
    hashes.forEach((h, i) => {
      const s = this.local.get(h)
      if (!s) return
      const unusedHere = s.onEnd.size === 0 && isExpired(s, now, this.o.idleMs, this.o.absoluteMs)
      if (exists[i] === 0 || unusedHere) this.endLocal(h)
    })
  }
}
