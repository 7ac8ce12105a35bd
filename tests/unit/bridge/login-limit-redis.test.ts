/**
 * Sign-in limits shared by two bridge instances through one Redis (REDIS_URL), as behind
 * a load balancer, over the real Dovecot of the mail stack and a real redis-server:
 * failures spread over A and B add up to the limit, per account and per client; the
 * next attempt is refused on both with the same 429 (code, message, Retry-After) as a
 * single in-memory instance gives; a success on one clears failures counted on the
 * other; an attempt the mail server never answered is not a failure; limits expire;
 * parallel guesses cannot outrun the count; and with Redis down sign-in is refused with
 * 503 before the mail server is asked, never let through.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BridgeConfig } from '../../../src/bridge/config'
import { freePort } from '../../../src/mailstack/index'
import { startSharedBridges, type SharedBridges } from './shared-bridges'

const LIMITS = { windowMs: 60_000, perIp: 6, perAccountFailures: 3 }
const SHORT = { windowMs: 6_000, perIp: 4, perAccountFailures: 2 }

let shared: SharedBridges
let A: FastifyInstance
let B: FastifyInstance
const instance = (overrides: Partial<BridgeConfig> = {}) => shared.instance(overrides)
const login = (app: FastifyInstance, email: string, password: string, ip: string) =>
  app.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress: ip })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Fresh client addresses per test, so tests do not share windows. */
let net = 0
const subnet = () => `10.${++net}.0`

function expectLimited(res: LightMyRequestResponse, windowMs: number): number {
  expect(res.statusCode).toBe(429)
  expect(res.json()).toEqual({ code: 'rate_limited', message: `Too many sign-in attempts. Wait ${Math.ceil(windowMs / 60_000)} minute(s) and try again.` })
  const wait = Number(res.headers['retry-after'])
  expect(Number.isInteger(wait)).toBe(true)
  expect(wait).toBeGreaterThan(0)
  expect(wait).toBeLessThanOrEqual(Math.ceil(windowMs / 1000))
  return wait
}

beforeAll(async () => {
  shared = await startSharedBridges({ loginLimits: LIMITS })
  A = await instance()
  B = await instance()
})

afterAll(async () => {
  await shared?.close()
})

