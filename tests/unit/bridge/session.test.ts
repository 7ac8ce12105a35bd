import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SessionInfo } from '../../../src/contract/index'
import { signIn, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness({ loginLimits: { windowMs: 60_000, perIp: 8, perAccountFailures: 3 } })
})
afterAll(async () => h?.stop())

const login = (email: string, password: string, ip = '127.0.0.1', cookie?: string) =>
  h.app.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress: ip, headers: cookie ? { cookie } : {} })

describe('session', () => {
  it('signs in with the IMAP password and sets an HttpOnly SameSite=Strict cookie', async () => {
    const res = await login('alice@example.com', 'demo', '10.0.0.1')
    expect(res.statusCode).toBe(200)
    const info = SessionInfo.parse(res.json())
    expect(info.email).toBe('alice@example.com')
    expect(info.csrfToken.length).toBeGreaterThan(20)
    const c = res.cookies.find((x) => x.name === 'cachet_session')!
    expect(c.httpOnly).toBe(true)
    expect(c.sameSite).toBe('Strict')
    expect(c.path).toBe('/')
    expect(c.secure).toBeFalsy() // plain HTTP on localhost; Secure when served over TLS
    const setCookie = String(res.headers['set-cookie'])
    expect(setCookie).not.toContain('demo')
  })

  it('refuses a wrong password with invalid_credentials and a message to act on', async () => {
    const res = await login('bob@example.com', 'wrong', '10.0.0.2')
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 'invalid_credentials' })
    expect(res.json().message).toMatch(/wrong email or password/i)
    expect(res.cookies.length).toBe(0)
  })

  it('answers GET /api/session with 401 unauthorized when signed out', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/session' })
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('returns the same CSRF token from GET /api/session, and signs out', async () => {
    const a = await signIn(h.app, 'carol@example.com', 'demo', '10.0.0.3')
    const me = await a.get('/api/session')
    expect(me.json()).toMatchObject({ email: 'carol@example.com', csrfToken: a.csrf })
    const out = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: a.cookie, 'x-csrf-token': a.csrf } })
    expect(out.statusCode).toBe(200)
    expect((await a.get('/api/session')).statusCode).toBe(401)
  })

  it('rotates the session id at sign-in and ends the previous session (no fixation)', async () => {
    const first = await signIn(h.app, 'dave@example.com', 'demo', '10.0.0.4')
    const res = await login('dave@example.com', 'demo', '10.0.0.4', first.cookie)
    const second = res.cookies.find((x) => x.name === 'cachet_session')!
    expect(`cachet_session=${second.value}`).not.toBe(first.cookie)
    expect((await first.get('/api/session')).statusCode).toBe(401)
  })

  it('ignores a forged (unsigned) session cookie', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: 'cachet_session=attacker-chosen-id' } })
    expect(res.statusCode).toBe(401)
  })
})

describe('CSRF', () => {
  it('rejects a state-changing request without or with a wrong x-csrf-token', async () => {
    const a = await signIn(h.app, 'alice@example.com', 'demo', '10.0.1.1')
    const body = { mailbox: 'INBOX', uids: [1], add: ['\\Seen'] }
    const none = await h.app.inject({ method: 'POST', url: '/api/messages/flags', headers: { cookie: a.cookie }, payload: body })
    expect(none.statusCode).toBe(403)
    expect(none.json()).toMatchObject({ code: 'csrf' })
    const wrong = await h.app.inject({ method: 'POST', url: '/api/messages/flags', headers: { cookie: a.cookie, 'x-csrf-token': 'x'.repeat(43) }, payload: body })
    expect(wrong.statusCode).toBe(403)
    const out = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: a.cookie } })
    expect(out.statusCode).toBe(403)
    const raw = await h.app.inject({ method: 'POST', url: '/api/send', headers: { cookie: a.cookie, 'content-type': 'message/rfc822' }, payload: 'From: a@b.c\r\n\r\nx' })
    expect(raw.statusCode).toBe(403)
  })

  it("does not accept another session's token", async () => {
    const a = await signIn(h.app, 'alice@example.com', 'demo', '10.0.1.2')
    const b = await signIn(h.app, 'bob@example.com', 'demo', '10.0.1.2')
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/mailboxes',
      headers: { cookie: a.cookie, 'x-csrf-token': b.csrf },
      payload: { path: 'Nope' },
    })
    expect(res.statusCode).toBe(403)
  })
})

describe('login rate limits', () => {
  it('limits failed attempts per account, even from different clients', async () => {
    for (let i = 0; i < 3; i++) expect((await login('carol@example.com', 'bad', `10.1.0.${i}`)).statusCode).toBe(401)
    const limited = await login('carol@example.com', 'demo', '10.1.0.99')
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'rate_limited' })
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
  })

  it('limits attempts per client IP across accounts', async () => {
    const emails = ['a1@example.com', 'a2@example.com', 'a3@example.com', 'a4@example.com']
    let last = 0
    for (let i = 0; i < 9; i++) last = (await login(emails[i % 4]!, 'x', '10.2.0.1')).statusCode
    expect(last).toBe(429)
    // another client is not affected
    expect((await login('alice@example.com', 'demo', '10.2.0.2')).statusCode).toBe(200)
  })
})

describe('security headers', () => {
  it('sends a CSP without unsafe-inline scripts, frame-ancestors none, nosniff and no-referrer', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/session' })
    const csp = String(res.headers['content-security-policy'])
    const script = /script-src ([^;]*)/.exec(csp)![1]!
    expect(script).toBe("'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['x-frame-options']).toBe('DENY')
  })

  it('answers unknown API paths with a JSON not_found', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/nope' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'not_found' })
  })
})
