/**
 * Many users at once (issue 11): one process signs in N sessions (BENCH_SESSIONS, 500 by
 * default) over generated accounts (load0001@example.com …, one per session, each with
 * its welcome mail); each lists its folders, a page of INBOX, opens one message and an
 * event stream; then for BENCH_SECONDS (60) the sessions list, open, flag and search at a
 * fixed total rate (BENCH_RATE requests/s, 40). First against one bridge, then against two
 * bridges sharing sessions through Redis (a session signed in on one is used on both).
 * Reports p50/p95/p99 per route, errors (the goal is none), and the bridge's memory per
 * session (goal ≤ 5 MB) and per open event stream, from each bridge process's RSS.
 *
 * The bridges run as their own processes (`tsx src/bridge/server.ts`), so the memory is
 * theirs alone; everything listens on 127.0.0.1, and every loop is bounded in time.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort, startMailstack, waitForPort, type Mailstack } from '../../src/mailstack/index'
import { startRedis } from '../unit/bridge/redis-server'

const ROOT = resolve(import.meta.dirname, '../..')
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 500)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const RATE = Number(process.env.BENCH_RATE ?? 40)
const SECRET = 'load-bench-session-secret-0123456789abcdef'
const agent = new Agent({ keepAlive: true, maxSockets: 256 })

interface Res {
  status: number
  headers: IncomingHttpHeaders
  body: string
  ms: number
}

function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Res> {
  const t = performance.now()
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t }))
      res.on('error', () => done({ status: 0, headers: {}, body: '', ms: performance.now() - t }))
    })
    req.on('error', () => done({ status: 0, headers: {}, body: '', ms: performance.now() - t }))
    req.end(body)
  })
}

interface Session {
  email: string
  /** The bridge this session's requests go to next (with two bridges: alternating). */
  ports: number[]
  cookie: string
  csrf: string
  uid: number | null
  close: (() => void) | null
}

/** An event stream kept open until closed; resolves once 'ready' arrived (200), or with the error answer. */
function openStream(s: Session, port: number): Promise<Res> {
  const t = performance.now()
  return new Promise((done) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/events?mailbox=INBOX', headers: { cookie: s.cookie } }, (res) => {
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - t }))
        return
      }
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        if (text.length < 4096) text += c
        if (text.includes('event: ready')) done({ status: 200, headers: res.headers, body: '', ms: performance.now() - t })
      })
      res.on('error', () => {})
    })
    req.on('error', () => done({ status: 0, headers: {}, body: '', ms: performance.now() - t }))
    req.end()
    s.close = () => req.destroy()
  })
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : NaN
}

interface BridgeProcess {
  port: number
  pid: number
  stop(): Promise<void>
}

async function startBridgeProcess(ms: Mailstack, env: Record<string, string>): Promise<BridgeProcess> {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/bridge/server.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      IMAP_PORT: String(ms.imapPort),
      SMTP_PORT: String(ms.smtpPort),
      STATIC_DIR: '',
      LOG_LEVEL: process.env.BENCH_VERBOSE ? 'warn' : 'silent',
      LOGIN_LIMIT_PER_IP: String(SESSIONS * 10),
      SESSION_SECRET: SECRET,
      ...env,
    },
    // BENCH_VERBOSE=1: the bridge's error log goes to $TMPDIR/cachet-load-bridge-<port>.log.
    stdio: ['ignore', process.env.BENCH_VERBOSE ? openSync(join(tmpdir(), `cachet-load-bridge-${port}.log`), 'w') : 'ignore', 'inherit'],
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  await waitForPort(port, 30_000)
  return {
    port,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(t)
    },
  }
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN
}

type Row = { label: string; value: number | string; unit?: string; note?: string }

