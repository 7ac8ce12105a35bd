/**
 * OpenSSL's own OCSP responder (`openssl ocsp -port`), started by a test on a free port
 * over an `openssl ca` database. OpenSSL 3.0 cannot listen on port 0 and report it, so a
 * free port is found first with a throwaway net server on 127.0.0.1; the responder is
 * ready when it says so on stderr (no sleeping). It takes no host argument and listens on
 * the wildcard address; the tests only ever reach it through 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export interface OcspResponder {
  url: string
  port: number
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

export async function startOcspResponder(o: { port: number; index: string; caPem: string; signerPem: string; signerKey: string; ndays?: number }): Promise<OcspResponder> {
  const args = ['ocsp', '-port', String(o.port), '-index', o.index, '-CA', o.caPem, '-rsigner', o.signerPem, '-rkey', o.signerKey, '-ignore_err']
  if (o.ndays !== undefined) args.push('-ndays', String(o.ndays))
  const child: ChildProcess = spawn('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let said = ''
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      said += b.toString()
      if (/waiting for OCSP client connections/i.test(said)) resolve()
    })
    child.once('exit', (code) => reject(new Error(`openssl ocsp exited (${code}): ${said}`)))
    child.once('error', reject)
  })
  return {
    url: `http://127.0.0.1:${o.port}/`,
    port: o.port,
    async stop() {
      if (child.exitCode !== null) return
      const gone = new Promise<void>((r) => child.once('exit', () => r()))
      child.kill('SIGTERM')
      await gone
    },
  }
}
