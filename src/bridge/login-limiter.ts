/**
 * Sign-in rate limits (OWASP Authentication Cheat Sheet, "Login Throttling"): attempts
 * per client address, and failed attempts per account, in a sliding window. A success
 * clears the account's failures. Limits are checked before the IMAP LOGIN, so a limited
 * client costs the mail server nothing.
 *
 * Two stores behind one interface, as for sessions (DESIGN.md, "Scale"): in memory by
 * default, in Redis with REDIS_URL (login-limiter-redis.ts) so that N bridge instances
 * behind a load balancer give an attacker the same number of guesses as one.
 *
 * An attempt reserves its place in the account's failures when it starts, not when the
 * IMAP server answers: otherwise parallel guesses would all pass the check while the
 * first LOGINs are still in flight. The reservation stays if the password was wrong, is
 * cleared with the account's other failures on success, and is released on any other
 * outcome (mail server unreachable, session store down). If the outcome never arrives it
 * simply counts as a failure until the window ends: the limits fail closed.
 *
 * The checks run in hooks around the sign-in route (registerLoginLimits): the route
 * itself only signs in, and the app refuses to start if the hooks are not attached.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify'
import { LoginRequest, routes } from '../contract/index'
import { BridgeError } from './errors'

export interface LoginLimitOptions {
  windowMs: number
  /** Attempts (of any outcome) per client address per window. */
  perIp: number
  /** Failed attempts per account per window. */
  perAccountFailures: number
}

/** An allowed attempt holds a ticket: its place in the account's failures until the outcome is known. */
export type Attempt = { allowed: true; ticket: string } | { allowed: false; retryAfterSeconds: number }

/** The limits' store. Every method may throw (Redis unreachable); the hooks fail closed. */
export interface LoginLimits {
  readonly kind: 'memory' | 'redis'
  /** Counts this attempt against the client and reserves a failure of the account, or says how long to wait (counting nothing). */
  attempt(ip: string, email: string): Promise<Attempt>
  /** The password was right: the account's failures (and pending attempts) are cleared. */
  succeeded(email: string): Promise<void>
  /** Neither right nor wrong (an error before the answer): the attempt's reservation is dropped. */
  release(email: string, ticket: string): Promise<void>
  close(): Promise<void>
}

/** The one 429 of both stores (the message counts whole minutes, Retry-After seconds). */
export function rateLimited(retryAfterSeconds: number): BridgeError {
  return new BridgeError('rate_limited', `Too many sign-in attempts. Wait ${Math.ceil(retryAfterSeconds / 60)} minute(s) and try again.`, {
    'retry-after': String(retryAfterSeconds),
  })
}

/** Sign-in while the limits cannot be read: refused (503), never let through unchecked. */
export function limitsUnavailable(): BridgeError {
  return new BridgeError(
    'session_store_unavailable',
    'Sign-in is unavailable right now: the session store (Redis) that keeps the sign-in limits is unreachable. Try again in a moment.',
  )
}

/** Seconds until the oldest hit leaves the window (at least 1). */
export const retryAfter = (oldest: number, windowMs: number, now: number) => Math.max(1, Math.ceil((oldest + windowMs - now) / 1000))

/** The limits in this process's memory: one bridge instance (the default without REDIS_URL). */
export class MemoryLoginLimits implements LoginLimits {
  readonly kind = 'memory'
  private readonly ip = new Map<string, number[]>()
  /** Per account: ticket → time of the attempt (failed, or still pending). */
  private readonly account = new Map<string, Map<string, number>>()
  private lastSweep: number

  constructor(
    private readonly o: LoginLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now()
  }

  async attempt(ip: string, email: string): Promise<Attempt> {
    const now = this.now()
    this.sweep(now)
    const ipHits = (this.ip.get(ip) ?? []).filter((t) => now - t < this.o.windowMs)
    const acc = this.pruneAccount(email, now)
    let limited = 0
    if (ipHits.length >= this.o.perIp) limited = retryAfter(ipHits[0]!, this.o.windowMs, now)
    else if (acc.size >= this.o.perAccountFailures) limited = retryAfter(Math.min(...acc.values()), this.o.windowMs, now)
    if (limited) {
      if (ipHits.length) this.ip.set(ip, ipHits)
      return { allowed: false, retryAfterSeconds: limited }
    }
    ipHits.push(now)
    this.ip.set(ip, ipHits)
    const ticket = randomUUID()
    acc.set(ticket, now)
    this.account.set(email, acc)
    return { allowed: true, ticket }
  }

