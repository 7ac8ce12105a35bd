/**
 * The command's contract (issues #5, #6) in process, with an in-memory Io: exit statuses,
 * JSON on stdout, messages on stderr. Inputs are real: an OpenSSL-made PKI and PFX.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../../src/cli/main'
import type { Io } from '../../../src/cli/io'
import type { SecurityReport } from '../../../src/core/message/report'
import { createPki, type Leaf, type Pki } from '../../interop/harness/pki'

let pki: Pki
let alice: Leaf
let files: Map<string, Uint8Array>

class MemIo implements Io {
  out: Uint8Array[] = []
  err = ''
  written = new Map<string, Uint8Array>()
  constructor(private stdin: Uint8Array = new Uint8Array(0)) {}
  readFile = async (path: string) => {
    const f = files.get(path)
    if (!f) throw new Error(`ENOENT: ${path}`)
    return f
  }
  writeFile = async (path: string, data: Uint8Array) => {
    this.written.set(path, data)
  }
  readStdin = async () => this.stdin
  env = () => undefined
  stdout = (s: string | Uint8Array) => {
    this.out.push(typeof s === 'string' ? new TextEncoder().encode(s) : s)
  }
  stderr = (s: string) => {
    this.err += s
  }
  text(): string {
    return Buffer.concat(this.out).toString('utf8')
  }
}

beforeAll(async () => {
  pki = await createPki('cachet-cli-unit')
  alice = await pki.issue('alice', { key: 'p256' })
  files = new Map([
    ['alice.pfx', new Uint8Array(await readFile(alice.pfxPath))],
    ['root.pem', new Uint8Array(await readFile(pki.root.certPath))],
    ['crls.pem', new Uint8Array(await readFile(pki.crlPath()))],
    ['garbage.bin', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])],
    ['draft.eml', new TextEncoder().encode(`From: ${alice.email}\r\nTo: x@example.test\r\nSubject: hi\r\n\r\nhello\r\n`)],
  ])
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
})

describe('cachet-smime', () => {
  it('no command, unknown command, unknown option → 2 with usage on stderr', async () => {
    for (const argv of [[], ['frobnicate'], ['inspect', 'm.eml', '--frob'], ['inspect']]) {
      const io = new MemIo()
      expect(await main(argv, io)).toBe(2)
      expect(io.err).toMatch(/Usage: cachet-smime inspect/)
    }
  })

  it('seal then inspect: 0 and a valid report; --inner writes the innermost entity', async () => {
    const io = new MemIo(files.get('draft.eml'))
    expect(await main(['seal', '--pfx', 'alice.pfx', '--password', alice.password, '--sign', '--encrypt'], io)).toBe(0)
    files.set('sealed.eml', Buffer.concat(io.out))
    const io2 = new MemIo()
    const code = await main(['inspect', 'sealed.eml', '--pfx', 'alice.pfx', '--password', alice.password, '--trust', 'root.pem', '--crl', 'crls.pem', '--inner', 'inner.eml'], io2)
    const report = JSON.parse(io2.text()) as SecurityReport
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(code).toBe(0)
    expect(Buffer.from(io2.written.get('inner.eml')!).toString()).toMatch(/hello/)
  })

  it('read but not clean → 1 (untrusted without --trust, not-for-you without --pfx)', async () => {
    const io = new MemIo()
    expect(await main(['inspect', 'sealed.eml'], io)).toBe(1)
    expect((JSON.parse(io.text()) as SecurityReport).verdict.encryption).toBe('not-for-you')
  })

  it('not a message, unreadable files, wrong password, bad --at → 2', async () => {
    expect(await main(['inspect', 'garbage.bin'], new MemIo())).toBe(2)
    expect(await main(['inspect', 'missing.eml'], new MemIo())).toBe(2)
    const wrong = new MemIo()
    expect(await main(['inspect', 'sealed.eml', '--pfx', 'alice.pfx', '--password', 'nope'], wrong)).toBe(2)
    expect(wrong.err).toMatch(/wrong-password/)
    expect(await main(['inspect', 'sealed.eml', '--at', 'yesterday'], new MemIo())).toBe(2)
    expect(await main(['inspect', 'sealed.eml', '--trust', 'garbage.bin'], new MemIo())).toBe(2)
  })

  it('seal usage errors → 2', async () => {
    const base = ['seal', '--pfx', 'alice.pfx', '--password', alice.password]
    for (const extra of [[], ['--sign', '--cipher', 'des'], ['--oaep', '--sign'], ['--sign', 'positional']]) {
      expect(await main([...base, ...extra], new MemIo(files.get('draft.eml')))).toBe(2)
    }
  })

  it('pfx-info is dispatched', async () => {
    const io = new MemIo()
    expect(await main(['pfx-info', 'alice.pfx', '--password', alice.password], io)).toBe(0)
    expect(JSON.parse(io.text())).toMatchObject({ email: alice.email })
  })
})
