/**
 * OCSP end to end against OpenSSL's own responder (`openssl ocsp -port`, started here on
 * 127.0.0.1 over an `openssl ca` database with a delegated OCSPSigning responder): core
 * decides what to ask and builds the request with a nonce, the bridge's relay carries it
 * (GET and POST), core checks the answer and validation uses it — good, and revoked with
 * its reason.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkOcspAnswer, ocspQuestions, validateCertificate } from '../../src/core/pki'
import { signIn, startHarness, type Client, type Harness } from '../unit/bridge/harness'
import { makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../unit/core/pki/gen'
import { revokeFor } from '../unit/core/pki/ocsp-gen'
import { freePort, startOcspResponder, type OcspResponder } from './harness/ocsp-responder'

const crypto = globalThis.crypto
let work: Workdir
let ca: TestCa
let good: Issued
let revoked: Issued
let stranger: Issued
let responder: OcspResponder
let h: Harness
let alice: Client

beforeAll(async () => {
  work = new Workdir()
  const port = await freePort()
  const aia = [`authorityInfoAccess = OCSP;URI:http://127.0.0.1:${port}/`]
  ca = makeRoot(work, 'OCSP Interop CA', 'rsa')
  good = makeLeaf(ca, { email: 'good@example.test', extra: aia })
  revoked = makeLeaf(ca, { email: 'revoked@example.test', extra: aia })
  const other = makeRoot(work, 'Stranger CA', 'rsa')
  stranger = makeLeaf(other, { email: 'stranger@example.test', extra: aia })
  const signer = ca.issue({ subject: '/O=Cachet Test/CN=OCSP Interop Responder', keyType: 'rsa', extensions: ['basicConstraints = CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = OCSPSigning'] })
  revokeFor(ca, revoked, 'keyCompromise')
  responder = await startOcspResponder({ port, index: join(ca.caDir, 'index.txt'), caPem: ca.pemFile, signerPem: signer.pemFile, signerKey: signer.keyFile, ndays: 1 })
  h = await startHarness({ allowPrivateCrl: true })
  alice = await signIn(h.app, 'alice@example.com')
})
afterAll(async () => {
  await responder?.stop()
  await h?.stop()
  work?.dispose()
})

const ctx = () => ({ anchors: [ca.der], intermediates: [], crls: [] })

async function askThroughBridge(leaf: Issued, viaPost = false) {
  const [q] = await ocspQuestions([leaf.der], ctx(), crypto)
  expect(q?.url).toBe(responder.url)
  // A query string makes the relay POST (ocspHttpRequest); OpenSSL's responder takes both
  const url = viaPost ? `${q!.url}?post` : q!.url
  const res = await alice.post('/api/ocsp', { url, request: Buffer.from(q!.request).toString('base64') })
  expect(res.statusCode, res.body).toBe(200)
  return { q: q!, der: new Uint8Array(res.rawPayload) }
}

describe('OCSP against openssl ocsp', () => {
  it('good: the answer is signed by the delegated responder, echoes our nonce, and makes the certificate valid by OCSP', async () => {
    for (const viaPost of [false, true]) {
      const { q, der } = await askThroughBridge(good, viaPost)
      expect(await checkOcspAnswer(der, q, crypto)).toMatchObject({ ok: true, status: 'good', signedBy: 'delegated', nonce: 'matched', responder: expect.stringContaining('OCSP Interop Responder') })
      const v = await validateCertificate(good.der, { ...ctx(), ocsp: [der], purpose: 'email-signing' }, crypto)
      expect(v).toMatchObject({ status: 'valid', revocation: 'good', revocationSource: 'ocsp' })
    }
  })

  it('revoked: with its reason and time, and the certificate is revoked by OCSP', async () => {
    const { q, der } = await askThroughBridge(revoked)
    expect(await checkOcspAnswer(der, q, crypto)).toMatchObject({ ok: true, status: 'revoked', reason: 'keyCompromise', revokedAt: expect.any(String) })
    const v = await validateCertificate(revoked.der, { ...ctx(), ocsp: [der], purpose: 'email-signing' }, crypto)
    expect(v).toMatchObject({ status: 'revoked', revocation: 'revoked', revocationSource: 'ocsp' })
  })

  it('an answer to another request (its nonce) is refused', async () => {
    const { der } = await askThroughBridge(good)
    const [again] = await ocspQuestions([good.der], ctx(), crypto)
    expect(await checkOcspAnswer(der, again!, crypto)).toMatchObject({ ok: false, code: 'ocsp-nonce-mismatch' })
  })

  it('asks nothing about a certificate whose chain is not trusted, though it names the same responder', async () => {
    expect(await ocspQuestions([stranger.der], ctx(), crypto)).toEqual([])
  })
})
