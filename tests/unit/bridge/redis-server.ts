/**
 * A real redis-server (Debian's) for tests: its own process on a free loopback port, a
 * temp dir as working directory, no persistence. Stopped by PID, and restartable on the
 * same port to test a Redis that drops and comes back.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from '../../../src/bridge/session/redis-client'
import { freePort, waitForPort } from '../../../src/mailstack/index'

export interface TestRedis {
  url: string
  port: number
  /** Stops the server (SIGTERM to its PID) and waits for the process to exit. */
  stop(): Promise<void>
  /** Starts it again on the same port (empty: nothing is saved). */
  start(): Promise<void>
  /** Stops it for good and removes its directory. */
  dispose(): Promise<void>
}

/** Debian's redis-server, installed on demand like the test command's other tools. */
async function ensureRedisServer(): Promise<void> {
  const script = new URL('../../../scripts/ensure-system.mjs', import.meta.url).href
  const { installMissing } = (await import(script)) as { installMissing(needs: string[]): string | null }
  const problem = installMissing(['redis'])
  if (problem) throw new Error(problem)
}

export async function startRedis(): Promise<TestRedis> {
  await ensureRedisServer()
  const dir = mkdtempSync(join(tmpdir(), 'cachet-redis-test-'))
  let child: ChildProcess | null = null
  let port = 0

  async function launch(): Promise<void> {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    p.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)))
    p.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-4000)))
    const exited = new Promise<never>((_, reject) => p.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out}`))))
    exited.catch(() => {})
    await Promise.race([waitForPort(port, 10_000), exited])
    child = p
  }

  async function stop(): Promise<void> {
    const p = child
    child = null
    if (!p || p.exitCode !== null) return
    const gone = new Promise((r) => p.once('exit', r))
    process.kill(p.pid!, 'SIGTERM')
    await gone
  }

  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    try {
      await launch()
      break
    } catch (e) {
      // Another process took the port between the check and the bind: pick another.
      if (attempt >= 3) throw e
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start: launch,
    async dispose() {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Every key and value in Redis as text, for asserting what is (not) stored at rest. A key
 * type the scan cannot read fails loudly instead of hiding its contents.
 */
export async function dumpRedis(probe: Redis): Promise<string> {
  const dump: string[] = []
  for await (const keys of probe.scanIterator({ COUNT: 100 })) {
    for (const key of keys) {
      dump.push(key)
      const type = await probe.type(key)
      if (type === 'hash') dump.push(...Object.entries(await probe.hGetAll(key)).flat())
      else if (type === 'string') dump.push(String(await probe.get(key)))
      else if (type !== 'none') throw new Error(`unexpected ${type} key ${key}: extend this scan`)
    }
  }
  return dump.join('\n')
}
