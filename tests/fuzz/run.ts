/**
 * `npm run fuzz [-- --count N --seed S --timeout-ms T --rss-mb M --out DIR]`
 *
 * Mutates real S/MIME messages, CMS DER and PKCS#12 files (tests/fuzz/seeds.ts, made
 * fresh by Cachet and OpenSSL) and feeds them to openMessage, verifySigned,
 * decryptEnvelope and readPfx in a worker thread. Fails (exit 1) on any finding: an
 * exception escaping the engine or one that is not a CoreError, an 'internal' error
 * entry, an input running longer than the per-input bound (the watchdog kills the
 * worker and carries on after it), or RSS above the memory bound. Mutations are
 * deterministic per (seed, index); findings are written to DIR with their bytes.
 */
import { Worker } from 'node:worker_threads'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeSeeds } from './seeds'

const WORKER_URL = new URL('./worker.ts', import.meta.url).href

interface Args {
  count: number
  seed: number
  timeoutMs: number
  rssMb: number
  out: string
}

function parseArgs(argv: string[]): Args {
  const a: Args = { count: 100_000, seed: 1, timeoutMs: 15_000, rssMb: 2048, out: '' }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!
    const v = argv[i + 1]
    if (k === '--count') a.count = Number(v)
    else if (k === '--seed') a.seed = Number(v)
    else if (k === '--timeout-ms') a.timeoutMs = Number(v)
    else if (k === '--rss-mb') a.rssMb = Number(v)
    else if (k === '--out') a.out = v ?? ''
    else continue
    i++
  }
  if (!Number.isInteger(a.count) || a.count < 1) throw new Error('--count must be a positive integer')
  a.out ||= join(tmpdir(), `cachet-fuzz-findings-${a.seed}`)
  return a
}

interface FindingMessage {
  type: 'finding'
  index: number
  seed: string
  target: string
  mutations: string[]
  finding: { kind: string; message: string; stack?: string }
  bytes: Uint8Array
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const t0 = Date.now()
  const set = await makeSeeds(globalThis.crypto)
  const seedMs = Date.now() - t0
  console.log(`fuzz: ${set.seeds.length} seeds in ${(seedMs / 1000).toFixed(1)} s; ${args.count} inputs, seed ${args.seed}, per-input bound ${args.timeoutMs} ms, RSS bound ${args.rssMb} MB`)
  const findings: (FindingMessage | { type: 'hang' | 'memory'; index: number; message: string })[] = []
  const masked: FindingMessage[] = []
  const outcomes = new Map<string, number>()
  const shared = new SharedArrayBuffer(12)
  const state = new Int32Array(shared)
  let next = 0
  let maxRss = 0
  const started = Date.now()
  let lastReport = started

