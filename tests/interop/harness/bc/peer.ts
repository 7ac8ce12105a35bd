/**
 * Bouncy Castle 1.72 as a running peer: compiles CachetBc.java with javac into a temp
 * directory (no .class file is ever committed) and keeps one JVM in `batch` mode, so a
 * test run pays the JVM start-up and BC's provider set-up once instead of per job.
 * Jobs are answered in order, one line each: `ok <info>` or `fail <BC's exception>`.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** Debian's libbcprov-java, libbcpkix-java, libbcutil-java (scripts/ensure-system.mjs). */
export const BC_JARS = ['/usr/share/java/bcprov.jar', '/usr/share/java/bcpkix.jar', '/usr/share/java/bcutil.jar']
const SOURCE = join(dirname(fileURLToPath(import.meta.url)), 'CachetBc.java')

export interface BcResult {
  ok: boolean
  info: string
}

export interface BcPeer {
  /** One CachetBc job (the arguments of its single-job form, e.g. ['sign', '--key', ...]). */
  run(args: readonly string[]): Promise<BcResult>
  close(): Promise<void>
}

/** Compile CachetBc into `workDir/bc-classes` and start its JVM. */
export async function startBc(workDir: string): Promise<BcPeer> {
  const classes = join(workDir, 'bc-classes')
  await mkdir(classes, { recursive: true })
  await promisify(execFile)('javac', ['-nowarn', '-cp', BC_JARS.join(':'), '-d', classes, SOURCE])

  const child = spawn('java', ['-XX:+UseSerialGC', '-cp', [classes, ...BC_JARS].join(':'), 'CachetBc', 'batch'], { stdio: ['pipe', 'pipe', 'pipe'] })
  const waiting: ((line: string) => void)[] = []
  let stderr = ''
  let exited = false
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(line))
  const exit = new Promise<void>((resolve) =>
    child.on('exit', (code) => {
      exited = true
      for (const w of waiting.splice(0)) w(`fail the JVM exited (${code}): ${stderr}`)
      resolve()
    }),
  )
  child.stdin.on('error', () => {})

  return {
    run(args) {
      if (args.some((a) => /[\t\r\n]/.test(a))) return Promise.reject(new Error('CachetBc batch arguments cannot hold tabs or line ends'))
      if (exited) return Promise.resolve({ ok: false, info: `the JVM exited: ${stderr}` })
      return new Promise((resolve) => {
        waiting.push((line) => resolve({ ok: line.startsWith('ok'), info: line.replace(/^(ok|fail) ?/, '') }))
        child.stdin.write(args.join('\t') + '\n')
      })
    },
    async close() {
      if (exited) return
      child.stdin.end() // batch mode returns at end of input
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exit
      clearTimeout(timer)
    },
  }
}
