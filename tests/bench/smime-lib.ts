/**
 * Shared machinery of the S/MIME benchmarks (smime-open.bench.ts, smime-seal.bench.ts;
 * issues #5 and #6): a PKI made by OpenSSL on the fly, inputs of 1/10/25 MiB made by
 * OpenSSL or built here, OpenSSL reference timings, peak-memory probes, and headless
 * Chromium driving the app's real crypto worker (tests/bench/chromium, built by Vite).
 *
 * Memory is measured from Linux, not from inside the engines, so it counts everything
 * (JS heap, ArrayBuffer backing stores, WebCrypto buffers): before each run the peak-RSS
 * counter of each measured process is reset (`echo 5 > /proc/PID/clear_refs`), after the
 * run its VmHWM (peak RSS) minus the RSS just before the run is the run's peak extra
 * memory. Node: the bench process itself, from before reading the input file.
 * Chromium: every renderer process of the browser (the page and its workers live there;
 * the browser and network processes are not counted). Three figures: the whole path
 * (peak RSS during fetch or worker step − RSS before the fetch; garbage is collected
 * between the two steps), the fetch alone, and the worker step alone (its RSS growth
 * plus the input it is handed, which is already in memory when it starts).
 * RSS over-counts memory an allocator keeps after freeing it, and under-counts when a
 * run reuses pages freed by an earlier one: read these as ±10 MiB, not exact.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const MiB = 1 << 20
export const SIZES = (process.env.BENCH_SMIME_SIZES ?? '1,10,25').split(',').map(Number)
export const ROUNDS = Number(process.env.BENCH_SMIME_ROUNDS ?? 3)
export const PFX_PASSWORD = 'bench-pfx'
export const PASSPHRASE = 'bench key store passphrase'

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export function openssl(dir: string, args: string[], input?: Buffer): Buffer {
  return execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 512 * MiB })
}

/** Wall-clock ms of a bash pipeline (pipefail: any failing command fails the run). */
export function timeShell(dir: string, script: string): number {
  const t0 = performance.now()
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`OpenSSL reference failed (${script}): ${r.stderr}`)
  return ms
}

export interface Pki {
  dir: string
  caDer: Uint8Array
  alice: { cert: Uint8Array; pkcs8: Uint8Array }
  bob: { cert: Uint8Array; pkcs8: Uint8Array }
}

/** CA, alice (sender) and bob (recipient), RSA-2048, with PEM, DER, PKCS#8 DER and PFX. */
export function makePki(dir: string): Pki {
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      '[ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign',
      '[leaf]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection',
      'subjectAltName=email:copy',
    ].join('\n'),
  )
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Bench CA', '-extensions', 'ca', '-config', 'ext.cnf'])
  for (const who of ['alice', 'bob']) {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}/emailAddress=${who}@example.com`])
    openssl(dir, ['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '30', '-extfile', 'ext.cnf', '-extensions', 'leaf'])
    openssl(dir, ['x509', '-in', `${who}.pem`, '-outform', 'DER', '-out', `${who}.der`])
    openssl(dir, ['pkcs8', '-topk8', '-nocrypt', '-in', `${who}.key`, '-outform', 'DER', '-out', `${who}.p8`])
    openssl(dir, ['pkcs12', '-export', '-in', `${who}.pem`, '-inkey', `${who}.key`, '-certfile', 'ca.pem', '-out', `${who}.p12`, '-passout', `pass:${PFX_PASSWORD}`])
  }
  openssl(dir, ['x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der'])
  const rd = (f: string) => new Uint8Array(readFileSync(join(dir, f)))
  return {
    dir,
    caDer: rd('ca.der'),
    alice: { cert: rd('alice.der'), pkcs8: rd('alice.p8') },
    bob: { cert: rd('bob.der'), pkcs8: rd('bob.p8') },
  }
}

/** Deterministic incompressible bytes (xorshift), so runs compare. */
export function noise(n: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(n)
  const w = new Uint32Array(out.buffer, 0, n >>> 2)
  let x = seed >>> 0
  for (let i = 0; i < w.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    w[i] = x >>> 0
  }
  return out
}

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n')

/**
 * A MIME entity (no delivery headers): multipart/mixed with a text part and a base64
 * attachment of `attachmentBytes` random bytes, CRLF throughout.
 */
export function entityWithAttachment(attachmentBytes: number): Buffer {
  const b = 'bench-boundary-0123456789'
  const att = Buffer.from(noise(attachmentBytes)).toString('base64').replace(/.{76}/g, '$&\r\n').replace(/\r\n$/, '')
  return Buffer.concat([
    crlf([
      `Content-Type: multipart/mixed; boundary="${b}"`,
      '',
      `--${b}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      'Here is the file you asked for.',
      `--${b}`,
      'Content-Type: application/octet-stream; name="data.bin"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="data.bin"',
      '',
    ]),
    Buffer.from(att),
    crlf(['', `--${b}--`]),
  ])
}

export const DELIVERY = ['From: alice@example.com', 'To: bob@example.com', 'Subject: bench', 'Date: Mon, 23 Nov 2026 05:00:00 +0000', 'Message-ID: <bench@example.com>']

// ---------------------------------------------------------------- memory (Linux /proc)

function status(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8')
}
function kib(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status(pid))
  return m ? Number(m[1]) : 0
}

