/**
 * Test harness: a real Dovecot + submission service in a temp dir on free ports, and a
 * bridge app (not listening; use app.inject) pointed at it. With `{ pki: true }` the
 * stack also runs the demo PKI's CA (CFSSL) and the directory (slapd), and the bridge is
 * configured with both (its `ca` and `directory`), as in `npm start`.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig, type BridgeConfig } from '../../../src/bridge/config'
import { startMailstack, type Mailstack } from '../../../src/mailstack/index'

export interface Harness {
  mailstack: Mailstack
  config: BridgeConfig
  app: FastifyInstance
  stop(): Promise<void>
}

export async function startHarness(
  overrides: Partial<BridgeConfig> = {},
  o: { pki?: boolean; maxUserIpConnections?: number; queueWhileLmtpDown?: boolean } = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cachet-bridge-test-'))
  const limits = {
    ...(o.maxUserIpConnections !== undefined ? { maxUserIpConnections: o.maxUserIpConnections } : {}),
    ...(o.queueWhileLmtpDown ? { queueWhileLmtpDown: true } : {}),
  }
  const mailstack = o.pki
    ? await startMailstack({ dataDir, imapPort: 0, smtpPort: 0, lmtpPort: 0, caPort: 0, crlPort: 0, directoryPort: 0, ...limits })
    : await startMailstack({ dataDir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false, ...limits })
  const config = loadConfig(
    {},
    {
      imap: { host: '127.0.0.1', port: mailstack.imapPort, tls: false, rejectUnauthorized: true },
      smtp: { host: '127.0.0.1', port: mailstack.smtpPort, tls: false, rejectUnauthorized: true },
      staticDir: null,
      logLevel: false,
      sessionSecret: 'test-secret-test-secret-test-secret',
      ...pkiConfig(mailstack),
      ...overrides,
    },
  )
  const app = await buildApp(config)
  await app.ready()
  const h: Harness = {
    mailstack,
    config,
    app,
    async stop() {
      await app.close()
      await h.mailstack.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return h
}

/** The bridge's `ca` and `directory` settings for a mail stack's CA and directory (null when it runs none). */
export function pkiConfig(mailstack: Mailstack): Pick<BridgeConfig, 'ca' | 'directory'> {
  const { ca, directory } = mailstack
  return {
    ca: ca ? { url: ca.url, authKey: ca.authKey, profiles: ca.profiles } : null,
    directory: directory
      ? { url: directory.url, base: directory.base, bindDn: directory.bindDn, bindPassword: directory.bindPassword, timeoutMs: 5000 }
      : null,
  }
}

export interface Client {
  email: string
  cookie: string
  csrf: string
  get(url: string): Promise<LightMyRequestResponse>
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>
  raw(url: string, bytes: Buffer): Promise<LightMyRequestResponse>
}

/** Signs in through the API and returns a client carrying the cookie and CSRF token. */
export async function signIn(app: FastifyInstance, email: string, password = 'demo', ip = '127.0.0.1'): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/session', payload: { email, password }, remoteAddress: ip })
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`)
  const setCookie = res.cookies.find((c) => c.name === 'cachet_session')!
  const cookie = `cachet_session=${setCookie.value}`
  const csrf = (res.json() as { csrfToken: string }).csrfToken
  return {
    email,
    cookie,
    csrf,
    get: (url) => app.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url, body, headers = {}) =>
      app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf, ...headers }, payload: body as object }),
    raw: (url, bytes) =>
      app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'message/rfc822' }, payload: bytes }),
  }
}

/** A small RFC 5322 message with CRLF line ends. */
export function rawMessage(o: { from: string; to: string; subject: string; body?: string; extraHeaders?: string[] }): Buffer {
  const lines = [
    `From: ${o.from}`,
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    ...(o.extraHeaders ?? []),
    '',
    o.body ?? 'Hello.',
    '',
  ]
  return Buffer.from(lines.join('\r\n'))
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 150))
  }
}