describe('sign-in limits shared through Redis by two instances', () => {
  it('adds up failed sign-ins at one account spread over A and B, then refuses it on both with the same 429 as one in-memory instance', async () => {
    const n = subnet()
    expect((await login(A, 'carol@example.com', 'wrong-1', `${n}.1`)).statusCode).toBe(401)
    expect((await login(B, 'carol@example.com', 'wrong-2', `${n}.2`)).statusCode).toBe(401)
    expect((await login(A, 'carol@example.com', 'wrong-3', `${n}.3`)).statusCode).toBe(401)
    // Even the right password, from a new client, on either instance: the mail server is not asked.
    const onA = await login(A, 'carol@example.com', 'demo', `${n}.4`)
    const onB = await login(B, 'carol@example.com', 'demo', `${n}.5`)
    const [waitA, waitB] = [expectLimited(onA, LIMITS.windowMs), expectLimited(onB, LIMITS.windowMs)]
    expect(Math.abs(waitA - waitB)).toBeLessThanOrEqual(1) // one window, read a few ms apart
    expect(onB.json()).toEqual(onA.json())
    // Another account is not affected.
    expect((await login(B, 'dave@example.com', 'demo', `${n}.6`)).statusCode).toBe(200)

    // The same sequence on one instance without REDIS_URL (today's limiter) answers alike.
    const memory = await instance({ redisUrl: null })
    for (let i = 0; i < 3; i++) expect((await login(memory, 'carol@example.com', 'wrong', `${n}.${10 + i}`)).statusCode).toBe(401)
    const alone = await login(memory, 'carol@example.com', 'demo', `${n}.20`)
    expect(Math.abs(expectLimited(alone, LIMITS.windowMs) - waitA)).toBeLessThanOrEqual(2)
    expect(alone.json()).toEqual(onA.json())
  })

  it('adds up attempts of one client spread over A and B across accounts, then refuses it on both; other clients go on', async () => {
    const ip = `${subnet()}.1`
    const tries: [FastifyInstance, string, string][] = [
      [A, 'alice@example.com', 'demo'], // a success counts against the client too
      [B, 'x1@example.com', 'nope'],
      [A, 'x2@example.com', 'nope'],
      [B, 'bob@example.com', 'demo'],
      [A, 'x3@example.com', 'nope'],
      [B, 'x4@example.com', 'nope'],
    ]
    for (const [app, email, password] of tries) expect((await login(app, email, password, ip)).statusCode).toBe(password === 'demo' ? 200 : 401)
    expectLimited(await login(A, 'alice@example.com', 'demo', ip), LIMITS.windowMs)
    expectLimited(await login(B, 'x5@example.com', 'nope', ip), LIMITS.windowMs)
    expect((await login(B, 'alice@example.com', 'demo', `${subnet()}.2`)).statusCode).toBe(200)
  })

  it('clears on A the failures counted on B when the right password arrives on A', async () => {
    const n = subnet()
    expect((await login(B, 'bob@example.com', 'wrong', `${n}.1`)).statusCode).toBe(401)
    expect((await login(B, 'bob@example.com', 'wrong', `${n}.2`)).statusCode).toBe(401)
    expect((await login(A, 'bob@example.com', 'demo', `${n}.3`)).statusCode).toBe(200)
    // A fresh count: two more failures are answered by the mail server, not refused.
    expect((await login(B, 'bob@example.com', 'wrong', `${n}.4`)).statusCode).toBe(401)
    expect((await login(A, 'bob@example.com', 'wrong', `${n}.5`)).statusCode).toBe(401)
    expect((await login(B, 'bob@example.com', 'demo', `${n}.6`)).statusCode).toBe(200)
  })

  it('lets only perAccountFailures of 12 parallel wrong passwords at one account, on A and B from 12 clients, reach the mail server', async () => {
    const n = subnet()
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => login(i % 2 ? A : B, 'dave@example.com', `guess-${i}`, `${n}.${i}`)))
    const codes = all.map((r) => r.statusCode).sort()
    expect(codes.filter((c) => c === 401)).toHaveLength(LIMITS.perAccountFailures)
    expect(codes.filter((c) => c === 429)).toHaveLength(12 - LIMITS.perAccountFailures)
    // The right password too, until the window ends.
    expect((await login(A, 'dave@example.com', 'demo', `${n}.99`)).statusCode).toBe(429)
  })

  it('does not count attempts the mail server never answered (one instance cannot reach it) against the account on the others', async () => {
    const cut = await instance({ imap: { ...shared.config.imap, port: await freePort() } })
    const n = subnet()
    for (let i = 0; i < 5; i++) expect((await login(cut, 'frank@example.com', 'whatever', `${n}.${i}`)).json()).toMatchObject({ code: 'imap_unavailable' })
    for (let i = 0; i < LIMITS.perAccountFailures; i++) expect((await login(i % 2 ? A : B, 'frank@example.com', 'wrong', `${n}.${10 + i}`)).statusCode).toBe(401)
    expectLimited(await login(A, 'frank@example.com', 'wrong', `${n}.20`), LIMITS.windowMs)
  })

  it('lets the limits expire with the window, per account and per client, on both instances', async () => {
    const [C, D] = [await instance({ loginLimits: SHORT }), await instance({ loginLimits: SHORT })]
    const n = subnet()
    const ip = `${n}.50`
    // At once (a sign-in takes a few hundred ms): per account, two failures on C and D;
    // per client, four attempts on C and D.
    const first = await Promise.all([
      login(C, 'erin@example.com', 'wrong', `${n}.1`),
      login(D, 'erin@example.com', 'wrong', `${n}.2`),
      ...Array.from({ length: 4 }, (_, i) => login(i % 2 ? C : D, `y${i}@example.com`, 'wrong', ip)),
    ])
    expect(first.map((r) => r.statusCode)).toEqual(Array(6).fill(401))
    const waitAccount = expectLimited(await login(C, 'erin@example.com', 'wrong', `${n}.3`), SHORT.windowMs)
    const waitClient = expectLimited(await login(D, 'alice@example.com', 'demo', ip), SHORT.windowMs)
    await sleep(Math.max(waitAccount, waitClient) * 1000 + 100)
    expect((await login(D, 'erin@example.com', 'wrong', `${n}.4`)).statusCode).toBe(401)
    expect((await login(C, 'alice@example.com', 'demo', ip)).statusCode).toBe(200)
  })
})

describe('sign-in while the shared limits are unreachable', () => {
  it('refuses with 503 session_store_unavailable before asking the mail server (never a bypass), and signs in again once Redis is back', async () => {
    const n = subnet()
    await shared.redis.stop()
    try {
      for (const [app, password] of [
        [A, 'wrong'],
        [B, 'demo'],
      ] as const) {
        const res = await login(app, 'alice@example.com', password, `${n}.1`)
        // A wrong password answered 401 would mean the mail server was asked unchecked.
        expect(res.statusCode).toBe(503)
        expect(res.json()).toMatchObject({ code: 'session_store_unavailable' })
        expect(res.json().message).toMatch(/sign-in limits/i)
      }
    } finally {
      await shared.redis.start()
    }
    let res: LightMyRequestResponse | null = null
    for (let i = 0; i < 60; i++) {
      res = await login(A, 'alice@example.com', 'demo', `${n}.2`)
      if (res.statusCode === 200) break
      await sleep(250)
    }
    expect(res?.statusCode).toBe(200)
    // The limits count again on the restarted (empty) Redis.
    for (let i = 0; i < 3; i++) expect((await login(i % 2 ? A : B, 'bob@example.com', 'wrong', `${n}.${10 + i}`)).statusCode).toBe(401)
    expectLimited(await login(A, 'bob@example.com', 'demo', `${n}.20`), LIMITS.windowMs)
  })
})
