/** Running our own `bin/cachet-smime.js` the way a user would: a separate process. */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SecurityReport } from '../../../src/core/message/report'
import { run, type RunResult } from './run'

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const BIN = join(REPO_ROOT, 'bin', 'cachet-smime.js')

export function cachetSmime(args: readonly string[], input?: Uint8Array, cwd?: string): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args], { input, cwd, timeoutMs: 300_000 })
}

export interface InspectResult {
  status: number
  report: SecurityReport
  stderr: string
}

/** `cachet-smime inspect FILE ...`; parses the JSON it prints. */
export async function inspect(file: string, args: readonly string[] = []): Promise<InspectResult> {
  const r = await cachetSmime(['inspect', file, ...args])
  let report: SecurityReport
  try {
    report = JSON.parse(r.stdout.toString('utf8')) as SecurityReport
  } catch {
    throw new Error(`inspect printed no JSON (exit ${r.status}):\n${r.stdout.toString().slice(0, 2000)}\n${r.stderr}`)
  }
  return { status: r.status, report, stderr: r.stderr }
}

/** Options that give `inspect` a leaf's identity plus the test PKI's trust anchor. */
export function identityArgs(leaf: { pfxPath: string; password: string }): string[] {
  return ['--pfx', leaf.pfxPath, '--password', leaf.password]
}
