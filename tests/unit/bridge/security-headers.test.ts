/**
 * Issue #3, the bridge's security headers on what a browser actually renders: the app
 * document itself (index.html and the SPA fallback for deep links), a static asset, and
 * the raw bytes of a hostile message (which must never be served as HTML of the app's
 * origin). tests/unit/bridge/session.test.ts checks an API JSON answer.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let dir: string
let alice: Client

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-bridge-headers-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><script type="module" src="/assets/app.js"></script></head><body><div id="app"></div></body></html>')
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
  h = await startHarness({ staticDir: dir })
  alice = await signIn(h.app, 'alice@example.com')
}, 60_000)
afterAll(async () => {
  await h?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((p) => p[0]).map((p) => [p[0]!.toLowerCase(), p.slice(1)]))
}

function expectAppHeaders(headers: Record<string, unknown>, what: string): void {
  const csp = directives(String(headers['content-security-policy'] ?? ''))
  const scripts = csp.get('script-src') ?? csp.get('default-src')
  expect(scripts, `${what}: script-src`).toEqual(["'self'"])
  for (const bad of ["'unsafe-inline'", "'unsafe-eval'", 'data:', 'blob:', '*', 'http:', 'https:']) expect(scripts, `${what}: ${bad}`).not.toContain(bad)
  expect(csp.get('frame-ancestors'), what).toEqual(["'none'"])
  expect(csp.get('object-src'), what).toEqual(["'none'"])
  expect(csp.get('base-uri'), what).toEqual(["'none'"])
  expect(csp.get('connect-src'), `${what}: the app talks only to its own origin`).toEqual(["'self'"])
  expect(headers['x-content-type-options'], what).toBe('nosniff')
  expect(headers['referrer-policy'], what).toBe('no-referrer')
  expect(headers['x-frame-options'], what).toBe('DENY')
}

describe('security headers on what the browser renders', () => {
  it('the app document, a deep link (SPA fallback) and an asset', async () => {
    for (const url of ['/', '/mail/INBOX/42', '/assets/app.js']) {
      const res = await h.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(200)
      expectAppHeaders(res.headers, url)
    }
  })

  it('the raw bytes of a hostile HTML message are never served as HTML of the app origin', async () => {
    const msg = Buffer.from(
      'From: Mallory <mallory@evil.test>\r\nTo: alice@example.com\r\nSubject: raw\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n<html><body><script>alert(document.cookie)</script><img src=x onerror=alert(1)></body></html>\r\n',
    )
    const up = await alice.raw('/api/messages/append?mailbox=INBOX', msg)
    expect(up.statusCode).toBe(200)
    const res = await alice.get(`/api/messages/${up.json().uid}/raw?mailbox=INBOX`)
    expect(res.statusCode).toBe(200)
    expect(res.rawPayload.equals(msg)).toBe(true)
    expect(String(res.headers['content-type'])).not.toMatch(/html|xml|javascript|text\/plain/i)
    expect(res.headers['cache-control']).toMatch(/no-store/)
    expectAppHeaders(res.headers, 'raw')
    // The API's JSON answers carry the same policy.
    expectAppHeaders((await alice.get('/api/mailboxes')).headers, 'json')
  })
})
