/**
 * Running the peers (openssl, cmsutil, certutil, pk12util, gpgsm) from interop tests.
 * Every call is a real process; nothing here imitates a peer.
 */
import { spawn } from 'node:child_process'

export interface RunResult {
  status: number
  stdout: Buffer
  stderr: string
}

export interface RunOptions {
  input?: Uint8Array | string
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Kill the process after this many ms (default 120 s). */
  timeoutMs?: number
}

/** Run a command; resolves with its exit status and output, never rejects on exit status. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000)
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({
        status: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      })
    })
    child.stdin.on('error', () => {}) // peer may exit before reading all input
    if (opts.input !== undefined) child.stdin.end(opts.input)
    else child.stdin.end()
  })
}

/** Run and throw with the peer's stderr when it fails. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<Buffer> {
  const r = await run(cmd, args, opts)
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`)
  }
  return r.stdout
}

/** openssl with the given arguments; throws on failure. */
export function openssl(args: readonly string[], opts: RunOptions = {}): Promise<Buffer> {
  return runOk('openssl', args, opts)
}
