/**
 * `cachet-smime inspect` on messages OpenSSL signs during the test under a chain whose
 * certificates are signed with SHA-1 (or MD5): the JSON shows the chain's weak
 * algorithms in the signer's `chainWeak` (additive to the issue #5 contract), the
 * verdict and exit status stay those of a valid signature; MD5 is untrusted.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Io } from '../../../src/cli/io'
import { main } from '../../../src/cli/main'
import type { SecurityReport } from '../../../src/core/message/report'
import { makeIntermediate, makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../core/pki/gen'

const EMAIL = 'alice@example.test'
let work: Workdir
let root: TestCa

function io(files: Map<string, Uint8Array>): Io & { text(): string } {
  const out: string[] = []
  return {
    readFile: async (p) => {
      const f = files.get(p)
      if (!f) throw new Error(`ENOENT: ${p}`)
      return f
    },
    writeFile: async () => {},
    readStdin: async () => new Uint8Array(0),
    env: () => undefined,
    stdout: (s) => {
      out.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8'))
    },
    stderr: () => {},
    text: () => out.join(''),
  }
}

function signedBy(leaf: Issued, int: TestCa): Uint8Array {
  const content = work.path(work.unique('content') + '.txt')
  writeFileSync(content, 'Content-Type: text/plain\r\n\r\nhello\r\n')
  const out = work.path(work.unique('signed') + '.eml')
  execFileSync('openssl', ['cms', '-sign', '-in', content, '-signer', leaf.pemFile, '-inkey', leaf.keyFile, '-certfile', int.pemFile, '-md', 'sha256', '-crlfeol', '-out', out])
  return new Uint8Array(Buffer.concat([Buffer.from(`From: ${EMAIL}\r\nTo: bob@example.test\r\nSubject: chain\r\n`), readFileSync(out)]))
}

async function inspect(leaf: Issued, int: TestCa): Promise<{ code: number; report: SecurityReport }> {
  const files = new Map<string, Uint8Array>([
    ['m.eml', signedBy(leaf, int)],
    ['root.pem', new Uint8Array(readFileSync(root.pemFile))],
    ['int.pem', new Uint8Array(readFileSync(int.pemFile))],
  ])
  const x = io(files)
  const code = await main(['inspect', 'm.eml', '--trust', 'root.pem', '--cert', 'int.pem', '--at', '2030-01-01T00:00:00Z'], x)
  return { code, report: JSON.parse(x.text()) as SecurityReport }
}

beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'Inspect Root', 'rsa')
})
afterAll(() => work.dispose())

describe('cachet-smime inspect: weak algorithms in the signer chain', () => {
  it('SHA-1-signed intermediate and signer certificate: valid, exit 0, chainWeak names both', async () => {
    const int = makeIntermediate(root, 'Inspect SHA1 CA', 'rsa', undefined, { startDate: '20200101000000Z', endDate: '20390101000000Z', md: 'sha1' })
    const { code, report } = await inspect(makeLeaf(int, { md: 'sha1', email: EMAIL }), int)
    expect(report.verdict.signature).toBe('valid')
    expect(code).toBe(0)
    const layer = report.layers[0]!
    expect(layer.kind).toBe('signed')
    const signer = layer.kind === 'signed' ? layer.signers[0]! : null
    expect(signer?.weak).toEqual([])
    expect(signer?.chainWeak?.map((w) => ({ index: w.index, subject: w.subject, kind: w.kind, algorithm: w.algorithm }))).toEqual([
      { index: 0, subject: 'CN=Test User, O=Cachet Test', kind: 'signature', algorithm: 'sha1' },
      { index: 1, subject: 'CN=Inspect SHA1 CA, O=Cachet Test', kind: 'signature', algorithm: 'sha1' },
    ])
    expect(signer?.chainWeak?.[0]?.reason).toMatch(/signed with SHA-1/)
  })

  it('SHA-256 chain: no chainWeak field at all (the JSON is as before)', async () => {
    const int = makeIntermediate(root, 'Inspect SHA256 CA', 'rsa')
    const { code, report } = await inspect(makeLeaf(int, { email: EMAIL }), int)
    expect(code).toBe(0)
    const signer = report.layers[0]!.kind === 'signed' ? report.layers[0]!.signers[0]! : null
    expect(signer && 'chainWeak' in signer).toBe(false)
  })

  it('MD5-signed signer certificate: untrusted, exit 1, the reason names it and MD5', async () => {
    const int = makeIntermediate(root, 'Inspect MD5 CA', 'rsa')
    const { code, report } = await inspect(makeLeaf(int, { md: 'md5', email: EMAIL }), int)
    expect(report.verdict.signature).toBe('untrusted')
    expect(code).toBe(1)
    const signer = report.layers[0]!.kind === 'signed' ? report.layers[0]!.signers[0]! : null
    expect(signer?.reasons.join(' ')).toMatch(/"Test User" is signed with MD5 \(md5WithRSAEncryption\), which is broken/)
  })
})
