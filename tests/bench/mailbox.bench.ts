/**
 * Opening a folder of 50,000 messages vs one of 50: time from sign-in to the first page
 * of the list (real HTTP to a real bridge, real Dovecot), and the bridge's memory per
 * signed-in session. The big folder is written as maildir files (fast), then indexed by
 * Dovecot once, as a long-lived mailbox would be; the "cold" row shows that first open.
 */
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/bridge/config'
import { startBridge } from '../../src/bridge/server'
import { startMailstack } from '../../src/mailstack/index'

const BIG = Number(process.env.BENCH_BIG ?? 50_000)
const SMALL = 50
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9)
const SESSIONS = 40

function message(i: number): Buffer {
  const date = new Date(Date.UTC(2020, 0, 1) + i * 60_000).toUTCString()
  return Buffer.from(
    [
      `From: Sender ${i % 97} <sender${i % 97}@example.org>`,
      'To: alice@example.com',
      `Subject: Message number ${i}`,
      `Date: ${date}`,
      `Message-ID: <bench-${i}@example.org>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Body of message ${i}. `.repeat(8),
      '',
    ].join('\r\n'),
  )
}

/** Writes a Maildir++ folder (`.Name/cur`) with n messages. */
function fillMaildir(maildir: string, folder: string, n: number): void {
  const dir = join(maildir, `.${folder}`)
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true })
  writeFileSync(join(dir, 'maildirfolder'), '')
  const t = Math.floor(Date.now() / 1000)
  for (let i = 1; i <= n; i++) {
    const body = message(i)
    writeFileSync(join(dir, 'cur', `${t}.M${i}P${process.pid}.bench,S=${body.length}:2,S`), body)
  }
}

/** Gives the whole mail store to the user Dovecot's mail processes run as (owner of mail/). */
function chownStore(mailRoot: string): void {
  const { uid, gid } = statSync(mailRoot)
  const chownAll = (p: string) => {
    chownSync(p, uid, gid)
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownAll(join(p, e))
  }
  chownAll(mailRoot)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export default {
  title: `Mailbox of ${BIG.toLocaleString('en-US')} vs ${SMALL} messages (sign-in → first page of 50), and bridge memory per session`,
  async run(log: (m: string) => void) {
    const dataDir = mkdtempSync(join(tmpdir(), 'cachet-bench-'))
    const ms = await startMailstack({ dataDir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false })
    const bridge = await startBridge(
      loadConfig({}, {
        port: 0,
        imap: { host: '127.0.0.1', port: ms.imapPort, tls: false, rejectUnauthorized: true },
        smtp: { host: '127.0.0.1', port: ms.smtpPort, tls: false, rejectUnauthorized: true },
        staticDir: null,
        logLevel: false,
        loginLimits: { windowMs: 60_000, perIp: 100_000, perAccountFailures: 100 },
      }),
    )
    const base = `http://127.0.0.1:${bridge.port}`
    try {
      // Dovecot creates the user's Maildir on first login.
      await signIn(base)
      const maildir = join(dataDir, 'mail', 'example.com', 'alice', 'Maildir')
      let t = Date.now()
      fillMaildir(maildir, 'Big', BIG)
      fillMaildir(maildir, 'Small', SMALL)
      chownStore(join(dataDir, 'mail'))
      log(`wrote ${BIG + SMALL} maildir files in ${Date.now() - t} ms`)

      const open = async (folder: string) => {
        const start = performance.now()
        const s = await signIn(base)
        const signedIn = performance.now()
        const res = await fetch(`${base}/api/messages?mailbox=${folder}&page=1&pageSize=50`, { headers: { cookie: s.cookie } })
        const page = (await res.json()) as { total: number; messages: { subject: string }[] }
        const ms = performance.now() - start
        if (page.messages?.length !== 50) throw new Error(`${folder}: got ${JSON.stringify(page).slice(0, 300)}`)
        if (page.messages[0]!.subject !== `Message number ${page.total}`) throw new Error(`${folder}: not newest first`)
        return { ms, pageMs: performance.now() - signedIn, total: page.total }
      }
      t = performance.now()
      const coldBig = await open('Big')
      log(`first (cold) open of Big, Dovecot indexes ${coldBig.total} files: ${Math.round(coldBig.ms)} ms`)
      const coldSmall = await open('Small')
      const big: number[] = []
      const small: number[] = []
      const bigPage: number[] = []
      const smallPage: number[] = []
      for (let r = 0; r < ROUNDS; r++) {
        const b = await open('Big')
        const s = await open('Small')
        big.push(b.ms)
        bigPage.push(b.pageMs)
        small.push(s.ms)
        smallPage.push(s.pageMs)
      }
      log(`big ${big.map(Math.round).join(', ')} ms; small ${small.map(Math.round).join(', ')} ms`)

      // Memory per signed-in session: heap and RSS of this process (the bridge) before/after.
      const gc = (globalThis as { gc?: () => void }).gc
      gc?.()
      await new Promise((r) => setTimeout(r, 200))
      gc?.()
      const before = process.memoryUsage()
      const sessions = []
      for (let i = 0; i < SESSIONS; i++) {
        const s = await signIn(base)
        await fetch(`${base}/api/mailboxes`, { headers: { cookie: s.cookie } }) // a used session
        sessions.push(s)
      }
      gc?.()
      await new Promise((r) => setTimeout(r, 200))
      gc?.()
      const after = process.memoryUsage()
      const perHeap = (after.heapUsed - before.heapUsed) / SESSIONS / 1024
      const perRss = (after.rss - before.rss) / SESSIONS / 1024
      return [
        { label: `sign-in → first page, ${BIG.toLocaleString('en-US')} messages`, value: median(big), unit: 'ms', note: `median of ${ROUNDS}` },
        { label: `sign-in → first page, ${SMALL} messages`, value: median(small), unit: 'ms', note: `median of ${ROUNDS}` },
        { label: `  of which the list request, ${BIG.toLocaleString('en-US')}`, value: median(bigPage), unit: 'ms', note: 'SELECT + FETCH of one page' },
        { label: `  of which the list request, ${SMALL}`, value: median(smallPage), unit: 'ms' },
        { label: `first open ever, ${BIG.toLocaleString('en-US')} (Dovecot builds its index)`, value: coldBig.ms, unit: 'ms' },
        { label: `first open ever, ${SMALL}`, value: coldSmall.ms, unit: 'ms' },
        { label: 'bridge heap per signed-in session', value: perHeap, unit: 'KiB', note: `${SESSIONS} sessions, each with its IMAP connection` },
        { label: 'bridge RSS per signed-in session', value: perRss, unit: 'KiB' },
      ]
    } finally {
      await bridge.close()
      await ms.stop()
      if (!process.env.BENCH_KEEP) rmSync(dataDir, { recursive: true, force: true })
    }
  },
}

async function signIn(base: string): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'alice@example.com', password: 'demo' }),
  })
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!
  const { csrfToken } = (await res.json()) as { csrfToken: string }
  return { cookie, csrf: csrfToken }
}
