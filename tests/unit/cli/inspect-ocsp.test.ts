/**
 * `cachet-smime inspect --ocsp FILE` (issue 11): a DER OCSP response made by `openssl ocsp`
 * decides the signer's revocation before CRLs, as in the app; without it the CLI stays
 * offline and the revocation is unknown. A file that is not an OCSP response is a usage error.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Io } from '../../../src/cli/io'
import { main } from '../../../src/cli/main'
import type { SecurityReport, SignerReport } from '../../../src/core/message/report'
import { makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../core/pki/gen'
import { ocspRespond, opensslRequest, revokeFor } from '../core/pki/ocsp-gen'

let work: Workdir
let ca: TestCa
let good: Issued
let revoked: Issued

function io(files: Map<string, Uint8Array>): Io & { text(): string; errors(): string } {
  const out: string[] = []
  const err: string[] = []
  return {
    readFile: async (p) => {
      const f = files.get(p)
      if (!f) throw new Error(`ENOENT: ${p}`)
      return f
    },
    writeFile: async () => {},
    readStdin: async () => new Uint8Array(0),
    env: () => undefined,
    stdout: (s) => out.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')),
    stderr: (s) => err.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8')),
    text: () => out.join(''),
    errors: () => err.join(''),
  }
}

function signedBy(leaf: Issued, email: string): Uint8Array {
  const content = work.path(work.unique('content') + '.txt')
  writeFileSync(content, 'Content-Type: text/plain\r\n\r\nhello\r\n')
  const out = work.path(work.unique('signed') + '.eml')
  execFileSync('openssl', ['cms', '-sign', '-in', content, '-signer', leaf.pemFile, '-inkey', leaf.keyFile, '-md', 'sha256', '-crlfeol', '-out', out])
  return new Uint8Array(Buffer.concat([Buffer.from(`From: ${email}\r\nTo: bob@example.test\r\nSubject: ocsp\r\n`), readFileSync(out)]))
}

async function inspect(leaf: Issued, email: string, ocsp: Uint8Array | null): Promise<{ code: number; signer: SignerReport | undefined; x: ReturnType<typeof io> }> {
  const files = new Map<string, Uint8Array>([
    ['m.eml', signedBy(leaf, email)],
    ['ca.pem', new Uint8Array(readFileSync(ca.pemFile))],
  ])
  const args = ['inspect', 'm.eml', '--trust', 'ca.pem']
  if (ocsp) {
    files.set('answer.der', ocsp)
    args.push('--ocsp', 'answer.der')
  }
  const x = io(files)
  const code = await main(args, x)
  const report = x.text() ? (JSON.parse(x.text()) as SecurityReport) : null
  const layer = report?.layers[0]
  return { code, signer: layer?.kind === 'signed' ? layer.signers[0] : undefined, x }
}

beforeAll(() => {
  work = new Workdir()
  ca = makeRoot(work, 'Inspect OCSP CA', 'rsa')
  good = makeLeaf(ca, { email: 'good@example.test' })
  revoked = makeLeaf(ca, { email: 'revoked@example.test' })
  revokeFor(ca, revoked, 'keyCompromise')
})
afterAll(() => work.dispose())

describe('inspect --ocsp', () => {
  it('a revoked answer makes the signer revoked, by OCSP, with its reason; exit 1', async () => {
    const { code, signer } = await inspect(revoked, 'revoked@example.test', ocspRespond(ca, opensslRequest(ca, revoked, true), { ndays: 1 }))
    expect(code).toBe(1)
    expect(signer).toMatchObject({ status: 'revoked', revocation: 'revoked', revocationSource: 'ocsp', ocsp: { status: 'revoked', reason: 'keyCompromise', nonce: 'not-sent' } })
  })

  it('a good answer makes the revocation good, by OCSP; exit 0', async () => {
    const { code, signer } = await inspect(good, 'good@example.test', ocspRespond(ca, opensslRequest(ca, good, true), { ndays: 1 }))
    expect(code).toBe(0)
    expect(signer).toMatchObject({ status: 'valid', revocation: 'good', revocationSource: 'ocsp' })
  })

  it('stays offline without --ocsp: the revocation is unknown', async () => {
    const { signer } = await inspect(revoked, 'revoked@example.test', null)
    expect(signer).toMatchObject({ revocation: 'unknown' })
    expect(signer?.revocationSource).toBeUndefined()
  })

  it('refuses a file that is not an OCSP response (exit 2)', async () => {
    const { code, x } = await inspect(good, 'good@example.test', new Uint8Array(readFileSync(ca.pemFile)))
    expect(code).toBe(2)
    expect(x.errors()).toMatch(/not an OCSP response/)
  })
})
