/**
 * Bytes on the wire (issue 12): what Chromium downloads from opening the app to a visible
 * message list, against a real stack (scripts/stack.ts: Dovecot, the bridge serving the
 * freshly built dist/). Sign-in is done as a person would (the form), then the Inbox list
 * must show its first message. The repeat visit is a reload in the same browser context
 * (its HTTP cache and session cookie kept), again until the list shows.
 *
 * Counted from the DevTools protocol: Network.loadingFinished's encodedDataLength (bytes
 * received over the connection: headers plus the body as sent, compressed or not) of every
 * response whose MIME type is a script or a style sheet (the page's session; every .js or
 * .css Playwright saw on the context, workers' included, is checked to be among them, and
 * the workers started are listed: none should be at sign-in). A response served from the memory or disk cache costs
 * nothing on the wire and is counted as 0; a 304 counts its headers.
 * Goals: ≤ 150 KB first visit, ≤ 10 KB repeat visit.
 */
import { execFileSync } from 'node:child_process'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type CDPSession, type Page } from 'playwright-core'
import { startStack } from '../../scripts/stack'
import { DEMO_PASSWORD } from '../../src/mailstack/accounts'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const KB = 1024
const EMAIL = 'alice@example.com'

interface Row {
  label: string
  value: number | string
  unit?: string
  note?: string
}

interface Fetched {
  url: string
  mime: string
  status: number
  bytes: number
  cached: boolean
  encoding: string
}

/** Records every response of a CDP session (the page's) until `take()` is called. */
function recorder(cdp: CDPSession) {
  const pending = new Map<string, Omit<Fetched, 'bytes'>>()
  const fromCache = new Set<string>()
  let done: Fetched[] = []
  cdp.on('Network.responseReceived', (e) => {
    const h = Object.fromEntries(Object.entries(e.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]))
    pending.set(e.requestId, {
      url: e.response.url,
      mime: e.response.mimeType,
      status: e.response.status,
      cached: fromCache.has(e.requestId) || Boolean(e.response.fromDiskCache || e.response.fromServiceWorker || e.response.fromPrefetchCache),
      encoding: h['content-encoding'] ?? 'identity',
    })
  })
  cdp.on('Network.loadingFinished', (e) => {
    const r = pending.get(e.requestId)
    if (!r) return
    pending.delete(e.requestId)
    done.push({ ...r, bytes: r.cached ? 0 : e.encodedDataLength })
  })
  // Sent before responseReceived for a memory- or disk-cache hit.
  cdp.on('Network.requestServedFromCache', (e) => void fromCache.add(e.requestId))
  return {
    take(): Fetched[] {
      const out = done
      done = []
      return out
    },
  }
}

const isCode = (f: Fetched) => /javascript|ecmascript|css/.test(f.mime)
const kb = (n: number) => Math.round((n / KB) * 10) / 10

async function listShows(page: Page): Promise<void> {
  await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').first().waitFor()
}

export default {
  title: 'Bytes on the wire (issue 12): scripts and styles from opening the app to a visible message list, Chromium',
  async run(log: (m: string) => void): Promise<Row[]> {
    log('building the app (vite build)')
    execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    log('starting the stack (Dovecot, bridge serving dist/) and Chromium')
    const stack = await startStack({ ports: 'free', seed: true, staticDir: join(ROOT, 'dist') })
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, locale: 'en-US' })
      const page = await context.newPage()
      page.setDefaultTimeout(30_000)
      const cdp = await context.newCDPSession(page)
      await cdp.send('Network.enable')
      const rec = recorder(cdp)
      // Cross-check: what Playwright sees on the context (page and workers alike), by URL.
      const seen = new Set<string>()
      context.on('requestfinished', (req) => void seen.add(new URL(req.url()).pathname))
      const unseen = (list: Fetched[]) => [...seen].filter((p) => /\.(js|css)$/.test(p) && !list.some((f) => new URL(f.url).pathname === p))

      await page.goto(`${stack.url}/`)
      await page.getByRole('textbox', { name: 'Email' }).fill(EMAIL)
      await page.getByLabel('Password').fill(DEMO_PASSWORD)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await listShows(page)
      await new Promise((r) => setTimeout(r, 500)) // late lazy chunks of the list, if any
      const first = rec.take()
      const missedFirst = unseen(first)
      seen.clear()

      await page.reload()
      await listShows(page)
      await new Promise((r) => setTimeout(r, 500))
      const repeat = rec.take()
      const missedRepeat = unseen(repeat)
      if (missedFirst.length + missedRepeat.length) log(`requests not counted through CDP: ${[...missedFirst, ...missedRepeat].join(', ')}`)
      log(`workers started: ${page.workers().map((w) => new URL(w.url()).pathname).join(', ') || 'none'}`)
      await context.close()

      const rows: Row[] = []
      const describe = (name: string, list: Fetched[], goalKb: number) => {
        const code = list.filter(isCode)
        const total = code.reduce((s, f) => s + f.bytes, 0)
        const encodings = [...new Set(code.filter((f) => !f.cached).map((f) => f.encoding))].join('/') || 'none'
        const cached = code.filter((f) => f.cached || f.status === 304).length
        rows.push({
          label: `${name}: scripts + styles`,
          value: kb(total),
          unit: 'KB',
          note: `${code.length} responses (${cached} from cache or 304), encoding ${encodings}; goal ≤ ${goalKb} KB ${total <= goalKb * KB ? 'MET' : 'MISSED'}`,
        })
        const html = list.filter((f) => /html/.test(f.mime)).reduce((s, f) => s + f.bytes, 0)
        rows.push({ label: `${name}: documents (index.html)`, value: kb(html), unit: 'KB' })
        log(`${name}:`)
        for (const f of code.sort((a, b) => b.bytes - a.bytes)) {
          log(`  ${kb(f.bytes).toFixed(1).padStart(7)} KB  ${f.status} ${f.cached ? 'cache' : f.encoding.padEnd(8)} ${new URL(f.url).pathname}`)
        }
      }
      describe('first visit', first, 150)
      describe('repeat visit (reload)', repeat, 10)
      return rows
    } finally {
      await browser.close()
      await stack.stop()
    }
  },
}
