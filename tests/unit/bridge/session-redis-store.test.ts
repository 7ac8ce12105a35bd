/**
 * The Redis session store on its own, against a real redis-server: expiry by the store's
 * clock and by Redis TTL, sealed credentials, cross-instance end notices, and what
 * happens when Redis is missing at startup or drops mid-run. The bridge end to end over
 * Redis (two instances, real Dovecot) is in session-redis.test.ts.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/bridge/config'
import { BridgeError } from '../../../src/bridge/errors'
import { ImapSession } from '../../../src/bridge/imap/connection'
import { createSessionStore } from '../../../src/bridge/session/create'
import { connectRedis, type Redis } from '../../../src/bridge/session/redis-client'
import { RedisSessionStore, SESSION_KEY_PREFIX } from '../../../src/bridge/session/redis-store'
import { freePort } from '../../../src/mailstack/index'
import { dumpRedis, startRedis, type TestRedis } from './redis-server'
import { waitFor } from './harness'

const SECRET = 'redis-store-test-secret-0123456789abcdef'
// An ImapSession that has not connected yet: closing it does nothing on the network.
const lazyImap = (user = 'a@example.com', pass = 'x') =>
  new ImapSession({ host: '127.0.0.1', port: 1, tls: false, rejectUnauthorized: true }, { user, pass })

function manualClock() {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}

let redis: TestRedis
let probe: Redis
const stores: RedisSessionStore[] = []

async function newStore(o: { idleMs?: number; absoluteMs?: number; now?: () => number; secret?: string; sweepMs?: number } = {}) {
  const store = new RedisSessionStore({
    redis: await connectRedis(redis.url, { name: 'test' }),
    subscriber: await connectRedis(redis.url, { name: 'test-sub' }),
    secret: o.secret ?? SECRET,
    idleMs: o.idleMs ?? 60_000,
    absoluteMs: o.absoluteMs ?? 3_600_000,
    now: o.now,
    sweepMs: o.sweepMs,
    imapFor: (c) => lazyImap(c.user, c.pass),
  })
  await store.listen()
  stores.push(store)
  return store
}

beforeAll(async () => {
  redis = await startRedis()
  probe = await connectRedis(redis.url, { name: 'probe' })
})
afterAll(async () => {
  await Promise.all(stores.map((s) => s.closeAll()))
  probe?.destroy()
  await redis?.dispose()
})

const sessionKeys = () => probe.keys(`${SESSION_KEY_PREFIX}*`)
const recordKey = (id: string) => SESSION_KEY_PREFIX + createHash('sha256').update(id).digest('base64url')

describe('Redis session store: expiry', () => {
  it('ends a session after the idle timeout (store clock), and deletes its record', async () => {
    const clock = manualClock()
    const store = await newStore({ idleMs: 60_000, absoluteMs: 10_000_000, now: clock.now })
    const s = await store.create('a@example.com', 'x', lazyImap())
    clock.advance(50_000)
    expect(await store.get(s.id)).not.toBeNull()
    clock.advance(60_001)
    expect(await store.get(s.id)).toBeNull()
    expect(store.localSize).toBe(0)
    expect(await probe.exists(recordKey(s.id))).toBe(0)
  })

  it('ends a session at the absolute limit even when it stays active', async () => {
    const clock = manualClock()
    const store = await newStore({ idleMs: 60_000, absoluteMs: 150_000, now: clock.now })
    const s = await store.create('a@example.com', 'x', lazyImap())
    for (let i = 0; i < 4; i++) {
      clock.advance(30_000)
      expect(await store.get(s.id)).not.toBeNull()
    }
    clock.advance(30_001)
    expect(await store.get(s.id)).toBeNull()
  })

  it('keeps the idle timeout as the record TTL, refreshed by use and capped by the absolute limit', async () => {
    const clock = manualClock()
    const store = await newStore({ idleMs: 60_000, absoluteMs: 100_000, now: clock.now })
    const s = await store.create('a@example.com', 'x', lazyImap())
    const [key] = await sessionKeys()
    const ttl1 = await probe.pTTL(key!)
    expect(ttl1).toBeGreaterThan(55_000)
    expect(ttl1).toBeLessThanOrEqual(60_000)
    // 50 s in, a full idle period (60 s) would reach past the absolute limit (100 s).
    clock.advance(50_000)
    expect(await store.get(s.id)).not.toBeNull()
    const ttl2 = await probe.pTTL(key!)
    expect(ttl2).toBeGreaterThan(45_000)
    expect(ttl2).toBeLessThanOrEqual(50_000)
    await store.destroy(s.id)
  })

  it('lets Redis end an idle session by TTL, on every instance', async () => {
    // 1 s idle: the first get must come within it even when the machine is busy.
    const a = await newStore({ idleMs: 1_000, absoluteMs: 60_000 })
    const b = await newStore({ idleMs: 1_000, absoluteMs: 60_000 })
    const s = await a.create('a@example.com', 'x', lazyImap())
    expect(await b.get(s.id)).not.toBeNull()
    await new Promise((r) => setTimeout(r, 1_200))
    expect(await a.get(s.id)).toBeNull()
    expect(await b.get(s.id)).toBeNull()
    expect(a.localSize + b.localSize).toBe(0)
  })
})

describe('Redis session store: across instances', () => {
  it('gives another instance the same account, CSRF token and times, with its own lazy IMAP session', async () => {
    const a = await newStore()
    const b = await newStore()
    const imapA = lazyImap('bob@example.com', 'pw-bob')
    const s = await a.create('bob@example.com', 'pw-bob', imapA)
    const onB = (await b.get(s.id))!
    expect(onB).toMatchObject({ id: s.id, email: 'bob@example.com', password: 'pw-bob', csrfToken: s.csrfToken, createdAt: s.createdAt })
    expect(onB.imap).not.toBe(imapA)
    expect(await b.get(s.id)).toBe(onB) // one IMAP session per session per instance
    expect(b.expiresAt(onB).getTime()).toBeLessThanOrEqual(onB.createdAt + 3_600_000)
  })

  it('ends the session on every instance when one destroys it (record deleted, end hooks run)', async () => {
    const a = await newStore()
    const b = await newStore()
    const s = await a.create('a@example.com', 'x', lazyImap())
    const onB = (await b.get(s.id))!
    let endedOnB = false
    onB.onEnd.add(() => (endedOnB = true))
    await a.destroy(s.id)
    await waitFor(async () => endedOnB, 3_000)
    expect(b.localSize).toBe(0)
    expect(await b.get(s.id)).toBeNull()
  })

  it('closes local state whose record vanished without a notice (TTL expiry), on its periodic sweep', async () => {
    const a = await newStore()
    const b = await newStore({ sweepMs: 100 })
    const s = await a.create('a@example.com', 'x', lazyImap())
    const onB = (await b.get(s.id))!
    let endedOnB = false
    onB.onEnd.add(() => (endedOnB = true))
    await probe.del(recordKey(s.id)) // what Redis does when the TTL runs out: no publish
    await waitFor(async () => endedOnB, 3_000)
    expect(b.localSize).toBe(0)
  })

  it('uses unguessable ids and tokens and never stores the id itself', async () => {
    const store = await newStore()
    const x = await store.create('a@example.com', 'x', lazyImap())
    const y = await store.create('a@example.com', 'x', lazyImap())
    expect(x.id).not.toBe(y.id)
    expect(x.id).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(x.csrfToken).not.toBe(x.id)
    const keys = await sessionKeys()
    expect(keys.some((k) => k.includes(x.id))).toBe(false)
    for (const k of keys) expect(Object.values(await probe.hGetAll(k)).some((v) => v.includes(x.id))).toBe(false)
    await store.destroy(x.id)
    await store.destroy(y.id)
  })

  it('refuses a record sealed under another SESSION_SECRET (misconfigured instance)', async () => {
    const a = await newStore()
    const b = await newStore({ secret: 'another-secret-another-secret-another' })
    const s = await a.create('a@example.com', 'x', lazyImap())
    expect(await b.get(s.id)).toBeNull()
    expect(await a.get(s.id)).not.toBeNull()
  })
})

describe('Redis session store: credentials at rest', () => {
  it('stores no password in clear (nor base64/hex of it) in any key or value', async () => {
    const store = await newStore()
    const password = `pw-${crypto.randomUUID()}-Ünïcode`
    const s = await store.create('carol@example.com', password, lazyImap('carol@example.com', password))
    const forms = [password, Buffer.from(password).toString('base64'), Buffer.from(password).toString('base64url'), Buffer.from(password).toString('hex')]
    const all = await dumpRedis(probe)
    expect(all).toContain('carol@example.com') // the scan did see the record
    for (const f of forms) expect(all).not.toContain(f)
    // …and the store still gets it back for reconnecting.
    const fresh = await newStore()
    expect((await fresh.get(s.id))!.password).toBe(password)
  })

  it('refuses a record whose sealed password was moved to another account', async () => {
    const store = await newStore()
    const s = await store.create('dave@example.com', 'pw-dave', lazyImap())
    const keys = await sessionKeys()
    const key = (await Promise.all(keys.map(async (k) => [k, await probe.hGet(k, 'email')] as const))).find(([, e]) => e === 'dave@example.com')![0]
    await probe.hSet(key, 'email', 'mallory@example.com')
    expect(await (await newStore()).get(s.id)).toBeNull()
  })
})

describe('Redis session store: Redis missing or dropping', () => {
  it('fails at startup with an error naming REDIS_URL (password masked) when Redis is unreachable', async () => {
    const port = await freePort()
    const config = loadConfig({}, { redisUrl: `redis://:hunter2@127.0.0.1:${port}`, sessionSecret: SECRET, logLevel: false })
    const err = await createSessionStore(config).then(
      () => null,
      (e: Error) => e,
    )
    expect(err).toBeInstanceOf(Error)
    expect(err!.message).toContain('REDIS_URL')
    expect(err!.message).toContain(`127.0.0.1:${port}`)
    expect(err!.message).toMatch(/ECONNREFUSED/)
    expect(err!.message).not.toContain('hunter2')
  })

  it('refuses REDIS_URL without a shared SESSION_SECRET, or with a short one', () => {
    expect(() => loadConfig({ REDIS_URL: redis.url })).toThrow(/SESSION_SECRET/)
    expect(() => loadConfig({ REDIS_URL: redis.url, SESSION_SECRET: 'short' })).toThrow(/SESSION_SECRET is too short/)
    expect(loadConfig({ REDIS_URL: redis.url, SESSION_SECRET: SECRET }).redisUrl).toBe(redis.url)
    expect(loadConfig({}).redisUrl).toBeNull()
  })

  it('answers session_store_unavailable while Redis is down, without hanging, and works again when it returns', async () => {
    const store = await newStore()
    const s = await store.create('a@example.com', 'x', lazyImap())
    await redis.stop()
    try {
      const started = Date.now()
      const err = await store.get(s.id).then(
        () => null,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(BridgeError)
      expect((err as BridgeError).code).toBe('session_store_unavailable')
      expect((err as BridgeError).status).toBe(503)
      await expect(store.create('a@example.com', 'x', lazyImap())).rejects.toMatchObject({ code: 'session_store_unavailable' })
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      await redis.start()
    }
    // Nothing was saved, so the old session is gone; a new one works on the same store
    // once its client has reconnected in the background.
    const again = await waitFor(async () => {
      try {
        const x = await store.create('a@example.com', 'x', lazyImap())
        return (await store.get(x.id)) ? x : null
      } catch {
        return null
      }
    }, 15_000)
    expect(again.email).toBe('a@example.com')
    expect(await store.get(s.id)).toBeNull()
    probe.destroy()
    probe = await connectRedis(redis.url, { name: 'probe' })
  })
})