/** Runs the whole scenario against these bridges; returns the section's rows, labelled. */
async function scenario(ms: Mailstack, bridges: BridgeProcess[], label: string, log: (m: string) => void): Promise<Row[]> {
  const latencies = new Map<string, number[]>()
  const errors = new Map<string, number>()
  const note = (route: string, r: Res, ok = r.status >= 200 && r.status < 300) => {
    if (!latencies.has(route)) latencies.set(route, [])
    latencies.get(route)!.push(r.ms)
    if (ok) return
    const code = /"code":"([a-z_]+)"/.exec(r.body)?.[1]
    const key = `${route} → ${r.status || 'no answer'}${code ? ` ${code}` : ''}`
    if (!errors.has(key) && process.env.BENCH_VERBOSE) log(`${key}: ${r.body.slice(0, 300)}`)
    errors.set(key, (errors.get(key) ?? 0) + 1)
  }
  /** The sign-in's bridge the first time, the serving one after. */
  const pick = (s: Session) => (s.ports.length > 1 ? s.ports.shift()! : s.ports[0]!)
  await new Promise((r) => setTimeout(r, 1000))
  const idle = bridges.map((b) => rssMb(b.pid))

  // Everyone signs in at once, then takes a first look: folders, a page, one message, a stream.
  // With two bridges, a session signs in on one and is served by the other from then on
  // (its session from Redis), as behind a load balancer that moved it once.
  const sessions: Session[] = ms.accounts.slice(0, SESSIONS).map((a, i) => ({
    email: a.email,
    ports: [bridges[i % bridges.length]!.port, ...Array.from({ length: 1 }, () => bridges[(i + 1) % bridges.length]!.port)],
    cookie: '',
    csrf: '',
    uid: null,
    close: null,
  }))
  const t0 = performance.now()
  await Promise.all(
    sessions.map(async (s) => {
      const r = await call(pick(s), 'POST', '/api/session', {}, JSON.stringify({ email: s.email, password: 'demo' }))
      note('POST /api/session', r)
      if (r.status !== 200) return
      s.cookie = /cachet_session=[^;]+/.exec(String(r.headers['set-cookie'] ?? ''))?.[0] ?? ''
      s.csrf = (JSON.parse(r.body) as { csrfToken: string }).csrfToken
      note('GET /api/mailboxes', await call(pick(s), 'GET', '/api/mailboxes', { cookie: s.cookie }))
      const page = await call(pick(s), 'GET', '/api/messages?mailbox=INBOX&page=1&pageSize=50', { cookie: s.cookie })
      note('GET /api/messages', page)
      if (page.status === 200) s.uid = (JSON.parse(page.body) as { messages: { uid: number }[] }).messages[0]?.uid ?? null
      if (s.uid !== null) note('GET /api/messages/:uid/raw', await call(pick(s), 'GET', `/api/messages/${s.uid}/raw?mailbox=INBOX`, { cookie: s.cookie }))
      note('GET /api/events (ready)', await openStream(s, pick(s)))
    }),
  )
  const firstLookSeconds = (performance.now() - t0) / 1000
  const signedIn = sessions.filter((s) => s.csrf)
  log(`${label}: ${signedIn.length}/${SESSIONS} signed in and looked in ${firstLookSeconds.toFixed(1)} s`)
  await new Promise((r) => setTimeout(r, 1000))
  const loaded = bridges.map((b) => rssMb(b.pid))

  // Steady traffic at a fixed rate: listing, opening, flagging, searching, round robin.
  const ops: [string, (s: Session) => Promise<Res>][] = [
    ['GET /api/messages', (s) => call(pick(s), 'GET', '/api/messages?mailbox=INBOX&page=1&pageSize=50', { cookie: s.cookie })],
    ['GET /api/messages/:uid/raw', (s) => call(pick(s), 'GET', `/api/messages/${s.uid ?? 1}/raw?mailbox=INBOX`, { cookie: s.cookie })],
    ['POST /api/messages/flags', (s) => call(pick(s), 'POST', '/api/messages/flags', { cookie: s.cookie, 'x-csrf-token': s.csrf }, JSON.stringify({ mailbox: 'INBOX', uids: [s.uid ?? 1], add: ['\\Seen'] }))],
    ['GET /api/search', (s) => call(pick(s), 'GET', '/api/search?mailbox=INBOX&q=Cachet&field=text&page=1&pageSize=50', { cookie: s.cookie })],
  ]
  const inflight: Promise<void>[] = []
  const end = performance.now() + SECONDS * 1000
  for (let i = 0; performance.now() < end && signedIn.length; i++) {
    const s = signedIn[i % signedIn.length]!
    const [route, op] = ops[i % ops.length]!
    inflight.push(op(s).then((r) => note(route, r)))
    const next = i + 1
    const due = end - SECONDS * 1000 + (next * 1000) / RATE
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
  await Promise.all(inflight)
  const streamsStillOpen = signedIn.length
  for (const s of sessions) s.close?.()
  for (const s of signedIn) await call(pick(s), 'DELETE', '/api/session', { cookie: s.cookie, 'x-csrf-token': s.csrf })

  const rows: Row[] = []
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0)
  rows.push({ label: `${label}: errors`, value: errorCount, unit: '', note: errorCount ? [...errors].map(([k, v]) => `${k}: ${v}`).join('; ') : 'goal: none' })
  rows.push({ label: `${label}: first look of ${SESSIONS} sessions`, value: firstLookSeconds, unit: 's', note: 'sign-in, folders, page, one message, stream' })
  for (const [route, xs] of latencies) {
    rows.push({ label: `${label}: ${route}`, value: percentile(xs, 50), unit: 'ms p50', note: `p95 ${percentile(xs, 95).toFixed(0)} ms, p99 ${percentile(xs, 99).toFixed(0)} ms, n=${xs.length}` })
  }
  const perSession = bridges.reduce((sum, _b, k) => sum + (loaded[k]! - idle[k]!), 0) / Math.max(1, signedIn.length)
  rows.push({ label: `${label}: bridge memory per session (with its stream)`, value: Math.round(perSession * 100) / 100, unit: 'MB', note: `RSS ${idle.map((x) => x.toFixed(0)).join('+')} → ${loaded.map((x) => x.toFixed(0)).join('+')} MB for ${streamsStillOpen} sessions; goal ≤ 5 MB` })
  return rows
}

export default {
  title: `${SESSIONS} sessions at once: sign-in and first look, then ${RATE} requests/s for ${SECONDS} s (one bridge; then two sharing Redis)`,
  async run(log: (m: string) => void): Promise<Row[]> {
    const dataDir = mkdtempSync(join(tmpdir(), 'cachet-bench-load-'))
    const accounts = Array.from({ length: SESSIONS }, (_, i) => ({ email: `load${String(i + 1).padStart(4, '0')}@example.com`, password: 'demo' }))
    const ms = await startMailstack({ dataDir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false, accounts, seed: true })
    const rows: Row[] = []
    try {
      log(`${SESSIONS} accounts with welcome mail`)
      const one = await startBridgeProcess(ms, {})
      try {
        rows.push(...(await scenario(ms, [one], 'one bridge', log)))
      } finally {
        await one.stop()
      }
      const redis = await startRedis()
      try {
        const a = await startBridgeProcess(ms, { REDIS_URL: redis.url })
        const b = await startBridgeProcess(ms, { REDIS_URL: redis.url })
        try {
          rows.push(...(await scenario(ms, [a, b], 'two bridges + Redis', log)))
        } finally {
          await a.stop()
          await b.stop()
        }
      } finally {
        await redis.dispose()
      }
    } finally {
      await ms.stop()
      rmSync(dataDir, { recursive: true, force: true })
    }
    return rows
  },
}
