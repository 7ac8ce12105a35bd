/**
 * The Redis store of the sign-in limits against a real redis-server: it decides as the
 * in-memory store does, attempts from several connections (instances) count atomically
 * into one window, keys expire with the window and name no address, and a Redis that
 * is gone makes attempt() throw at once (the hooks turn that into a 503) rather than
 * hang or answer "allowed"; after a restart it works again (script cache reloaded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MemoryLoginLimits, type Attempt, type LoginLimitOptions } from '../../../src/bridge/login-limiter'
import { accountKey, connectLoginLimits, ipKey, LOGIN_KEY_PREFIX, type RedisLoginLimits } from '../../../src/bridge/login-limiter-redis'
import { connectRedis, type Redis } from '../../../src/bridge/session/redis-client'
import { startRedis, type TestRedis } from './redis-server'

let redis: TestRedis
let probe: Redis
const opened: RedisLoginLimits[] = []
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function shared(o: LoginLimitOptions): Promise<RedisLoginLimits> {
  const l = await connectLoginLimits(redis.url, o)
  opened.push(l)
  return l
}
/** Unique per test, so tests do not share windows. */
const tag = () => crypto.randomUUID().slice(0, 8)

beforeAll(async () => {
  redis = await startRedis()
  probe = await connectRedis(redis.url, { name: 'probe' })
})

afterAll(async () => {
  await Promise.all(opened.map((l) => l.close()))
  probe?.destroy()
  await redis?.dispose()
})

describe('RedisLoginLimits', () => {
  it('decides every step of a mixed sequence as the in-memory store does', async () => {
    const o = { windowMs: 60_000, perIp: 15, perAccountFailures: 3 }
    const memory = new MemoryLoginLimits(o)
    const [a, b] = [await shared(o), await shared(o)]
    const t = tag()
    const ips = [`10.${t}.1`, `10.${t}.2`, `10.${t}.3`]
    const emails = [`w-${t}@example.com`, `x-${t}@example.com`, `y-${t}@example.com`, `z-${t}@example.com`]
    // A fixed pseudo-random walk: client, account, outcome (wrong password, right, other error).
    let seed = 7
    let refused = 0
    const next = (n: number) => {
      // xorshift32: a fixed walk that every run repeats
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      return (seed >>> 0) % n
    }
    for (let step = 0; step < 60; step++) {
      const ip = ips[next(3)]!
      const email = emails[next(4)]!
      const outcome = (['wrong', 'wrong', 'right', 'other'] as const)[next(4)]
      const redisSide = step % 2 ? a : b // spread over two instances
      const [m, r] = [await memory.attempt(ip, email), await redisSide.attempt(ip, email)]
      expect(r.allowed, `step ${step}`).toBe(m.allowed)
      if (!m.allowed) refused++
      if (!m.allowed && !r.allowed) expect(Math.abs(r.retryAfterSeconds - m.retryAfterSeconds)).toBeLessThanOrEqual(1)
      if (m.allowed && r.allowed) {
        if (outcome === 'right') await Promise.all([memory.succeeded(email), redisSide.succeeded(email)])
        if (outcome === 'other') await Promise.all([memory.release(email, m.ticket), redisSide.release(email, r.ticket)])
      }
    }
    // The walk reaches both limits often enough to mean something.
    expect(refused).toBeGreaterThan(10)
    expect(refused).toBeLessThan(50)
  })

  it('lets exactly perAccountFailures of 40 parallel attempts at one account through, from two instances', async () => {
    const o = { windowMs: 60_000, perIp: 1_000, perAccountFailures: 5 }
    const [a, b] = [await shared(o), await shared(o)]
    const t = tag()
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).attempt(`10.${t}.${i}`, `target-${t}@example.com`)))
    expect(all.filter((x) => x.allowed)).toHaveLength(5)
    const refused = all.filter((x): x is Extract<Attempt, { allowed: false }> => !x.allowed)
    expect(refused.every((x) => x.retryAfterSeconds === 60)).toBe(true)
  })

  it('lets exactly perIp of 40 parallel attempts from one client through, across accounts and instances', async () => {
    const o = { windowMs: 60_000, perIp: 6, perAccountFailures: 1_000 }
    const [a, b] = [await shared(o), await shared(o)]
    const t = tag()
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).attempt(`10.${t}.1`, `u${i}-${t}@example.com`)))
    expect(all.filter((x) => x.allowed)).toHaveLength(6)
  })

  it('keeps hashed keys that expire with the window, and allows again once it has passed', async () => {
    const o = { windowMs: 1_500, perIp: 2, perAccountFailures: 2 }
    const l = await shared(o)
    const t = tag()
    const ip = `10.${t}.9`
    const email = `expiring-${t}@example.com`
    const first = Date.now()
    expect((await l.attempt(ip, email)).allowed).toBe(true)
    expect((await l.attempt(ip, email)).allowed).toBe(true)
    const refused = await l.attempt(ip, email)
    // ceil((oldest + window - now) / 1000): 2 s while the attempts take under 0.5 s, as they
    // do unless the machine is busy; whatever the delay, never more, and at least 1.
    const least = Math.max(1, Math.ceil((o.windowMs - (Date.now() - first)) / 1000))
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) })
    if (refused.allowed) throw new Error('unreachable')
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(least)
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(2)
    for (const key of [ipKey(ip), accountKey(email)]) {
      expect(await probe.hLen(key)).toBe(2)
      const ttl = await probe.pTTL(key)
      expect(ttl).toBeGreaterThan(0)
      expect(ttl).toBeLessThanOrEqual(1_500)
    }
    const keys = await probe.keys(`${LOGIN_KEY_PREFIX}*`)
    expect(keys.join('\n')).not.toContain(t) // neither the address nor the email in clear
    await sleep(1_600)
    expect(await probe.exists([ipKey(ip), accountKey(email)])).toBe(0)
    expect((await l.attempt(ip, email)).allowed).toBe(true)
  })

  it('throws at once while Redis is down (never "allowed"), and works again after it restarts', async () => {
    const o = { windowMs: 60_000, perIp: 5, perAccountFailures: 3 }
    const l = await shared(o)
    const t = tag()
    expect((await l.attempt(`10.${t}.1`, `down-${t}@example.com`)).allowed).toBe(true) // script now cached
    await redis.stop()
    try {
      const started = Date.now()
      await expect(l.attempt(`10.${t}.1`, `down-${t}@example.com`)).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(2_500)
    } finally {
      await redis.start()
    }
    // Reconnects in the background; the restarted Redis has no script cache (NOSCRIPT → EVAL).
    let back: Attempt | null = null
    for (let i = 0; i < 50 && !back; i++) {
      back = await l.attempt(`10.${t}.1`, `down-${t}@example.com`).catch(() => null)
      if (!back) await sleep(200)
    }
    expect(back?.allowed).toBe(true)
  })
})