/** Peak-RSS probe over a set of processes: start() before a run, peakBytes() after. */
export class PeakProbe {
  private base = new Map<number, number>()
  constructor(private readonly pids: () => number[]) {}
  /** keepBase: reset the peak counters but measure from the previous start's RSS (a second step of one path). */
  start(keepBase = false): void {
    if (!keepBase) this.base.clear()
    for (const pid of this.pids()) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5')
        if (!keepBase || !this.base.has(pid)) this.base.set(pid, kib(pid, 'VmRSS'))
      } catch {
        // a process that went away
      }
    }
  }
  /** Sum of the processes' RSS at the last start(), in bytes. */
  baseBytes(): number {
    let sum = 0
    for (const b of this.base.values()) sum += b
    return sum * 1024
  }
  /** Sum of the processes' peak RSS since the last start(), in bytes. */
  hwmBytes(): number {
    let sum = 0
    for (const pid of this.base.keys()) {
      try {
        sum += kib(pid, 'VmHWM')
      } catch {}
    }
    return sum * 1024
  }
  /** Sum over the processes of (peak RSS during the run − RSS at start), in bytes. */
  peakBytes(): number {
    let sum = 0
    for (const [pid, base] of this.base) {
      try {
        sum += Math.max(0, kib(pid, 'VmHWM') - base)
      } catch {}
    }
    return sum * 1024
  }
}

/** Renderer processes among the descendants of this Node process. */
export function rendererPids(): number[] {
  const parent = new Map<number, number>()
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parent.set(Number(e), ppid)
    } catch {}
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid), n = 0; p !== undefined && n < 64; p = parent.get(p), n++) if (p === process.pid) return true
    return false
  }
  const out: number[] = []
  for (const pid of parent.keys()) {
    if (!mine(pid)) continue
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) out.push(pid)
    } catch {}
  }
  return out
}

export function nodeGc(): void {
  ;(globalThis as { gc?: () => void }).gc?.()
}

// ---------------------------------------------------------------- Chromium

export interface Bench {
  browser: Browser
  base: string
  dataDir: string
  /** A fresh page of the bench entry with its own crypto worker and key store. */
  newPage(): Promise<Page>
  /** Collect garbage in the page and its workers (Chromium runs with --expose-gc). */
  gc(page: Page): Promise<void>
  close(): Promise<void>
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.map': 'application/json' }

/** Vite-builds tests/bench/chromium (the app's real crypto worker) into outDir. */
export async function buildBenchEntry(outDir: string): Promise<void> {
  const { build } = await import('vite')
  await build({
    configFile: false,
    root: join(ROOT, 'tests/bench/chromium'),
    logLevel: 'error',
    // BENCH_SMIME_MINIFY=0 keeps function names for CPU profiles.
    build: { outDir, emptyOutDir: true, target: 'es2022', modulePreload: { polyfill: false }, chunkSizeWarningLimit: 4096, minify: process.env.BENCH_SMIME_MINIFY !== '0' },
  })
}

/**
 * Static server on 127.0.0.1: the built entry at /, files of dataDir at /data/NAME, and
 * PUT /upload/NAME writing into dataDir (the page hands sealed output back this way).
 */
function serve(webDir: string, dataDir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (req.method === 'PUT' && url.pathname.startsWith('/upload/')) {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        writeFileSync(join(dataDir, url.pathname.slice(8).replace(/[^\w.-]/g, '')), Buffer.concat(chunks))
        res.writeHead(204).end()
      })
      return
    }
    const [dir, rel] = url.pathname.startsWith('/data/') ? [dataDir, url.pathname.slice(6)] : [webDir, url.pathname === '/' ? 'index.html' : url.pathname.slice(1)]
    const file = resolve(dir, rel)
    if (!file.startsWith(dir)) return void res.writeHead(403).end()
    try {
      const body = readFileSync(file)
      const ext = file.slice(file.lastIndexOf('.'))
      res.writeHead(200, { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-store' })
      res.end(body)
    } catch {
      res.writeHead(404).end()
    }
  })
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok(server)))
}

export async function startChromium(workDir: string, dataDir: string): Promise<Bench> {
  const webDir = join(workDir, 'web')
  mkdirSync(webDir, { recursive: true })
  await buildBenchEntry(webDir)
  const server = await serve(webDir, dataDir)
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--js-flags=--expose-gc',
    ],
  })
  return {
    browser,
    base,
    dataDir,
    async newPage() {
      const ctx = await browser.newContext()
      const page = await ctx.newPage()
      page.on('pageerror', (e) => process.stderr.write(`  · page error: ${e.message}\n`))
      await page.goto(`${base}/`)
      await page.waitForFunction(() => 'bench' in window)
      return page
    },
    async gc(page) {
      await page.evaluate(() => (globalThis as { gc?: () => void }).gc?.())
      for (const w of page.workers()) await w.evaluate(() => (globalThis as { gc?: () => void }).gc?.())
      await new Promise((r) => setTimeout(r, 200))
    },
    async close() {
      await browser.close()
      await new Promise((r) => server.close(r))
    },
  }
}

/** Calls window.bench[method](...args) in the page. */
export function call<T>(page: Page, method: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(([m, a]) => (window as unknown as { bench: Record<string, (...x: unknown[]) => Promise<unknown>> }).bench[m as string]!(...(a as unknown[])), [method, args] as const) as Promise<T>
}

// ---------------------------------------------------------------- reporting

export interface Row {
  label: string
  value: number | string
  unit?: string
  note?: string
}

export const fmtX = (x: number) => `${x.toFixed(2)}×`
export const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`
