// `npm run bench [-- name…]`: runs every tests/bench/*.bench.ts (or those whose file name
// contains one of the given names), each in its own Node process (with --expose-gc, so
// memory figures are not disturbed by other sections), and prints each section's results.
//
// Adding a section: create tests/bench/<name>.bench.ts with
//   export default { title: 'What it measures', async run(log) { … return rows } }
// where rows is an array of { label, value, unit, note? } and log(msg) prints progress.
import { spawnSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MARK = '@@cachet-bench-result@@'

if (process.argv[2] === '--run') {
  // Child: run one section and print its rows as JSON after a marker line.
  const { register } = await import('tsx/esm/api')
  register()
  const mod = await import(pathToFileURL(process.argv[3]).href)
  const section = mod.default
  const rows = await section.run((msg) => process.stderr.write(`  · ${msg}\n`))
  process.stdout.write(`${MARK}${JSON.stringify({ title: section.title, rows })}\n`)
  process.exit(0)
}

const { ensureNodeModules, ensureSystem } = await import('./ensure-system.mjs')
ensureNodeModules(root)
ensureSystem(['dovecot', 'openssl'])

const wanted = process.argv.slice(2)
const dir = join(root, 'tests/bench')
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
  .sort()
if (files.length === 0) {
  console.error(`No benchmark matches ${wanted.join(', ') || '(none in tests/bench)'}.`)
  process.exit(1)
}

let failed = false
/** Every section's rows, also written to bench-results.json (not committed) for comparing commits. */
const results = []
for (const f of files) {
  console.log(`\n▶ ${f}`)
  const started = Date.now()
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--run', join(dir, f)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(MARK))
  if (r.status !== 0 || !line) {
    failed = true
    console.error(`◀ ${f}: FAILED (exit ${r.status})`)
    process.stdout.write((r.stdout ?? '').replace(new RegExp(`^${MARK}.*$`, 'm'), ''))
    continue
  }
  const { title, rows } = JSON.parse(line.slice(MARK.length))
  results.push({ file: f, title, rows })
  console.log(`\n${title}`)
  const width = Math.max(...rows.map((x) => x.label.length))
  for (const row of rows) {
    const value = typeof row.value === 'number' ? row.value.toLocaleString('en-US', { maximumFractionDigits: 1 }) : row.value
    console.log(`  ${row.label.padEnd(width)}  ${String(value).padStart(10)} ${row.unit ?? ''}${row.note ? `  (${row.note})` : ''}`)
  }
  console.log(`◀ ${f}: ${((Date.now() - started) / 1000).toFixed(1)} s`)
}
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout?.trim() || null
const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? null, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version }
writeFileSync(join(root, 'bench-results.json'), JSON.stringify({ date: new Date().toISOString(), commit, machine, sections: results }, null, 2) + '\n')
console.log('\nFigures written to bench-results.json.')
process.exit(failed ? 1 : 0)
