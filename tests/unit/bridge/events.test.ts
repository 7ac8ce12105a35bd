import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailEvent, MessagePage } from '../../../src/contract/index'
import { startMailstack } from '../../../src/mailstack/index'
import { rawMessage, signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let base: string
beforeAll(async () => {
  h = await startHarness()
  await h.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`
})
afterAll(async () => h?.stop())

/** Opens GET /api/events and collects parsed events until closed. */
function openEvents(c: Client) {
  const events: MailEvent[] = []
  let close = () => {}
  const ready = new Promise<void>((resolve, reject) => {
    const req = request(`${base}/api/events?mailbox=INBOX`, { headers: { cookie: c.cookie, accept: 'text/event-stream' } }, (res) => {
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toContain('text/event-stream')
      let buf = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let i
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i)
          buf = buf.slice(i + 2)
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (data) {
            const ev = MailEvent.parse(JSON.parse(data))
            events.push(ev)
            if (ev.type === 'ready') resolve()
          }
        }
      })
    })
    req.on('error', reject)
    req.end()
    close = () => req.destroy()
  })
  return { events, ready, close: () => close() }
}

const until = async (f: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('events (SSE over IMAP IDLE)', () => {
  it('tells the browser about new mail without polling', async () => {
    const bob = await signIn(h.app, 'bob@example.com')
    const alice = await signIn(h.app, 'alice@example.com')
    const stream = openEvents(bob)
    await stream.ready
    const started = Date.now()
    const sent = await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'ping' }))
    expect(sent.statusCode).toBe(200)
    await until(() => stream.events.some((e) => e.type === 'exists'))
    const ev = stream.events.find((e) => e.type === 'exists')!
    expect(ev).toMatchObject({ type: 'exists', mailbox: 'INBOX', exists: 1, previous: 0 })
    expect(Date.now() - started).toBeLessThan(10_000)
    stream.close()
  })

  it('needs a session', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/events' })
    expect(res.statusCode).toBe(401)
  })
})

describe('IMAP connection reuse and reconnect', () => {
  it('keeps working after the mail server restarts, and mail survives the restart', async () => {
    const carol = await signIn(h.app, 'carol@example.com')
    await carol.raw('/api/messages/append?mailbox=INBOX', rawMessage({ from: 'x@example.com', to: 'carol@example.com', subject: 'before restart' }))
    const { dataDir, imapPort, smtpPort, lmtpPort } = h.mailstack
    await h.mailstack.stop()
    h.mailstack = await startMailstack({ dataDir, imapPort, smtpPort, lmtpPort, pki: false })
    const res = await carol.get('/api/messages?mailbox=INBOX')
    expect(res.statusCode).toBe(200)
    expect(MessagePage.parse(res.json()).messages.map((m) => m.subject)).toContain('before restart')
  })
})
