/**
 * The fuzzer's own guarantees (tests/fuzz): a hanging input is caught by the watchdog
 * and the run carries on after it; a JavaScript error escaping a target is reported;
 * a short clean run exits 0. Uses the CACHET_FUZZ_SELFTEST hooks of tests/fuzz/worker.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { run } from '../../interop/harness/run'
import { REPO_ROOT } from '../../interop/harness/cli'

function fuzz(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', 'tests/fuzz/run.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeoutMs: 240_000 })
}

describe('npm run fuzz', () => {
  it('catches a hang and an escaping TypeError, runs every input, exits 1', async () => {
    const out = await mkdtemp(join(tmpdir(), 'cachet-fuzz-selftest-'))
    try {
      const r = await fuzz(['--count', '60', '--timeout-ms', '2000', '--out', out], { CACHET_FUZZ_SELFTEST: 'hang:5,bad:9' })
      const text = r.stdout.toString()
      expect(r.status, text + r.stderr).toBe(1)
      expect(text).toContain('60 of 60 inputs')
      expect(text).toMatch(/1 × hang: input 5 ran longer than 2000 ms/)
      expect(text).toMatch(/1 × non-core-error: TypeError/)
      expect((await readdir(out)).sort()).toEqual(expect.arrayContaining(['input-5.json', 'input-9.bin', 'input-9.json']))
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  }, 240_000)

  it('a short clean run exits 0 with no finding', async () => {
    const r = await fuzz(['--count', '500', '--seed', '11'])
    expect(r.status, r.stdout.toString() + r.stderr).toBe(0)
    expect(r.stdout.toString()).toMatch(/500 of 500 inputs .* 0 findings/)
  }, 240_000)
})
