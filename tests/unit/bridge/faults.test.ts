/**
 * Issue 11, "nothing lost, nothing sent twice", at the bridge against the real servers,
 * each stopped and started again inside the test: the SMTP service down (a clean
 * smtp_failed, nothing in Sent), SMTP accepting while Dovecot is down (a 200 that says
 * the copy to Sent is missing and why; appending the same bytes later delivers nothing a
 * second time), and a bridge restart without Redis (the old cookie is an ended session,
 * 401 unauthorized, and signing in again works). The restart with Redis is in
 * session-redis.test.ts; Dovecot restarting under a session is in events.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { AppendResponse, MessagePage, SendResponse } from '../../../src/contract/index'
import { rawMessage, signIn, startHarness, waitFor, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let bob: Client
beforeAll(async () => {
  h = await startHarness({}, { queueWhileLmtpDown: true })
  alice = await signIn(h.app, 'alice@example.com')
  bob = await signIn(h.app, 'bob@example.com')
})
afterAll(async () => h?.stop())

const subjects = async (c: Client, mailbox: string) =>
  MessagePage.parse((await c.get(`/api/messages?mailbox=${encodeURIComponent(mailbox)}&pageSize=100`)).json()).messages.map((m) => m.subject)
const count = (list: string[], s: string) => list.filter((x) => x === s).length

describe('the SMTP service down', () => {
  it('answers smtp_failed with the reason and keeps nothing in Sent; once it is back the same bytes go out once', async () => {
    const bytes = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'smtp was down' })
    await h.mailstack.smtp.stop()
    try {
      const res = await alice.raw('/api/send', bytes)
      expect(res.statusCode).toBe(502)
      expect(res.json()).toMatchObject({ code: 'smtp_failed' })
      expect(res.json().message).toMatch(/ECONNREFUSED|connect/i)
      expect(res.json().message).toMatch(/not sent/i)
    } finally {
      await h.mailstack.smtp.start()
    }
    expect(await subjects(alice, 'Sent')).not.toContain('smtp was down')
    const again = await alice.raw('/api/send', bytes)
    expect(again.statusCode).toBe(200)
    expect(SendResponse.parse(again.json())).toMatchObject({ sentMailbox: 'Sent', sentCopyError: null })
    await waitFor(async () => (await subjects(bob, 'INBOX')).includes('smtp was down'))
    expect(count(await subjects(alice, 'Sent'), 'smtp was down')).toBe(1)
  })
})

describe('SMTP accepts while the mail server (Dovecot) is down', () => {
  it('answers 200 with sentCopyError instead of an error, and the later append to Sent delivers nothing twice', async () => {
    const bytes = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'imap was down' })
    await h.mailstack.dovecot.stop()
    let sent: SendResponse
    try {
      const res = await alice.raw('/api/send', bytes)
      expect(res.statusCode).toBe(200)
      sent = SendResponse.parse(res.json())
      expect(h.mailstack.smtp.queued()).toBe(1)
    } finally {
      await h.mailstack.dovecot.start()
    }
    expect(sent.accepted).toEqual(['bob@example.com'])
    expect(sent.sentMailbox).toBeNull()
    expect(sent.sentUid).toBeNull()
    expect(sent.sentCopyError).toMatchObject({ code: 'imap_unavailable' })
    expect(sent.sentCopyError!.message).toMatch(/cannot be reached/)
    // The queued message reaches bob once Dovecot is back; Sent does not have it yet.
    await waitFor(async () => (await subjects(bob, 'INBOX')).includes('imap was down'), 20_000)
    expect(await subjects(alice, 'Sent')).not.toContain('imap was down')
    // What the app's Retry does: the same bytes appended to Sent, no send.
    const appended = await alice.raw('/api/messages/append?mailbox=Sent&flags=%5CSeen', bytes)
    expect(appended.statusCode).toBe(200)
    const { uid } = AppendResponse.parse(appended.json())
    expect((await alice.get(`/api/messages/${uid}/raw?mailbox=Sent`)).rawPayload.equals(bytes)).toBe(true)
    expect(count(await subjects(alice, 'Sent'), 'imap was down')).toBe(1)
    expect(count(await subjects(bob, 'INBOX'), 'imap was down')).toBe(1)
  })
})

describe('the bridge restarts (sessions in memory)', () => {
  it('answers the old cookie 401 unauthorized (the session ended), and signing in again works', async () => {
    const before = await alice.get('/api/mailboxes')
    expect(before.statusCode).toBe(200)
    const restarted = await buildApp(h.config)
    await restarted.ready()
    try {
      const res = await restarted.inject({ method: 'GET', url: '/api/mailboxes', headers: { cookie: alice.cookie } })
      expect(res.statusCode).toBe(401)
      expect(res.json()).toMatchObject({ code: 'unauthorized' })
      const again = await signIn(restarted, 'alice@example.com')
      expect((await again.get('/api/mailboxes')).statusCode).toBe(200)
    } finally {
      await restarted.close()
    }
  })
})
