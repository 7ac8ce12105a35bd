/**
 * Issue #3, the bridge: no passwords and no message bodies in logs. The real bridge runs
 * as its own process (`node src/bridge/server.ts`, exactly as `npm start` runs it) with
 * LOG_LEVEL=trace, against a mail stack whose accounts have unique passwords; we sign in
 * (once wrongly), send, append, fetch raw, search and sign out over HTTP, then read
 * everything the process wrote and look for the secrets.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMailstack, type Mailstack } from '../../../src/mailstack/index'

const ROOT = resolve(import.meta.dirname, '../../..')
const rnd = () => Math.random().toString(36).slice(2, 12)
const PASSWORD = `Pw-${rnd()}-correct`
const PASSWORD_2 = `Pw-${rnd()}-frank`
const WRONG = `Pw-${rnd()}-wrong`
const BODY = `Body-${rnd()}-the-quarterly-numbers`
const DRAFT_BODY = `Draft-${rnd()}-not-for-logs`

let dir: string
let mailstack: Mailstack
let child: ChildProcess
let origin = ''
let output = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-bridge-logs-'))
  mailstack = await startMailstack({
    dataDir: dir,
    imapPort: 0,
    smtpPort: 0,
    lmtpPort: 0,
    pki: false,
    accounts: [
      { email: 'erin@example.com', password: PASSWORD },
      { email: 'frank@example.com', password: PASSWORD_2 },
    ],
  })
  child = spawn(process.execPath, ['--import', 'tsx', 'src/bridge/server.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      IMAP_PORT: String(mailstack.imapPort),
      SMTP_PORT: String(mailstack.smtpPort),
      LOG_LEVEL: 'trace',
      STATIC_DIR: join(dir, 'no-app'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')))
  const end = Date.now() + 60_000
  while (!/Cachet bridge at (http:\/\/\S+)/.test(output)) {
    if (Date.now() > end || child.exitCode !== null) throw new Error(`bridge did not start:\n${output}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  origin = /Cachet bridge at (http:\/\/\S+)/.exec(output)![1]!
}, 120_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r))
    child.kill('SIGTERM')
    await exited
  }
  await mailstack?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function message(from: string, to: string, subject: string, body: string): string {
  return [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, 'Date: Mon, 23 Nov 2026 06:00:00 +0000', `Message-ID: <${rnd()}@example.com>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n')
}

describe('bridge logs', () => {
  it('never contain a password, a message body, the session cookie or the CSRF token', async () => {
    const wrong = await fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'erin@example.com', password: WRONG }) })
    expect(wrong.status).toBe(401)
    const login = await fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'erin@example.com', password: PASSWORD }) })
    expect(login.status).toBe(200)
    const setCookie = login.headers.get('set-cookie')!
    const cookie = setCookie.split(';')[0]!
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken
    const h = { cookie, 'x-csrf-token': csrf }

    const sent = await fetch(`${origin}/api/send`, { method: 'POST', headers: { ...h, 'content-type': 'message/rfc822' }, body: message('erin@example.com', 'frank@example.com', 'Numbers', BODY) })
    expect(sent.status).toBe(200)
    const appended = await fetch(`${origin}/api/messages/append?mailbox=Drafts`, { method: 'POST', headers: { ...h, 'content-type': 'message/rfc822' }, body: message('erin@example.com', 'frank@example.com', 'Draft', DRAFT_BODY) })
    expect(appended.status).toBe(200)
    const { uid } = (await appended.json()) as { uid: number }
    const raw = await fetch(`${origin}/api/messages/${uid}/raw?mailbox=Drafts`, { headers: h })
    expect(await raw.text()).toContain(DRAFT_BODY)
    const list = await fetch(`${origin}/api/messages?mailbox=Sent`, { headers: h })
    expect(list.status).toBe(200)
    const search = await fetch(`${origin}/api/search?mailbox=Drafts&q=Draft`, { headers: h })
    expect(search.status).toBe(200)
    // Frank signs in too (a second password that must not leak).
    const frank = await fetch(`${origin}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'frank@example.com', password: PASSWORD_2 }) })
    expect(frank.status).toBe(200)
    const out = await fetch(`${origin}/api/session`, { method: 'DELETE', headers: h })
    expect(out.status).toBe(200)
    await new Promise((r) => setTimeout(r, 500))

    // The logger was really on: every request above is in the log.
    expect(output).toMatch(/incoming request/)
    expect(output).toContain('/api/send')
    expect(output).toContain('/api/messages/append')
    const sessionId = decodeURIComponent(cookie.split('=')[1]!)
    for (const [what, secret] of [
      ['the password', PASSWORD],
      ['the second password', PASSWORD_2],
      ['a wrong password', WRONG],
      ['the sent body', BODY],
      ['the draft body', DRAFT_BODY],
      ['the session cookie', sessionId.split('.')[0]!],
      ['the CSRF token', csrf],
    ] as const) {
      expect(output.includes(secret), `${what} is in the log`).toBe(false)
    }
  })
})
