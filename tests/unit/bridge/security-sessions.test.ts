/**
 * Issue #3, the bridge's sessions beyond tests/unit/bridge/session.test.ts: fixation with
 * a cookie planted before sign-in, idle and absolute expiry over HTTP, the Secure flag
 * when served over TLS (a real HTTPS listener with an OpenSSL-made certificate), CSRF on
 * EVERY state-changing route of the contract (with no effect when refused), and
 * cross-site "simple" requests (form and text/plain posts) that cannot sign in or act.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CSRF_HEADER, routes, routePath } from '../../../src/contract/index'
import { loadConfig } from '../../../src/bridge/config'
import { buildApp } from '../../../src/bridge/app'
import { startBridge } from '../../../src/bridge/server'
import { rawMessage, signIn, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
}, 60_000)
afterAll(async () => h?.stop())

const login = (email: string, cookie?: string, ip = '127.0.0.1') =>
  h.app.inject({ method: 'POST', url: '/api/session', payload: { email, password: 'demo' }, remoteAddress: ip, headers: cookie ? { cookie } : {} })
const me = (cookie: string, app = h.app) => app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })
const sessionCookie = (res: { cookies: { name: string; value: string }[] }) => {
  const c = res.cookies.find((x) => x.name === 'cachet_session')
  return c ? `cachet_session=${c.value}` : null
}

describe('session fixation', () => {
  it("a session cookie planted before sign-in (the attacker's own, valid one) is replaced and ended", async () => {
    const attacker = await signIn(h.app, 'carol@example.com', 'demo', '10.9.0.1')
    // The victim's browser carries the attacker's cookie when Bob signs in.
    const res = await login('bob@example.com', attacker.cookie, '10.9.0.2')
    expect(res.statusCode).toBe(200)
    const fresh = sessionCookie(res)!
    expect(fresh).not.toBe(attacker.cookie)
    expect((await me(fresh)).json()).toMatchObject({ email: 'bob@example.com' })
    // The planted id is dead: it can never become (or see) Bob's session.
    expect((await me(attacker.cookie)).statusCode).toBe(401)
  })

  it('an attacker-chosen cookie value (unsigned or signed with another secret) is never adopted', async () => {
    for (const planted of ['cachet_session=attacker-chosen-id', 'cachet_session=attacker-chosen-id.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await login('bob@example.com', planted, '10.9.0.3')
      expect(res.statusCode).toBe(200)
      const fresh = sessionCookie(res)!
      expect(fresh.startsWith('cachet_session=attacker-chosen-id')).toBe(false)
      expect((await me(planted)).statusCode).toBe(401)
      expect((await me(fresh)).statusCode).toBe(200)
    }
  })

  it('sign-out ends the session on the server, not just the cookie', async () => {
    const a = await signIn(h.app, 'dave@example.com', 'demo', '10.9.0.4')
    const out = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: a.cookie, [CSRF_HEADER]: a.csrf } })
    expect(out.statusCode).toBe(200)
    expect(String(out.headers['set-cookie'])).toMatch(/cachet_session=;.*Expires=Thu, 01 Jan 1970/)
    // Replaying the old cookie (a copy an attacker kept) gets nothing.
    expect((await me(a.cookie)).statusCode).toBe(401)
    expect((await a.get('/api/mailboxes')).statusCode).toBe(401)
  })
})

describe('CSRF on every state change', () => {
  const stateChanging = Object.entries(routes).filter(([name, r]) => r.method !== 'GET' && name !== 'login')

  it('the contract marks every non-GET route except sign-in as csrf and auth', () => {
    expect(stateChanging.length).toBeGreaterThanOrEqual(7)
    for (const [name, r] of stateChanging) expect({ name, csrf: r.csrf, auth: r.auth }).toEqual({ name, csrf: true, auth: true })
  })

  it('each of them refuses a request without the token, and nothing happens', async () => {
    const a = await signIn(h.app, 'alice@example.com', 'demo', '10.9.1.1')
    const msg = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'csrf probe', body: 'csrf probe body' })
    const bodies: Record<string, { payload: unknown; query?: string; raw?: boolean }> = {
      logout: { payload: undefined },
      createMailbox: { payload: { path: 'CsrfProbe' } },
      flags: { payload: { mailbox: 'INBOX', uids: [1], add: ['\\Seen'] } },
      move: { payload: { mailbox: 'INBOX', uids: [1], destination: 'Trash' } },
      delete: { payload: { mailbox: 'INBOX', uids: [1] } },
      append: { payload: msg, query: '?mailbox=Drafts', raw: true },
      send: { payload: msg, raw: true },
      enrol: { payload: { csr: '-----BEGIN CERTIFICATE REQUEST-----\nMA==\n-----END CERTIFICATE REQUEST-----\n' } },
      directory: { payload: { addresses: ['bob@example.com'] } },
      ocsp: { payload: { url: 'http://127.0.0.1:9/ocsp', request: 'MAA=' } },
    }
    for (const [name, r] of stateChanging) {
      const b = bodies[name]
      expect(b, `a probe for ${name}`).toBeDefined()
      for (const token of [undefined, 'x'.repeat(43), a.csrf.slice(0, -1) + (a.csrf.endsWith('A') ? 'B' : 'A')]) {
        const res = await h.app.inject({
          method: r.method,
          url: routePath(r.path) + (b!.query ?? ''),
          headers: { cookie: a.cookie, ...(token ? { [CSRF_HEADER]: token } : {}), ...(b!.raw ? { 'content-type': 'message/rfc822' } : {}) },
          payload: b!.payload as string,
        })
        expect(res.statusCode, `${name} without a valid token`).toBe(403)
        expect(res.json()).toMatchObject({ code: 'csrf' })
      }
    }
    // No effect: still signed in, no folder, nothing appended or sent, INBOX untouched.
    expect((await me(a.cookie)).statusCode).toBe(200)
    const names = (await a.get('/api/mailboxes')).json().mailboxes.map((m: { path: string }) => m.path)
    expect(names).not.toContain('CsrfProbe')
    for (const box of ['Drafts', 'Sent']) expect((await a.get(`/api/messages?mailbox=${box}`)).json().total).toBe(0)
    const bob = await signIn(h.app, 'bob@example.com', 'demo', '10.9.1.2')
    expect((await bob.get('/api/messages?mailbox=INBOX')).json().messages.map((m: { subject: string }) => m.subject)).not.toContain('csrf probe')
  })

  it('cross-site "simple" requests (HTML form or text/plain posts) can neither sign in nor act', async () => {
    for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const res = await h.app.inject({ method: 'POST', url: '/api/session', headers: { 'content-type': ct }, payload: ct.startsWith('application/x') ? 'email=bob%40example.com&password=demo' : '{"email":"bob@example.com","password":"demo"}' })
      expect(res.statusCode, ct).not.toBe(200)
      expect(sessionCookie(res), ct).toBeNull()
    }
    const a = await signIn(h.app, 'alice@example.com', 'demo', '10.9.1.3')
    const form = await h.app.inject({ method: 'POST', url: '/api/mailboxes', headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'path=FormProbe' })
    expect([403, 415]).toContain(form.statusCode)
    expect((await a.get('/api/mailboxes')).json().mailboxes.map((m: { path: string }) => m.path)).not.toContain('FormProbe')
  })
})

describe('expiry over HTTP', () => {
  // Margins of several hundred ms on every side: a busy machine (two cores, CI and other
  // work) delays timers and requests, and each check must hold whatever the delay.
  const IDLE = 1500
  const ABSOLUTE = 4000
  let e: Harness
  beforeAll(async () => {
    e = await startHarness({ idleTimeoutMs: IDLE, absoluteTimeoutMs: ABSOLUTE })
  }, 60_000)
  afterAll(async () => e?.stop())
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

  it('ends a session left idle longer than the idle timeout', async () => {
    const a = await signIn(e.app, 'alice@example.com')
    expect((await me(a.cookie, e.app)).statusCode).toBe(200)
    await sleep(IDLE + 300)
    const res = await me(a.cookie, e.app)
    expect(res.statusCode).toBe(401)
    expect(res.json()).toMatchObject({ code: 'unauthorized' })
  })

  it('ends an active session at the absolute limit, and the cookie says so too', async () => {
    const t0 = Date.now()
    const res = await e.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'bob@example.com', password: 'demo' } })
    const cookie = sessionCookie(res)!
    const c = res.cookies.find((x) => x.name === 'cachet_session')!
    expect(c.maxAge).toBe(ABSOLUTE / 1000) // absolute limit in seconds
    expect(Date.parse(res.json().expiresAt)).toBeLessThanOrEqual(Date.now() + IDLE)
    // The limits count from when the bridge created the session, after the IMAP sign-in,
    // not from t0 (the sign-in alone can take a while on a busy machine). Right after
    // sign-in the idle limit comes first, so expiresAt - IDLE is the creation time.
    const createdAt = Date.parse(res.json().expiresAt) - IDLE
    expect(createdAt).toBeGreaterThanOrEqual(t0)
    // Active every 200 ms until 700 ms before the absolute limit ...
    let last = createdAt
    while (Date.now() - createdAt < ABSOLUTE - 700) {
      expect((await me(cookie, e.app)).statusCode).toBe(200)
      last = Date.now()
      await sleep(200)
    }
    // ... and ended once the absolute limit has passed, while the last request is still
    // well inside the idle timeout: the absolute limit ended it, not idleness.
    await sleep(Math.max(0, createdAt + ABSOLUTE + 200 - Date.now()))
    expect(Date.now() - last).toBeLessThan(IDLE)
    expect((await me(cookie, e.app)).statusCode).toBe(401)
  })
})

describe('Secure cookie over TLS', () => {
  it('behind a trusted TLS proxy (TRUST_PROXY=1), a request it reports as https gets HSTS and a Secure cookie; plain http and an untrusted header get neither', async () => {
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(true)
    expect(loadConfig({}).trustProxy).toBe(false)
    const trusted = await buildApp(loadConfig({}, { ...h.config, staticDir: null, trustProxy: true }))
    const untrusted = await buildApp(loadConfig({}, { ...h.config, staticDir: null, trustProxy: false }))
    try {
      const login = (app: typeof trusted, proto?: string) =>
        app.inject({
          method: 'POST',
          url: '/api/session',
          headers: { 'content-type': 'application/json', ...(proto ? { 'x-forwarded-proto': proto } : {}) },
          remoteAddress: '10.20.30.40',
          payload: { email: 'alice@example.com', password: 'demo' },
        })
      const viaTls = await login(trusted, 'https')
      expect(viaTls.statusCode).toBe(200)
      expect(viaTls.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
      expect(String(viaTls.headers['set-cookie'])).toMatch(/cachet_session=[^;]+;.*Secure/i)
      for (const [app, proto] of [[trusted, 'http'], [trusted, undefined], [untrusted, 'https']] as const) {
        const r = await login(app, proto)
        expect(r.statusCode).toBe(200)
        expect(r.headers['strict-transport-security'], `${proto}`).toBeUndefined()
        expect(String(r.headers['set-cookie']), `${proto}`).not.toMatch(/Secure/i)
      }
    } finally {
      await trusted.close()
      await untrusted.close()
    }
  })

  it('marks the session cookie Secure (and HttpOnly, SameSite=Strict) when the bridge serves HTTPS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cachet-bridge-tls-'))
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' })
      const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
      const key = readFileSync(join(dir, 'key.pem'), 'utf8')
      const config = loadConfig(
        { HTTPS_CERT: cert, HTTPS_KEY: key },
        {
          host: '127.0.0.1',
          port: 0,
          imap: { host: '127.0.0.1', port: h.mailstack.imapPort, tls: false, rejectUnauthorized: true },
          smtp: { host: '127.0.0.1', port: h.mailstack.smtpPort, tls: false, rejectUnauthorized: true },
          staticDir: null,
          logLevel: false,
        },
      )
      expect(config.secureCookies).toBe(true)
      const bridge = await startBridge(config)
      try {
        expect(bridge.url.startsWith('https://')).toBe(true)
        const { status, setCookie, hsts } = await new Promise<{ status: number; setCookie: string[]; hsts: unknown }>((resolve, reject) => {
          const req = httpsRequest(
            { host: '127.0.0.1', port: bridge.port, path: '/api/session', method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } },
            (res) => {
              res.resume()
              res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], hsts: res.headers['strict-transport-security'] }))
            },
          )
          req.on('error', reject)
          req.end(JSON.stringify({ email: 'alice@example.com', password: 'demo' }))
        })
        expect(status).toBe(200)
        const session = setCookie.find((c) => c.startsWith('cachet_session='))!
        expect(session).toMatch(/;\s*Secure/i)
        expect(session).toMatch(/;\s*HttpOnly/i)
        expect(session).toMatch(/;\s*SameSite=Strict/i)
        // Issue 11: HSTS whenever the bridge serves HTTPS.
        expect(hsts).toBe('max-age=31536000; includeSubDomains')
      } finally {
        await bridge.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
