/**
 * Opening a folder of 50,000 messages vs one of 50: time from sign-in to the first page
 * of the list (real HTTP to a real bridge, real Dovecot), and the bridge's memory per
 * signed-in session.
 *
 * The folders are filled the way a long-lived mailbox was: messages are written as a
 * maildir outside the store (fast), then saved into the account's store by `doveadm
 * import`, which is Dovecot's own save path (like LMTP delivery or APPEND): it builds the
 * index and writes the fields the mail stack caches at save time (dovecot-config.ts,
 * CACHED_AT_SAVE) to dovecot.index.cache, as a server that received this mail one message
 * at a time would have. fsync is off for the import only (mail_fsync=never), which changes
 * nothing in what is stored.
 *
 * Each open is sign-in, then the folder list (LIST-STATUS of every folder, what the app
 * asks for first), then the first page; the Server-Timing header of the list request splits
 * it into mailbox (connection + SELECT) and fetch (FETCH of the page + summaries).
 */
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../src/bridge/config'
import { startBridge } from '../../src/bridge/server'
import { startMailstack } from '../../src/mailstack/index'

const BIG = Number(process.env.BENCH_BIG ?? 50_000)
const SMALL = 50
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)
const SESSIONS = 40
const PAGE = 50
const MAIL_FORMAT = process.env.BENCH_MAIL_FORMAT as 'sdbox' | 'maildir' | undefined

export function message(i: number): Buffer {
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

/** Writes a Maildir++ folder (`.Name/cur`) with n messages under `root`. */
export function writeMaildir(root: string, folder: string, n: number): void {
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(root, sub), { recursive: true })
  const dir = join(root, `.${folder}`)
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true })
  writeFileSync(join(dir, 'maildirfolder'), '')
  const t = Math.floor(Date.now() / 1000)
  for (let i = 1; i <= n; i++) {
    const body = message(i)
    writeFileSync(join(dir, 'cur', `${t}.M${String(i).padStart(6, '0')}P${process.pid}.bench,S=${body.length}:2,S`), body)
  }
}

/** Gives a tree to the user Dovecot's mail processes run as (the owner of mail/). */
export function chownLike(reference: string, tree: string): void {
  const { uid, gid } = statSync(reference)
  const chownAll = (p: string) => {
    chownSync(p, uid, gid)
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownAll(join(p, e))
  }
  chownAll(tree)
}

