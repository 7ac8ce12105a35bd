/**
 * The command's contact with the operating system. Core never reads files (DESIGN.md);
 * the CLI does it here and hands core plain bytes. Tests pass their own Io.
 */
import { readFile, writeFile } from 'node:fs/promises'

export interface Io {
  readFile(path: string): Promise<Uint8Array>
  writeFile(path: string, data: Uint8Array): Promise<void>
  readStdin(): Promise<Uint8Array>
  /** An environment variable, undefined when unset (--password-env reads it here). */
  env(name: string): string | undefined
  stdout(s: string | Uint8Array): void
  stderr(s: string): void
}

export const nodeIo: Io = {
  readFile: async (path) => new Uint8Array(await readFile(path)),
  writeFile: (path, data) => writeFile(path, data),
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return new Uint8Array(Buffer.concat(chunks))
  },
  env: (name) => process.env[name],
  stdout: (s) => {
    process.stdout.write(s)
  },
  stderr: (s) => {
    process.stderr.write(s)
  },
}
