/**
 * Two bridge instances sharing one Redis (REDIS_URL), as behind a load balancer, over
 * the real Dovecot of the mail stack and a real redis-server: a session made on one
 * works on the other, ends on both, expires on both, keeps its password sealed, and a
 * Redis that is missing at startup or drops mid-run gives clear errors, not a crash.
 */
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxList, MessagePage, SessionInfo } from '../../../src/contract/index'
import { buildApp } from '../../../src/bridge/app'
import type { BridgeConfig } from '../../../src/bridge/config'
import { connectRedis, type Redis } from '../../../src/bridge/session/redis-client'
import { demoAccounts, freePort } from '../../../src/mailstack/index'
import { rawMessage, signIn, waitFor, type Client } from './harness'
import { dumpRedis } from './redis-server'
import { startSharedBridges, type SharedBridges } from './shared-bridges'

// A password no other value in Redis could contain by chance.
const ERIN = { email: 'erin@example.com', password: `erin-${crypto.randomUUID()}` }

let shared: SharedBridges
let probe: Redis
let A: FastifyInstance
let B: FastifyInstance
const instance = (overrides: Partial<BridgeConfig> = {}) => shared.instance(overrides)

/** The same signed cookie and CSRF token, sent to another instance. */
function on(app: FastifyInstance, c: Client): Client {
  const { cookie, csrf } = c
  return {
    ...c,
    get: (url) => app.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url, body, headers = {}) => app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf, ...headers }, payload: body as object }),
    raw: (url, bytes) => app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'message/rfc822' }, payload: bytes }),
  }
}
const signOut = (app: FastifyInstance, c: Client) => app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: c.cookie, 'x-csrf-token': c.csrf } })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

beforeAll(async () => {
  shared = await startSharedBridges({
    accounts: [...demoAccounts(), ERIN],
    // Sign-ins here test sessions, not the login limits (tests/unit/bridge/login-limit-redis.test.ts).
    loginLimits: { windowMs: 60_000, perIp: 1_000, perAccountFailures: 100 },
  })
  probe = await connectRedis(shared.redis.url, { name: 'probe' })
  A = await instance()
  B = await instance()
})

afterAll(async () => {
  probe?.destroy()
  await shared?.close()
})

