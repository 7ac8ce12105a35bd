/**
 * The details view's words for an OCSP answer (mail/security.ts ocspWords) over REAL
 * engine reports: OpenSSL makes the CA, signs the message (`openssl cms -sign`) and
 * answers as OCSP responder (`openssl ocsp`); core opens the message with the answer in
 * its keyring. Revoked says when and why; "unknown" says the CRL was used instead; no
 * answer, no OCSP row.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../src/core/message/open'
import type { SignerReport } from '../../../src/core/message/report'
import { ocspWords } from '../../../src/web/mail/security'
import { makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../core/pki/gen'
import { forget, ocspRespond, opensslRequest, revokeFor } from '../core/pki/ocsp-gen'

const crypto = globalThis.crypto
let work: Workdir
let ca: TestCa

beforeAll(() => {
  work = new Workdir()
  ca = makeRoot(work, 'Words OCSP CA', 'rsa')
})
afterAll(() => work.dispose())

async function signer(leaf: Issued, email: string, ocsp: Uint8Array[], crls: Uint8Array[] = []): Promise<SignerReport> {
  const content = work.path(work.unique('content') + '.txt')
  writeFileSync(content, 'Content-Type: text/plain\r\n\r\nhello\r\n')
  const out = work.path(work.unique('signed') + '.eml')
  execFileSync('openssl', ['cms', '-sign', '-in', content, '-signer', leaf.pemFile, '-inkey', leaf.keyFile, '-md', 'sha256', '-crlfeol', '-out', out])
  const raw = new Uint8Array(Buffer.concat([Buffer.from(`From: ${email}\r\nTo: bob@example.test\r\nSubject: ocsp\r\n`), readFileSync(out)]))
  const r = await openMessage(raw, { identities: [], trustAnchors: [ca.der], certificates: [], crls, ocsp }, crypto)
  const layer = r.report.layers[0]!
  if (layer.kind !== 'signed') throw new Error('not signed')
  return layer.signers[0]!
}

describe('OCSP words in the details view', () => {
  it('revoked: when and why, and who answered', async () => {
    const leaf = makeLeaf(ca, { email: 'r@example.test' })
    revokeFor(ca, leaf, 'superseded')
    const s = await signer(leaf, 'r@example.test', [ocspRespond(ca, opensslRequest(ca, leaf, true), { ndays: 1 })])
    expect(s.status).toBe('revoked')
    const w = ocspWords(s)!
    expect(w.status).toMatch(/^REVOKED on .* GMT \(superseded\)$/)
    expect(w.responder).toBe('CN=Words OCSP CA, O=Cachet Test (the issuing CA itself)')
    expect(w.times).toMatch(/^answer made .*; current from .* until .* GMT$/)
  })

  it('unknown to the responder: says the CRL decided instead', async () => {
    const leaf = makeLeaf(ca, { email: 'u@example.test' })
    forget(ca, leaf)
    const s = await signer(leaf, 'u@example.test', [ocspRespond(ca, opensslRequest(ca, leaf, true))], [ca.crl()])
    expect(s).toMatchObject({ revocation: 'good', revocationSource: 'crl' })
    expect(ocspWords(s)!.status).toBe('unknown to the OCSP responder; the CRL was used instead')
    expect(ocspWords(s)!.times).toMatch(/an hour later \(no next update given\)/)
  })

  it('no OCSP answer: no OCSP words', async () => {
    const leaf = makeLeaf(ca, { email: 'n@example.test' })
    expect(ocspWords(await signer(leaf, 'n@example.test', []))).toBeNull()
  })
})
