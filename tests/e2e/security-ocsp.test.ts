/**
 * OCSP in the reading pane (issue 11): mail signed (by `openssl cms -sign`) with
 * certificates of a CA made by `openssl ca` during the test, whose AIA names OpenSSL's own
 * responder (`openssl ocsp -port`, started here on a free port). Once the person trusts
 * the CA, opening the mail asks the responder through the bridge (POST /api/ocsp), and the
 * details view shows "Revocation (OCSP)" with the responder and times; the revoked signer
 * is shown revoked in the reading pane and the message list.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlf, textEntity } from '../interop/harness/eml'
import { freePort, startOcspResponder, type OcspResponder } from '../interop/harness/ocsp-responder'
import { makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../unit/core/pki/gen'
import { revokeFor } from '../unit/core/pki/ocsp-gen'
import { eventually, startHarness, type Harness } from './harness'
import { openInbox, summaryOf } from './smime-helpers'

let work: Workdir
let ca: TestCa
let responder: OcspResponder
let h: Harness

function signedMail(leaf: Issued, from: string, subject: string, text: string): Buffer {
  const input = work.path(`${subject.replace(/\W/g, '-')}.in`)
  writeFileSync(input, crlf(textEntity(text)))
  const smime = execFileSync('openssl', ['cms', '-sign', '-binary', '-in', input, '-signer', leaf.pemFile, '-inkey', leaf.keyFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  // Dated now: a fixed Date would add a re-dated-message warning to what this test looks at
  const head = [`From: ${from}`, 'To: alice@example.com', `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, `Message-ID: <${subject.replace(/\W/g, '')}@ocsp.test>`]
  return Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n'), crlf(smime)])
}

beforeAll(async () => {
  work = new Workdir()
  const port = await freePort()
  const aia = [`authorityInfoAccess = OCSP;URI:http://127.0.0.1:${port}/`]
  ca = makeRoot(work, 'OCSP E2E CA', 'rsa')
  const carol = makeLeaf(ca, { email: 'carol@example.com', extra: aia })
  const dave = makeLeaf(ca, { email: 'dave@example.com', extra: aia })
  revokeFor(ca, dave, 'keyCompromise')
  responder = await startOcspResponder({ port, index: join(ca.caDir, 'index.txt'), caPem: ca.pemFile, signerPem: ca.pemFile, signerKey: ca.keyFile, ndays: 1 })
  h = await startHarness({ allowPrivateRevocation: true })
  await h.append('alice@example.com', 'INBOX', [
    signedMail(carol, 'Carol <carol@example.com>', 'OCSP good', 'Signed by Carol, whose certificate is good.'),
    signedMail(dave, 'Dave <dave@example.com>', 'OCSP revoked', 'Signed by Dave, whose certificate was revoked.'),
  ])
})
afterAll(async () => {
  await h?.close()
  await responder?.stop()
  work?.dispose()
})

async function trustTestCa(page: Page): Promise<void> {
  await page.goto('/contacts')
  await page.getByRole('button', { name: 'Import certificates' }).click()
  await page.getByLabel('Certificate files').setInputFiles([ca.pemFile])
  const card = page.getByRole('article', { name: /Certificate .*OCSP E2E CA/ }).first()
  await card.getByRole('checkbox', { name: 'Trust for email' }).click()
  await page.getByRole('dialog', { name: 'Trust certificate' }).getByRole('button', { name: 'Trust', exact: true }).click()
  await eventually(() => card.getByRole('checkbox', { name: 'Trust for email' }).isChecked(), 'the CA trusted')
}

async function openMessage(page: Page, subject: string) {
  await page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: new RegExp(`, ${subject}, `) }).click()
  const summary = await summaryOf(page)
  await page.getByRole('region', { name: 'Message' }).getByRole('button', { name: 'Security details' }).click()
  const ocsp = page.getByRole('region', { name: 'Security details' }).getByTestId('revocation-ocsp')
  await ocsp.waitFor()
  return { summary, ocsp: (await ocsp.innerText()).replace(/\s+/g, ' ') }
}

describe('revocation by OCSP in the reading pane', () => {
  it('asks the CA’s responder through the bridge and shows good and revoked signers with the responder and times', async () => {
    const { context, page } = await h.signedIn('alice@example.com')
    const relayed: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/ocsp')) relayed.push(r.method())
    })
    await trustTestCa(page)
    await page.goto('/')
    await openInbox(page)

    const good = await openMessage(page, 'OCSP good')
    expect(good.summary.signature).toBe('valid')
    expect(good.ocsp).toMatch(/not revoked \(OCSP responder checked\)/)
    expect(good.ocsp).toMatch(/Responder: CN=OCSP E2E CA, O=Cachet Test \(the issuing CA itself\)/)
    expect(good.ocsp).toMatch(/current from .* until /)
    expect(good.ocsp).toMatch(/Asked for earlier on this page/)
    expect(await page.getByRole('region', { name: 'Security details' }).getByText('Revocation (CRL)').count()).toBe(0)
    await page.screenshot({ path: '/tmp/ocsp-details-good.png', fullPage: true })

    const revoked = await openMessage(page, 'OCSP revoked')
    expect(revoked.summary.signature).toBe('revoked')
    expect(revoked.ocsp).toMatch(/REVOKED on .*\(keyCompromise\)/)
    const item = page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /, OCSP revoked, / })
    expect(await item.getAttribute('aria-label')).toMatch(/security warning/)
    await page.screenshot({ path: '/tmp/ocsp-details-revoked.png', fullPage: true })
    expect(relayed.length).toBe(2)
    expect(relayed.every((m) => m === 'POST')).toBe(true)

    await context.close()
  })
})
