/**
 * Issue 11, under load: 500 sessions each opening event streams took an IMAP connection
 * per stream, Dovecot refused past mail_max_userip_connections, and the bridge answered
 * those refusals 401, which signs the person out. Now one IDLE connection per account and
 * mailbox serves all of that account's streams, and a refusal for now is 503 imap_busy
 * with Retry-After, never a 401. Dovecot runs here with a cap of 3 connections per user.
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rawMessage, signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let base: string
beforeAll(async () => {
  h = await startHarness({}, { maxUserIpConnections: 3 })
  await h.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`
})
afterAll(async () => h?.stop())

function open(c: Client, mailbox = 'INBOX') {
  let text = ''
  let close = () => {}
  const status = new Promise<number>((resolve, reject) => {
    const req = request(`${base}/api/events?mailbox=${encodeURIComponent(mailbox)}`, { headers: { cookie: c.cookie } }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        if (text.includes('event: ready')) resolve(res.statusCode ?? 0)
      })
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
    close = () => req.destroy()
  })
  return { status, text: () => text, close: () => close() }
}

const until = async (f: () => boolean, what: string) => {
  const end = Date.now() + 60_000
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('event streams share one IDLE connection per account and mailbox', () => {
  it('two sessions of bob watching INBOX use one IMAP connection, and both hear of new mail', async () => {
    const [b1, b2] = [await signIn(h.app, 'bob@example.com'), await signIn(h.app, 'bob@example.com')]
    const s1 = open(b1)
    const s2 = open(b2)
    expect(await s1.status).toBe(200)
    expect(await s2.status).toBe(200)
    expect(h.app.imapWatcherCount()).toBe(1)
    const alice = await signIn(h.app, 'alice@example.com')
    const sent = await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'shared idle' }))
    expect(sent.statusCode).toBe(200)
    await until(() => s1.text().includes('event: exists') && s2.text().includes('event: exists'), 'both streams told')
    s1.close()
    s2.close()
    await until(() => h.app.imapWatcherCount() === 0, 'the shared connection closed with its last stream')
  })

  it('when Dovecot refuses more connections, the answer is 503 imap_busy with Retry-After, and the session stays signed in', async () => {
    // Cap 3: two sessions' own connections and one shared INBOX IDLE...
    const [c1, c2] = [await signIn(h.app, 'carol@example.com'), await signIn(h.app, 'carol@example.com')]
    for (const c of [c1, c2]) expect((await c.get('/api/mailboxes')).statusCode).toBe(200)
    const inbox = open(c1)
    expect(await inbox.status).toBe(200)
    // ...so a watcher for another folder is refused by Dovecot (NO [LIMIT]).
    const sent = open(c2, 'Sent')
    expect(await sent.status).toBe(503)
    expect(JSON.parse(sent.text())).toMatchObject({ code: 'imap_busy' })
    // A busy server is not an ended session.
    expect((await c2.get('/api/mailboxes')).statusCode).toBe(200)
    // A third session cannot sign in now: 503 too, not "wrong password".
    const res = await h.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'carol@example.com', password: 'demo' }, remoteAddress: '10.1.1.9' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ code: 'imap_busy' })
    expect(res.headers['retry-after']).toBe('5')
    inbox.close()
  })
})
