/**
 * Sign-in limits through the API on one instance without REDIS_URL (the in-memory
 * default), over the real Dovecot of the mail stack: parallel guesses cannot outrun the
 * per-account count, an attempt the mail server never answered does not count as a
 * failure, and an app whose sign-in route escaped the limits refuses to start.
 * (Sequential limits per account and per client: session.test.ts.)
 */
import Fastify from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { MemoryLoginLimits, registerLoginLimits } from '../../../src/bridge/login-limiter'
import { routes } from '../../../src/contract/index'
import { freePort } from '../../../src/mailstack/index'
import { startHarness, type Harness } from './harness'

const LIMITS = { windowMs: 60_000, perIp: 100, perAccountFailures: 3 }
let h: Harness
beforeAll(async () => {
  h = await startHarness({ loginLimits: LIMITS })
})
afterAll(async () => h?.stop())

describe('sign-in limits in memory (no REDIS_URL)', () => {
  it('lets only perAccountFailures of 12 parallel wrong passwords at one account reach the mail server', async () => {
    const all = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'carol@example.com', password: `guess-${i}` }, remoteAddress: `10.7.0.${i}` }),
      ),
    )
    const codes = all.map((r) => r.statusCode)
    expect(codes.filter((c) => c === 401)).toHaveLength(LIMITS.perAccountFailures)
    expect(codes.filter((c) => c === 429)).toHaveLength(12 - LIMITS.perAccountFailures)
  })

  it('does not count an attempt the mail server never answered (unreachable) as a failure of the account', async () => {
    const closed = await freePort()
    const app = await buildApp({ ...h.config, imap: { ...h.config.imap, port: closed } })
    try {
      // perAccountFailures is 3: a counted attempt would make the 4th a 429.
      for (let i = 0; i < 5; i++) {
        const res = await app.inject({ method: 'POST', url: '/api/session', payload: { email: 'dave@example.com', password: 'demo' }, remoteAddress: `10.8.0.${i}` })
        expect(res.json()).toMatchObject({ code: 'imap_unavailable' })
      }
    } finally {
      await app.close()
    }
  })

  it('refuses to start when the sign-in route was registered before the limits (it would run unlimited)', async () => {
    const app = Fastify()
    app.post(routes.login.path, async () => ({ ok: true }))
    registerLoginLimits(app, new MemoryLoginLimits(LIMITS))
    await expect(app.ready()).rejects.toThrow(/not attached/)
    await app.close().catch(() => {})
  })
})