  while (next < args.count) {
    const from = next
    const result = await new Promise<{ stoppedAt: number | null }>((resolve) => {
      Atomics.store(state, 0, from)
      // tsx's loader does not reach worker threads by itself: register it inside the worker first.
      const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL)}) }).catch((e) => { throw e })`
      const w = new Worker(bootstrap, {
        eval: true,
        workerData: { seeds: set.seeds, keyring: set.keyring, pfxPassword: set.pfxPassword, runSeed: args.seed, from, to: args.count, shared },
        resourceLimits: { maxOldGenerationSizeMb: args.rssMb },
      })
      let stoppedAt: number | null = null
      let lastIndex = -1
      let lastDone = Atomics.load(state, 1)
      let since = Date.now()
      const timer = setInterval(() => {
        const idx = Atomics.load(state, 0)
        const done = Atomics.load(state, 1)
        const rss = Math.max(Atomics.load(state, 2), Math.round(process.memoryUsage().rss / 1048576))
        maxRss = Math.max(maxRss, rss)
        if (idx !== lastIndex || done !== lastDone) {
          lastIndex = idx
          lastDone = done
          since = Date.now()
        }
        if (rss > args.rssMb) {
          findings.push({ type: 'memory', index: idx, message: `RSS ${rss} MB above the ${args.rssMb} MB bound` })
          clearInterval(timer)
          stoppedAt = idx
          void w.terminate()
        } else if (Date.now() - since > args.timeoutMs) {
          findings.push({ type: 'hang', index: idx, message: `input ${idx} ran longer than ${args.timeoutMs} ms` })
          clearInterval(timer)
          stoppedAt = idx
          void w.terminate()
        }
        if (Date.now() - lastReport > 30_000) {
          lastReport = Date.now()
          console.log(`fuzz: ${done} inputs, ${((Date.now() - started) / 1000).toFixed(0)} s, ${findings.length} findings, RSS ${rss} MB`)
        }
      }, 200)
      w.on('message', (m: { type: string }) => {
        if (m.type === 'finding' && (m as FindingMessage).finding.kind === 'masked') masked.push(m as FindingMessage)
        else if (m.type === 'finding') {
          const f = m as FindingMessage
          findings.push(f)
          console.log(`fuzz: finding at input ${f.index} (${f.seed}, ${f.mutations.join('+')}): ${f.finding.kind}: ${f.finding.message.slice(0, 200)}`)
        }
        else if (m.type === 'stats') for (const [k, n] of (m as unknown as { counts: [string, number][] }).counts) outcomes.set(k, (outcomes.get(k) ?? 0) + n)
        else if (m.type === 'fatal') {
          findings.push({ type: 'hang', index: Atomics.load(state, 0), message: `worker failed: ${(m as unknown as { message: string }).message}` })
        }
      })
      w.on('error', (e) => {
        clearInterval(timer)
        if (Atomics.load(state, 1) === from) {
          // The worker died before finishing one input: a broken setup, not a finding.
          console.error(`fuzz: the worker could not run: ${e.stack ?? e.message}`)
          process.exit(2)
        }
        findings.push({ type: 'memory', index: Atomics.load(state, 0), message: `worker error: ${e.message}` })
        resolve({ stoppedAt: Atomics.load(state, 0) })
      })
      w.on('exit', () => {
        clearInterval(timer)
        resolve({ stoppedAt })
      })
    })
    next = result.stoppedAt === null ? args.count : result.stoppedAt + 1
    Atomics.store(state, 1, next)
  }
  const elapsed = (Date.now() - started) / 1000
  const ran = Atomics.load(state, 1)
  await set.cleanup()

  if (findings.length) {
    await mkdir(args.out, { recursive: true })
    for (const f of findings) {
      const base = join(args.out, `input-${f.index}`)
      if ('bytes' in f) await writeFile(`${base}.bin`, f.bytes)
      const { bytes: _b, ...meta } = f as FindingMessage
      await writeFile(`${base}.json`, JSON.stringify(meta, null, 2))
    }
  }
  const kinds = new Map<string, number>()
  for (const f of findings) {
    const k = f.type === 'finding' ? `${f.finding.kind}: ${f.finding.message.slice(0, 120)}` : `${f.type}: ${f.message.slice(0, 120)}`
    kinds.set(k, (kinds.get(k) ?? 0) + 1)
  }
  console.log(`fuzz: ${ran} of ${args.count} inputs in ${elapsed.toFixed(1)} s (${(ran / elapsed).toFixed(0)}/s), max RSS ${maxRss} MB, ${findings.length} findings`)
  for (const [k, n] of kinds) console.log(`  ${n} × ${k}`)
  console.log('fuzz: outcomes (how far the inputs got):')
  for (const [k, n] of [...outcomes].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(7)}  ${k}`)
  if (masked.length) {
    const m = new Map<string, number>()
    for (const f of masked) m.set(f.finding.message.slice(0, 140), (m.get(f.finding.message.slice(0, 140)) ?? 0) + 1)
    console.log(`fuzz: ${masked.length} inputs hit a JavaScript error that the engine turned into a clean CoreError (safe, not a failure):`)
    for (const [k, n] of m) console.log(`  ${n} × ${k}`)
    await mkdir(args.out, { recursive: true })
    for (const f of masked.slice(0, 50)) {
      await writeFile(join(args.out, `masked-${f.index}.bin`), f.bytes)
      await writeFile(join(args.out, `masked-${f.index}.json`), JSON.stringify({ ...f, bytes: undefined }, null, 2))
    }
  }
  if (findings.length) {
    console.log(`fuzz: findings written to ${args.out} (input-<index>.bin/.json); rerun one with --seed ${args.seed}`)
    process.exit(1)
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(2)
})
