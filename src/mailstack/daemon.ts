/**
 * Runs one server of the mail stack (the CA, the directory) as an attached child process:
 * refuses a port that something else already holds, stops a copy left running by an
 * earlier start of the same data folder, waits until the port accepts connections, and
 * reports the server's own output when it exits instead.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'

/** What a server printed last (its errors are at the end); older output is dropped. */
const MAX_OUTPUT = 16 * 1024

export interface DaemonOptions {
  /** Human name for messages ("CFSSL", "slapd"). */
  name: string
  bin: string
  args: string[]
  /** The child's whole environment (not merged with ours). */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** The port the server listens on, on 127.0.0.1. */
  port: number
  /** Written with the child's pid, for stopStale after a hard kill of this process (omit when the server writes its own). */
  pidFile?: string
  timeoutMs?: number
  /** Extra advice for an exit, given the server's output (e.g. AppArmor). */
  hint?: (output: string) => string | null
}

export interface DaemonHandle {
  child: ChildProcess
  /** The server's recent output (stdout and stderr). */
  output(): string
  stop(): Promise<void>
}

/** Is a process alive (a zombie, waiting to be reaped, is not)? */
export function isAlive(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X'
}

/**
 * A server left running by an earlier start of this same data folder (its parent was
 * killed hard) holds the port and the files: stop it, identified by its pid file and by
 * `marker` (our config path) in its command line, so an unrelated process that reused
 * the pid is never touched.
 */
export async function stopStale(pidFile: string, program: string, marker: string): Promise<void> {
  if (!existsSync(pidFile)) return
  const pid = Number(readFileSync(pidFile, 'utf8').trim())
  let cmdline = ''
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {}
  if (Number.isInteger(pid) && pid > 1 && pid !== process.pid && cmdline.includes(program) && cmdline.includes(marker)) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {}
    for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50))
    if (isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {}
      for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50))
    }
  }
  rmSync(pidFile, { force: true })
}

/** Does something accept connections on 127.0.0.1:port right now? */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port })
    c.once('connect', () => (c.destroy(), resolve(true)))
    c.once('error', () => resolve(false))
  })
}

export async function startDaemon(o: DaemonOptions): Promise<DaemonHandle> {
  if (await portTaken(o.port)) {
    throw new Error(`${o.name}: port 127.0.0.1:${o.port} is already in use (another Cachet, or another program); pick another port`)
  }
  const child = spawn(o.bin, o.args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (c: Buffer) => {
    output += c.toString()
    if (output.length > MAX_OUTPUT) output = output.slice(-MAX_OUTPUT)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  let exited = false
  let exitInfo = ''
  const exitedP = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      exitInfo = e.message
      exited = true
      resolve()
    })
    child.once('exit', (code, signal) => {
      exitInfo = signal ? `signal ${signal}` : `code ${code}`
      exited = true
      resolve()
    })
  })
  const cleanPid = () => {
    if (o.pidFile && child.pid !== undefined && existsSync(o.pidFile) && readFileSync(o.pidFile, 'utf8').trim() === String(child.pid)) {
      rmSync(o.pidFile, { force: true })
    }
  }
  if (o.pidFile && child.pid !== undefined) writeFileSync(o.pidFile, `${child.pid}\n`)
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exitedP
      clearTimeout(t)
    }
    // Let the pipes drain so that the last words are in output() (bounded: a grandchild
    // could hold them open).
    const drained = [child.stdout, child.stderr].map((s) =>
      s && !s.destroyed ? new Promise<void>((r) => s.once('close', () => r())) : Promise.resolve(),
    )
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(drained), new Promise<void>((r) => (timer = setTimeout(r, 1000)))])
    clearTimeout(timer)
    cleanPid()
  }
  const until = Date.now() + (o.timeoutMs ?? 20_000)
  for (;;) {
    if (exited) {
      await stop()
      const out = output.trim()
      const hint = o.hint?.(out)
      throw new Error(`${o.name} exited (${exitInfo}) before listening on 127.0.0.1:${o.port}${out ? `:\n${out}` : ''}${hint ? `\n${hint}` : ''}`)
    }
    if (await portTaken(o.port)) break
    if (Date.now() > until) {
      await stop()
      throw new Error(`${o.name} did not listen on 127.0.0.1:${o.port} within ${o.timeoutMs ?? 20_000} ms${output.trim() ? `:\n${output.trim()}` : ''}`)
    }
    await Promise.race([exitedP, new Promise((r) => setTimeout(r, 50))])
  }
  return { child, output: () => output, stop }
}
