/**
 * The in-memory sign-in limits (one bridge instance, no REDIS_URL), on an injected
 * clock: sliding windows per client and per account, Retry-After from the oldest hit,
 * reservations that hold under parallel attempts, and a sweep that forgets idle keys.
 * (Through the API, with a real Dovecot: session.test.ts, "login rate limits".)
 */
import { describe, expect, it } from 'vitest'
import { MemoryLoginLimits, rateLimited, type Attempt } from '../../../src/bridge/login-limiter'

const WINDOW = 60_000
function limits(perIp = 5, perAccountFailures = 3) {
  const clock = { t: 1_000_000 }
  const l = new MemoryLoginLimits({ windowMs: WINDOW, perIp, perAccountFailures }, () => clock.t)
  return { l, clock }
}
const ticket = (a: Attempt) => {
  if (!a.allowed) throw new Error(`limited: ${a.retryAfterSeconds}`)
  return a.ticket
}

describe('MemoryLoginLimits', () => {
  it('refuses the next attempt once an account has perAccountFailures failures, from any client, with Retry-After from the oldest failure', async () => {
    const { l, clock } = limits(100, 3)
    for (let i = 0; i < 3; i++) {
      ticket(await l.attempt(`10.0.0.${i}`, 'carol@example.com')) // wrong password: the reservation stays
      clock.t += 10_000
    }
    // oldest failure at t0, now t0 + 30 s: 30 s left
    expect(await l.attempt('10.0.0.99', 'carol@example.com')).toEqual({ allowed: false, retryAfterSeconds: 30 })
    expect((await l.attempt('10.0.0.99', 'dave@example.com')).allowed).toBe(true)
  })

  it('slides: each failure leaves the window on its own, one window after it happened', async () => {
    const { l, clock } = limits(100, 2)
    const t0 = clock.t
    ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    clock.t = t0 + 40_000
    ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    clock.t = t0 + WINDOW - 1
    expect(await l.attempt('10.0.0.1', 'a@example.com')).toEqual({ allowed: false, retryAfterSeconds: 1 })
    clock.t = t0 + WINDOW // the first failure has left; the second has 40 s to go
    ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    expect(await l.attempt('10.0.0.1', 'a@example.com')).toEqual({ allowed: false, retryAfterSeconds: 40 })
  })

  it('counts every attempt of a client, whatever its outcome, across accounts', async () => {
    const { l } = limits(3, 100)
    for (const e of ['a@x.org', 'b@x.org', 'c@x.org']) {
      ticket(await l.attempt('10.0.0.7', e))
      await l.succeeded(e)
    }
    expect(await l.attempt('10.0.0.7', 'd@x.org')).toEqual({ allowed: false, retryAfterSeconds: 60 })
    expect((await l.attempt('10.0.0.8', 'd@x.org')).allowed).toBe(true)
  })

  it('clears an account’s failures on success, and drops only the released attempt on another outcome', async () => {
    const { l } = limits(100, 2)
    ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    await l.succeeded('a@example.com')
    ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    const released = ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    expect((await l.attempt('10.0.0.1', 'a@example.com')).allowed).toBe(false)
    await l.release('a@example.com', released) // e.g. the mail server was unreachable
    ticket(await l.attempt('10.0.0.1', 'a@example.com'))
    expect((await l.attempt('10.0.0.1', 'a@example.com')).allowed).toBe(false)
  })

  it('lets only perAccountFailures parallel attempts at one account through while their answers are pending', async () => {
    const { l } = limits(1_000, 3)
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => l.attempt(`10.9.0.${i}`, 'target@example.com')))
    expect(all.filter((a) => a.allowed)).toHaveLength(3)
  })

  it('forgets clients and accounts whose hits all left the window (addresses seen once do not stay forever)', async () => {
    const { l, clock } = limits(5, 5)
    for (let i = 0; i < 50; i++) ticket(await l.attempt(`10.3.0.${i}`, `u${i}@example.com`))
    expect(l.size).toBe(100)
    clock.t += WINDOW
    ticket(await l.attempt('10.4.0.1', 'new@example.com'))
    expect(l.size).toBe(2)
  })

  it('words the 429 in whole minutes and gives Retry-After in seconds', () => {
    const e = rateLimited(61)
    expect(e).toMatchObject({ code: 'rate_limited', status: 429, headers: { 'retry-after': '61' } })
    expect(e.message).toBe('Too many sign-in attempts. Wait 2 minute(s) and try again.')
  })
})
