/**
 * How fast `cachet-smime` starts (issue 12): `--help`, and `inspect` of a 10 KB signed
 * message, against a bare `node -e 0` measured in the same rounds on the same machine.
 * Goals: --help ≤ 3×, inspect ≤ 4×. The compiled CLI (dist-cli/, `npm run build:cli`) is
 * what `bin/cachet-smime.js` runs; the TypeScript sources through tsx are shown for
 * comparison (what every start cost before).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15)

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

function timed(cmd: string, args: string[]): number {
  const t = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] })
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`)
  return Number(process.hrtime.bigint() - t) / 1e6
}

export default {
  title: 'cachet-smime start-up vs a bare node -e 0 (same rounds, same machine)',
  async run(log: (m: string) => void) {
    execFileSync('npm', ['run', 'build:cli', '--silent'], { cwd: ROOT, stdio: 'ignore' })
    const dir = mkdtempSync(join(tmpdir(), 'cachet-bench-cli-'))
    try {
      // A 10 KB message signed by OpenSSL with a throwaway key.
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '2', '-subj', '/CN=bench/emailAddress=bench@example.test', '-addext', 'extendedKeyUsage=emailProtection', '-addext', 'subjectAltName=email:bench@example.test'], { cwd: dir, stdio: 'ignore' })
      writeFileSync(join(dir, 'body.txt'), `Content-Type: text/plain\r\n\r\n${'Ten kilobytes of ordinary text. '.repeat(320)}\r\n`)
      execFileSync('openssl', ['smime', '-sign', '-in', 'body.txt', '-signer', 'c.pem', '-inkey', 'k.pem', '-out', 'signed.eml', '-from', 'bench@example.test', '-to', 'x@example.test', '-subject', 'bench'], { cwd: dir, stdio: 'ignore' })
      const eml = join(dir, 'signed.eml')
      const bin = join(ROOT, 'bin', 'cachet-smime.js')
      const tsxEntry = ['--import', 'tsx', '-e', `const { run } = await import(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))}); await run(['--help'])`]
      const node: number[] = []
      const help: number[] = []
      const inspect: number[] = []
      const tsx: number[] = []
      for (let i = 0; i < ROUNDS; i++) {
        node.push(timed(process.execPath, ['-e', '0']))
        help.push(timed(process.execPath, [bin, '--help']))
        inspect.push(timed(process.execPath, [bin, 'inspect', eml, '--trust', join(dir, 'c.pem')]))
        if (i < 5) tsx.push(timed(process.execPath, tsxEntry))
      }
      log(`rounds: ${ROUNDS}`)
      const n = median(node)
      const ratio = (x: number[]) => Math.round((median(x) / n) * 100) / 100
      return [
        { label: 'node -e 0', value: n, unit: 'ms', note: `median of ${ROUNDS}` },
        { label: 'cachet-smime --help', value: median(help), unit: 'ms', note: `${ratio(help)}× node -e 0; goal ≤ 3×` },
        { label: 'cachet-smime inspect (10 KB signed)', value: median(inspect), unit: 'ms', note: `${ratio(inspect)}× node -e 0; goal ≤ 4×` },
        { label: '  before: --help through tsx', value: median(tsx), unit: 'ms', note: `${ratio(tsx)}× node -e 0, median of 5` },
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