  async succeeded(email: string): Promise<void> {
    this.account.delete(email)
  }

  async release(email: string, ticket: string): Promise<void> {
    const acc = this.account.get(email)
    if (!acc) return
    acc.delete(ticket)
    if (acc.size === 0) this.account.delete(email)
  }

  async close(): Promise<void> {
    this.ip.clear()
    this.account.clear()
  }

  /** Keys held (client addresses + accounts), for tests of the sweep. */
  get size(): number {
    return this.ip.size + this.account.size
  }

  private pruneAccount(email: string, now: number): Map<string, number> {
    const acc = this.account.get(email) ?? new Map<string, number>()
    for (const [ticket, t] of acc) if (now - t >= this.o.windowMs) acc.delete(ticket)
    if (acc.size === 0) this.account.delete(email)
    return acc
  }

  /** Once per window, forget every client and account whose hits all left it (addresses seen once would stay forever). */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.o.windowMs) return
    this.lastSweep = now
    for (const [ip, hits] of this.ip) if (!hits.some((t) => now - t < this.o.windowMs)) this.ip.delete(ip)
    for (const email of [...this.account.keys()]) this.pruneAccount(email, now)
  }
}

/**
 * Enforces `limits` on the sign-in route: before the handler, the attempt is counted or
 * refused (429 rate_limited with Retry-After; 503 session_store_unavailable if the store
 * cannot answer); before the response leaves, its outcome settles the reservation, so
 * the next attempt, on any instance, already sees it.
 */
export function registerLoginLimits(app: FastifyInstance, limits: LoginLimits): void {
  const pending = new WeakMap<FastifyRequest, { email: string; ticket: string }>()

  const before: preHandlerHookHandler = async (request) => {
    // An invalid body is refused by the route (400) before it would reach the mail server.
    const body = LoginRequest.safeParse(request.body)
    if (!body.success) return
    const email = body.data.email.toLowerCase()
    let a: Attempt
    try {
      a = await limits.attempt(request.ip, email)
    } catch (e) {
      request.log.warn({ err: { message: (e as Error).message } }, 'sign-in limits unavailable; sign-in refused')
      throw limitsUnavailable()
    }
    if (!a.allowed) throw rateLimited(a.retryAfterSeconds)
    pending.set(request, { email, ticket: a.ticket })
  }

  const after: onSendHookHandler = async (request, reply: FastifyReply, payload) => {
    const p = pending.get(request)
    if (!p) return payload
    pending.delete(request)
    try {
      if (reply.statusCode === 200) await limits.succeeded(p.email)
      else if (!(reply.statusCode === 401 && codeOf(payload) === 'invalid_credentials')) await limits.release(p.email, p.ticket)
      // A wrong password: the reservation stays, as a failure.
    } catch (e) {
      // Nothing released: the attempt keeps counting until the window ends (fail closed).
      request.log.warn({ err: { message: (e as Error).message } }, 'could not settle a sign-in attempt in the limits')
    }
    return payload
  }

  let attached = false
  app.addHook('onRoute', (route) => {
    if (route.url !== routes.login.path || route.method !== routes.login.method) return
    route.preHandler = [...toArray(route.preHandler), before]
    route.onSend = [...toArray(route.onSend), after]
    attached = true
  })
  // A sign-in route registered before this (or elsewhere) would run unlimited: refuse to start.
  app.addHook('onReady', async () => {
    if (!attached) throw new Error(`Sign-in limits are not attached: register them before the ${routes.login.method} ${routes.login.path} route.`)
  })
  app.addHook('onClose', async () => limits.close())
}

function toArray<T>(h: T | T[] | undefined): T[] {
  return h === undefined ? [] : Array.isArray(h) ? h : [h]
}

function codeOf(payload: unknown): string | null {
  try {
    const v: unknown = JSON.parse(typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString() : 'null')
    return v && typeof v === 'object' && 'code' in v && typeof v.code === 'string' ? v.code : null
  } catch {
    return null
  }
}