/** Saves the folders of a maildir into the user's store with Dovecot's own save path. */
export function doveadmImport(dataDir: string, user: string, source: string, folder: string): void {
  execFileSync(
    'doveadm',
    ['-c', join(dataDir, 'dovecot.conf'), '-o', 'mail_fsync=never', 'import', '-u', user, `maildir:${source}`, '', 'mailbox', folder],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** `mailbox;dur=1.2, fetch;dur=3.4` → { mailbox: 1.2, fetch: 3.4 } */
function serverTiming(h: string | null): Record<string, number> {
  const out: Record<string, number> = {}
  for (const m of (h ?? '').matchAll(/([\w-]+);dur=([\d.]+)/g)) out[m[1]!] = Number(m[2])
  return out
}

export default {
  title: `Mailbox of ${BIG.toLocaleString('en-US')} vs ${SMALL} messages (sign-in → first page of 50), and bridge memory per session`,
  async run(log: (m: string) => void) {
    const dataDir = mkdtempSync(join(tmpdir(), 'cachet-bench-'))
    // BENCH_MAIL_FORMAT=maildir measures the storage a data folder from before sdbox keeps
    // (the mail stack reads its choice from this marker, see mailFormatOf).
    if (MAIL_FORMAT) writeFileSync(join(dataDir, 'mail-format'), `${MAIL_FORMAT}\n`)
    log(`storage: ${MAIL_FORMAT ?? 'sdbox (default)'}`)
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
      // Dovecot creates the user's store on first login.
      await signIn(base)
      let t = Date.now()
      const source = join(dataDir, 'bench-source')
      writeMaildir(source, 'Big', BIG)
      writeMaildir(source, 'Small', SMALL)
      chownLike(join(dataDir, 'mail'), source)
      log(`wrote ${BIG + SMALL} maildir files in ${Date.now() - t} ms`)
      t = Date.now()
      for (const folder of ['Big', 'Small']) doveadmImport(dataDir, 'alice@example.com', source, folder)
      rmSync(source, { recursive: true, force: true })
      log(`doveadm import into the store (index + cache at save): ${Date.now() - t} ms`)

      const open = async (folder: string, page = 1) => {
        const start = performance.now()
        const s = await signIn(base)
        const signedIn = performance.now()
        const folders = await fetch(`${base}/api/mailboxes`, { headers: { cookie: s.cookie } })
        if (!folders.ok) throw new Error(`folder list: ${folders.status}`)
        await folders.json()
        const listed = performance.now()
        const res = await fetch(`${base}/api/messages?mailbox=${folder}&page=${page}&pageSize=${PAGE}`, { headers: { cookie: s.cookie } })
        const timing = serverTiming(res.headers.get('server-timing'))
        const body = (await res.json()) as { total: number; messages: { subject: string }[] }
        const end = performance.now()
        if (body.messages?.length !== PAGE) throw new Error(`${folder}: got ${JSON.stringify(body).slice(0, 300)}`)
        const newest = body.total - (page - 1) * PAGE
        if (body.messages[0]!.subject !== `Message number ${newest}`) throw new Error(`${folder}: page ${page} not newest first`)
        return { ms: end - start, signIn: signedIn - start, folders: listed - signedIn, list: end - listed, mailbox: timing.mailbox ?? NaN, fetch: timing.fetch ?? NaN, total: body.total }
      }
      type Open = Awaited<ReturnType<typeof open>>
      const coldBig = await open('Big')
      log(`first open of Big after the import (${coldBig.total} messages): ${Math.round(coldBig.ms)} ms`)
      const coldSmall = await open('Small')
      const big: Open[] = []
      const small: Open[] = []
      const deep: Open[] = []
      for (let r = 0; r < ROUNDS; r++) {
        // Alternate the order so neither folder always runs right after the other.
        if (r % 2) small.push(await open('Small'))
        big.push(await open('Big'))
        if (!(r % 2)) small.push(await open('Small'))
        deep.push(await open('Big', BIG / PAGE))
      }
      const m = (xs: Open[], k: keyof Open) => median(xs.map((x) => x[k]))
      log(`big ${big.map((x) => Math.round(x.ms)).join(', ')} ms; small ${small.map((x) => Math.round(x.ms)).join(', ')} ms`)

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
      const B = BIG.toLocaleString('en-US')
      const rows: { label: string; value: number; unit: string; note?: string }[] = [
        { label: `sign-in → first page, ${B} messages`, value: m(big, 'ms'), unit: 'ms', note: `median of ${ROUNDS}` },
        { label: `sign-in → first page, ${SMALL} messages`, value: m(small, 'ms'), unit: 'ms', note: `median of ${ROUNDS}` },
      ]
      for (const [name, xs] of [[B, big], [String(SMALL), small]] as const) {
        rows.push(
          { label: `  ${name}: sign-in (LOGIN)`, value: m(xs, 'signIn'), unit: 'ms', note: 'median' },
          { label: `  ${name}: folder list (LIST-STATUS)`, value: m(xs, 'folders'), unit: 'ms', note: 'median' },
          { label: `  ${name}: list request`, value: m(xs, 'list'), unit: 'ms', note: 'median, HTTP + JSON' },
          { label: `  ${name}:   bridge: mailbox (SELECT)`, value: m(xs, 'mailbox'), unit: 'ms', note: 'median, Server-Timing' },
          { label: `  ${name}:   bridge: fetch (FETCH + summaries)`, value: m(xs, 'fetch'), unit: 'ms', note: 'median, Server-Timing' },
        )
      }
      rows.push(
        { label: `oldest page (${BIG / PAGE}) of ${B}: sign-in → page`, value: m(deep, 'ms'), unit: 'ms', note: `median of ${ROUNDS}` },
        { label: `  of which list request`, value: m(deep, 'list'), unit: 'ms', note: 'median' },
        { label: `first open after import, ${B}`, value: coldBig.ms, unit: 'ms', note: 'once: Dovecot folds the bulk import into its index' },
        { label: `first open after import, ${SMALL}`, value: coldSmall.ms, unit: 'ms' },
        { label: 'bridge heap per signed-in session', value: perHeap, unit: 'KiB', note: `${SESSIONS} sessions, each with its IMAP connection` },
        { label: 'bridge RSS per signed-in session', value: perRss, unit: 'KiB' },
      )
      return rows
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
