/**
 * Issue 11: every event stream holds an IMAP connection. Before, a session could open any
 * number (a page reloading in a loop, a script), taking every connection Dovecot allows
 * the user and then some. Now a session keeps at most `perSession` (a new one closes its
 * oldest) and the bridge at most `total` (then 503 too_many_streams, never a 401 that
 * would sign the person out).
 */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let base: string
beforeAll(async () => {
  h = await startHarness({ eventStreams: { perSession: 2, total: 3 } })
  await h.app.listen({ host: '127.0.0.1', port: 0 })
  base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`
})
afterAll(async () => h?.stop())

interface Stream {
  status: Promise<number>
  /** Resolves when the server ended the stream. */
  ended: Promise<void>
  isEnded(): boolean
  body(): string
  close(): void
}

function open(c: Client): Stream {
  let text = ''
  let done = false
  let close = () => {}
  let markEnded = () => {}
  const ended = new Promise<void>((r) => (markEnded = r))
  const status = new Promise<number>((resolve, reject) => {
    const req = request(`${base}/api/events?mailbox=INBOX`, { headers: { cookie: c.cookie, accept: 'text/event-stream' } }, (res) => {
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
        if (text.includes('event: ready')) resolve(res.statusCode ?? 0)
      })
      res.on('end', () => {
        done = true
        resolve(res.statusCode ?? 0)
        markEnded()
      })
    })
    req.on('error', reject)
    req.end()
    close = () => req.destroy()
  })
  return { status, ended, isEnded: () => done, body: () => text, close: () => close() }
}

const until = async (f: () => boolean, what: string) => {
  const end = Date.now() + 60_000
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('event stream limits', () => {
  it('a third stream of one session closes its oldest; the bridge never holds more than its total', async () => {
    const bob = await signIn(h.app, 'bob@example.com')
    const first = open(bob)
    expect(await first.status).toBe(200)
    const second = open(bob)
    expect(await second.status).toBe(200)
    const third = open(bob)
    expect(await third.status).toBe(200)
    await first.ended
    expect(second.isEnded()).toBe(false)
    expect(third.isEnded()).toBe(false)
    await until(() => h.app.eventStreamCount() === 2, 'two streams')

    const alice = await signIn(h.app, 'alice@example.com')
    const a1 = open(alice)
    expect(await a1.status).toBe(200)
    expect(h.app.eventStreamCount()).toBe(3)

    const carol = await signIn(h.app, 'carol@example.com')
    const refused = open(carol)
    expect(await refused.status).toBe(503)
    expect(JSON.parse(refused.body())).toMatchObject({ code: 'too_many_streams' })
    // Carol is still signed in: a busy bridge is not an ended session.
    expect((await carol.get('/api/mailboxes')).statusCode).toBe(200)

    a1.close()
    await until(() => h.app.eventStreamCount() === 2, 'alice\'s stream released')
    const c1 = open(carol)
    expect(await c1.status).toBe(200)
    for (const s of [second, third, c1]) s.close()
    await until(() => h.app.eventStreamCount() === 0, 'all released')
  })
})
