// `npm test`: everything, in the order that fails fastest. Installs what it needs.
//   lint (with DESIGN.md layer rules) → type check (vue-tsc) → unit → fuzz → interop → build → e2e
// Pass a stage name to run only that stage: `npm test -- unit`.
import { spawnSync } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureNodeModules, ensureSystem } from './ensure-system.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
ensureNodeModules(root)
ensureSystem(['dovecot', 'cfssl', 'slapd', 'chromium', 'openssl', 'nss', 'gpgsm', 'bouncycastle', 'redis'])

const stages = {
  lint: ['npx', 'eslint', '.'],
  typecheck: ['npx', 'vue-tsc', '--noEmit', '-p', 'tsconfig.json'],
  unit: ['npx', 'vitest', 'run', '--project', 'unit'],
  // 100,000 mutated messages, CMS and PKCS#12 files (issue #3); about 3 minutes here.
  fuzz: ['node', '--import', 'tsx', 'tests/fuzz/run.ts', '--count', '100000', '--seed', '1'],
  interop: ['npx', 'vitest', 'run', '--project', 'interop'],
  // The app (dist/) and the compiled cachet-smime (dist-cli/).
  build: ['npm', 'run', 'build', '--silent'],
  e2e: ['npx', 'vitest', 'run', '--project', 'e2e'],
}
const only = process.argv.slice(2)
for (const [name, cmd] of Object.entries(stages)) {
  if (only.length && !only.includes(name)) continue
  const started = Date.now()
  console.log(`\n▶ ${name}: ${cmd.join(' ')}`)
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: root, stdio: 'inherit' })
  console.log(`◀ ${name}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  if (r.status !== 0) process.exit(r.status ?? 1)
}