describe('two bridge instances sharing Redis', () => {
  it('lets a session made on A list mailboxes and fetch a message on B, opening B’s IMAP connection lazily', async () => {
    const onA = await signIn(A, 'alice@example.com')
    const bytes = rawMessage({ from: 'bob@example.com', to: 'alice@example.com', subject: 'across instances' })
    const appended = await onA.raw('/api/messages/append?mailbox=INBOX', bytes)
    expect(appended.statusCode).toBe(200)
    const localBefore = B.sessions.localSize
    const onB = on(B, onA)
    const me = SessionInfo.parse((await onB.get('/api/session')).json())
    expect(me).toMatchObject({ email: 'alice@example.com', csrfToken: onA.csrf })
    expect(B.sessions.localSize).toBe(localBefore + 1)
    const boxes = MailboxList.parse((await onB.get('/api/mailboxes')).json())
    expect(boxes.mailboxes.map((m) => m.path)).toEqual(expect.arrayContaining(['INBOX', 'Sent', 'Drafts', 'Trash']))
    const page = MessagePage.parse((await onB.get('/api/messages?mailbox=INBOX')).json())
    const msg = page.messages.find((m) => m.subject === 'across instances')!
    expect(msg).toBeDefined()
    const raw = await onB.get(`/api/messages/${msg.uid}/raw?mailbox=INBOX`)
    expect(raw.statusCode).toBe(200)
    expect(Buffer.compare(raw.rawPayload, bytes)).toBe(0)
  })

  it('accepts on B the CSRF token issued by A, and still refuses a wrong one', async () => {
    const onA = await signIn(A, 'bob@example.com')
    const onB = on(B, onA)
    const ok = await onB.post('/api/messages/flags', { mailbox: 'INBOX', uids: [1], add: ['\\Flagged'] })
    expect(ok.statusCode).toBe(200)
    const wrong = await B.inject({
      method: 'POST',
      url: '/api/messages/flags',
      headers: { cookie: onA.cookie, 'x-csrf-token': 'x'.repeat(43) },
      payload: { mailbox: 'INBOX', uids: [1], add: ['\\Flagged'] },
    })
    expect(wrong.statusCode).toBe(403)
    expect(wrong.json()).toMatchObject({ code: 'csrf' })
  })

  it('ends the session on A (and closes A’s IMAP connection) when it signs out on B', async () => {
    const onA = await signIn(A, 'carol@example.com')
    expect((await onA.get('/api/mailboxes')).statusCode).toBe(200) // A's connection in use
    const localOnA = A.sessions.localSize
    const out = await signOut(B, on(B, onA))
    expect(out.statusCode).toBe(200)
    // A hears of it at once (pub/sub), before any request of that session reaches it.
    await waitFor(async () => A.sessions.localSize === localOnA - 1, 3_000)
    const after = await onA.get('/api/mailboxes')
    expect(after.statusCode).toBe(401)
    expect(after.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('rotates the session at sign-in on B, ending the old id on A too (no fixation)', async () => {
    const first = await signIn(A, 'dave@example.com')
    const res = await B.inject({ method: 'POST', url: '/api/session', payload: { email: 'dave@example.com', password: 'demo' }, headers: { cookie: first.cookie } })
    expect(res.statusCode).toBe(200)
    const second = `cachet_session=${res.cookies.find((c) => c.name === 'cachet_session')!.value}`
    expect(second).not.toBe(first.cookie)
    expect((await first.get('/api/session')).statusCode).toBe(401)
    expect((await A.inject({ method: 'GET', url: '/api/session', headers: { cookie: second } })).statusCode).toBe(200)
  })

  it('keeps the password out of Redis in clear: no key or value holds it (nor its base64/hex)', async () => {
    const onA = await signIn(A, ERIN.email, ERIN.password)
    expect((await on(B, onA).get('/api/mailboxes')).statusCode).toBe(200) // B reconnects with it
    const forms = [ERIN.password, ...(['base64', 'base64url', 'hex'] as const).map((enc) => Buffer.from(ERIN.password).toString(enc))]
    const all = await dumpRedis(probe)
    expect(all).toContain(ERIN.email)
    for (const f of forms) expect(all).not.toContain(f)
  })
})

describe('a bridge restart with REDIS_URL (issue 11)', () => {
  it('keeps the session: the same cookie and CSRF token work on the instance started after the first one stopped', async () => {
    const first = await instance()
    const before = await signIn(first, 'alice@example.com')
    expect((await before.get('/api/mailboxes')).statusCode).toBe(200)
    await first.close()
    const restarted = await instance()
    const after = on(restarted, before)
    expect(SessionInfo.parse((await after.get('/api/session')).json())).toMatchObject({ email: 'alice@example.com', csrfToken: before.csrf })
    expect(MailboxList.parse((await after.get('/api/mailboxes')).json()).mailboxes.length).toBeGreaterThan(0)
    const flagged = await after.post('/api/messages/flags', { mailbox: 'INBOX', uids: [1], add: ['\\Seen'] })
    expect(flagged.statusCode).toBe(200)
  })
})

describe('expiry across instances (Redis TTL, short limits)', () => {
  // Margins of several hundred ms on every side: on a busy machine (two cores, CI and
  // other work) timers and requests run late, and each check must hold whatever the delay.
  /** Sign in on `app`, and when the bridge created the session: right after sign-in, expiresAt = createdAt + idle. */
  async function signInAt(app: FastifyInstance, email: string, idleMs: number): Promise<{ client: Client; createdAt: number }> {
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { email, password: 'demo' } })
    expect(res.statusCode, res.body).toBe(200)
    const cookie = `cachet_session=${res.cookies.find((c) => c.name === 'cachet_session')!.value}`
    const { csrfToken, expiresAt } = res.json() as { csrfToken: string; expiresAt: string }
    const client = { email, cookie, csrf: csrfToken } as Client
    return { client: on(app, client), createdAt: Date.parse(expiresAt) - idleMs }
  }

  it('ends an idle session on both instances once the idle time passes with no request', async () => {
    const short = { idleTimeoutMs: 1_500, absoluteTimeoutMs: 60_000 }
    const [a, b] = [await instance(short), await instance(short)]
    const { client: onA, createdAt } = await signInAt(a, 'alice@example.com', short.idleTimeoutMs)
    await sleep(Math.max(0, createdAt + 800 - Date.now()))
    expect((await on(b, onA).get('/api/session')).statusCode).toBe(200) // use on B keeps it alive
    await sleep(1_000) // past the idle time counted from sign-in, 1 s after the last use
    expect(Date.now() - createdAt).toBeGreaterThan(short.idleTimeoutMs)
    expect((await onA.get('/api/session')).statusCode).toBe(200)
    await sleep(short.idleTimeoutMs + 300)
    expect((await on(b, onA).get('/api/session')).statusCode).toBe(401)
    expect((await onA.get('/api/session')).statusCode).toBe(401)
  })

  it('ends an active session at the absolute limit, however often A and B see it', async () => {
    const short = { idleTimeoutMs: 1_500, absoluteTimeoutMs: 3_000 }
    const [a, b] = [await instance(short), await instance(short)]
    const { client: onA, createdAt } = await signInAt(a, 'bob@example.com', short.idleTimeoutMs)
    const status = async (i: number) => (await (i % 2 ? on(b, onA) : onA).get('/api/session')).statusCode
    let last = createdAt
    for (let i = 0; Date.now() - createdAt < short.absoluteTimeoutMs - 700; i++) {
      expect(await status(i)).toBe(200)
      last = Date.now()
      await sleep(200)
    }
    await sleep(Math.max(0, createdAt + short.absoluteTimeoutMs + 200 - Date.now()))
    // The last use is well inside the idle time: the absolute limit ended it, not idleness.
    expect(Date.now() - last).toBeLessThan(short.idleTimeoutMs)
    expect(await status(0)).toBe(401)
    expect(await status(1)).toBe(401)
  })
})

describe('Redis missing or dropping', () => {
  it('refuses to start, naming REDIS_URL, when Redis cannot be reached', async () => {
    const port = await freePort()
    await expect(buildApp({ ...shared.config, redisUrl: `redis://127.0.0.1:${port}` })).rejects.toThrow(
      new RegExp(`Cannot connect to Redis at REDIS_URL \\(redis://127\\.0\\.0\\.1:${port}\\)`),
    )
  })

  it('answers JSON session_store_unavailable (503) while Redis is down, keeps serving, and recovers', async () => {
    const onA = await signIn(A, 'carol@example.com')
    await shared.redis.stop()
    try {
      for (const res of [
        await onA.get('/api/mailboxes'),
        await on(B, onA).get('/api/session'),
        await onA.post('/api/messages/flags', { mailbox: 'INBOX', uids: [1], add: ['\\Seen'] }),
        await A.inject({ method: 'POST', url: '/api/session', payload: { email: 'dave@example.com', password: 'demo' } }),
      ]) {
        expect(res.statusCode).toBe(503)
        expect(res.headers['content-type']).toMatch(/application\/json/)
        expect(res.json()).toMatchObject({ code: 'session_store_unavailable' })
        expect(res.json().message).toMatch(/Redis.*try again/i)
      }
      // Without a cookie nothing needs the store: still the usual 401.
      expect((await B.inject({ method: 'GET', url: '/api/session' })).statusCode).toBe(401)
    } finally {
      await shared.redis.start()
    }
    // Redis came back empty (nothing saved): sign in again on A, the session works on B,
    // and the end-notice subscription is back too (sign-out on A ends B's state at once).
    // Both clients reconnect in the background, so try the whole cycle until it works.
    const cycle = async () => {
      const res = await A.inject({ method: 'POST', url: '/api/session', payload: { email: 'dave@example.com', password: 'demo' } })
      if (res.statusCode !== 200) return false
      const cookie = `cachet_session=${res.cookies.find((c) => c.name === 'cachet_session')!.value}`
      const csrf = (res.json() as { csrfToken: string }).csrfToken
      const onB = await B.inject({ method: 'GET', url: '/api/mailboxes', headers: { cookie } })
      if (onB.statusCode !== 200 || MailboxList.parse(onB.json()).mailboxes.length === 0) return false
      const localOnB = B.sessions.localSize
      const out = await A.inject({ method: 'DELETE', url: '/api/session', headers: { cookie, 'x-csrf-token': csrf } })
      if (out.statusCode !== 200) return false
      return waitFor(async () => B.sessions.localSize === localOnB - 1, 1_000).then(
        () => true,
        () => false,
      )
    }
    expect(await waitFor(cycle, 20_000)).toBe(true)
  })
})
