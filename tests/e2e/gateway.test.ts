/**
 * Issue 10, gateways, end to end in Chromium: alice accepts a domain certificate (issued by
 * the demo CA to gateway@partner.example) as "Mail gateway for partner.example" in
 * Contacts; compose then says mail to pat@partner.example, who has no certificate, is
 * "encrypted to the partner.example gateway", and the bytes it sends open with OpenSSL and
 * the gateway's key. Mail from pat@partner.example signed by that gateway certificate
 * (by `openssl cms -sign` during the test) shows the gateway badge: data-signature
 * "gateway", "Signed by the partner.example mail gateway, not by the person", never
 * valid nor a bare mismatch. X-MailID-Info-* fields a gateway wrote are listed in the
 * details as a server's unverified claims and change no badge.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki } from '../../src/mailstack/demo-pki'
import { eventually, startHarness, type Harness } from './harness'
import { importPfx, openInbox, recordBodies, summaryOf, trustCa, type RecordedBody } from './smime-helpers'

const SECRET = 'Gateway delivery: the crates leave on Tuesday'

let h: Harness
let alice: Page
let bodies: RecordedBody[] = []

beforeAll(async () => {
  h = await startHarness({ certificates: true })
  alice = (await h.signedIn('alice@example.com')).page
  bodies = await recordBodies(alice)
})
afterAll(async () => {
  await h?.close()
})

describe('mail gateway of a partner domain', () => {
  it('alice accepts the partner.example domain certificate as its mail gateway', async () => {
    const pki = h.mailstack.pki!
    await importPfx(alice, pki.accounts.find((a) => a.email === 'alice@example.com')!.pfx, 'demo', 'alice gateway key store 19')
    await trustCa(alice, pki.caCert)
    // The import panel stays open after the CA's import.
    const open = alice.getByRole('button', { name: 'Import certificates' })
    if (await open.count()) await open.click()
    await alice.getByLabel('Certificate files').setInputFiles([gateway().certPem])
    const card = alice.getByRole('article', { name: /Certificate .*gateway/ }).first()
    await card.waitFor()
    alice.once('dialog', (d) => void d.accept())
    await card.getByRole('button', { name: 'Mail gateway for partner.example' }).click()
    await card.getByTestId('gateway').filter({ hasText: 'Mail gateway for partner.example' }).waitFor()
    await card.scrollIntoViewIfNeeded()
    await h.screenshot(alice, 'gateway-01-contacts-accepted')
  })

  it('compose encrypts to the gateway for someone at partner.example without a certificate, and OpenSSL opens it with the gateway key', async () => {
    await openInbox(alice)
    await alice.getByRole('button', { name: 'Compose' }).click()
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('Pat <pat@partner.example>')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Crates')
    await dialog.getByRole('textbox', { name: 'Message' }).fill(SECRET)
    await dialog.getByRole('listitem', { name: 'pat@partner.example: encrypted to the partner.example gateway' }).waitFor()
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    if (!(await encrypt.isChecked())) await encrypt.check()
    await h.screenshot(alice, 'gateway-02-compose-encrypted-to-gateway')
    await dialog.getByRole('button', { name: 'Send' }).click()
    // The demo mail server delivers only locally: the send is refused and kept in the Outbox,
    // but what left the browser is what a gateway would get.
    // recordBodies fills a large body in after the request starts (a placeholder until then): wait for the bytes.
    const sent = (await eventually(() => bodies.find((r) => r.url.includes('/api/send') && r.body.toString('latin1') !== '\u0000unread'), 'the send request', 60_000))!
    const raw = sent.body.toString('latin1')
    expect(raw).toMatch(/Content-Type: application\/pkcs7-mime; smime-type=(authEnveloped|enveloped)-data/i)
    expect(raw).not.toContain(SECRET)
    const file = join(h.mailstack.pki!.dir, 'to-gateway.eml')
    writeFileSync(file, sent.body)
    const g = gateway()
    const opened = execFileSync('openssl', ['cms', '-decrypt', '-in', file, '-recip', g.certPem, '-inkey', g.keyPem]).toString('utf8')
    expect(opened).toContain(SECRET)
  })
})

describe('X-MailID-Info-* headers', () => {
  it('are shown in the details as claims of a server, not verified, and change no badge', async () => {
    const bob = h.mailstack.pki!.accounts.find((a) => a.email === 'bob@example.com')!
    const content = join(h.mailstack.pki!.dir, 'claims-content.txt')
    writeFileSync(content, 'Content-Type: text/plain; charset=utf-8\r\n\r\nSigned by bob, stamped by a gateway.\r\n')
    const signed = execFileSync('openssl', ['cms', '-sign', '-binary', '-in', content, '-signer', bob.certPem, '-inkey', bob.keyPem]).toString('latin1').replace(/\r?\n/g, '\r\n')
    const headers = [
      'From: bob@example.com',
      'To: alice@example.com',
      'Subject: Stamped by a gateway',
      `Date: ${new Date().toUTCString()}`,
      'Message-ID: <claims-1@example.com>',
      'X-MailID-Info-Signature: signature verified by gateway.example.com',
      'X-MailID-Info-Encryption: =?UTF-8?Q?decrypted_by_the_gateway?=',
    ]
    await h.append('alice@example.com', 'INBOX', headers.join('\r\n') + '\r\n' + signed)
    await openInbox(alice)
    await alice.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Stamped by a gateway/ }).click()
    const s = await summaryOf(alice)
    expect(s.signature).toBe('valid')
    expect(s.encryption).toBe('none')
    expect(s.text).not.toMatch(/gateway|decrypted/i)
    await alice.getByRole('button', { name: 'Security details' }).click()
    const details = alice.getByRole('region', { name: 'Security details' })
    await details.getByText('Added by a mail server (not verified)').waitFor()
    const claims = await details.getByTestId('server-claims').textContent()
    expect(claims).toContain('X-MailID-Info-Signature')
    expect(claims).toContain('signature verified by gateway.example.com')
    expect(claims).toContain('decrypted by the gateway')
    await details.getByTestId('server-claims').scrollIntoViewIfNeeded()
    await h.screenshot(alice, 'gateway-03-details-server-claims')
  })
})

describe('reading mail signed by the accepted gateway of partner.example', () => {
  it('shows the gateway badge, in the pane, the details and the list, never "verified"', async () => {
    const g = gateway()
    const content = join(h.mailstack.pki!.dir, 'gateway-signed-content.txt')
    writeFileSync(content, 'Content-Type: text/plain; charset=utf-8\r\n\r\nThe signed contract is on its way.\r\n')
    const signed = execFileSync('openssl', ['cms', '-sign', '-binary', '-in', content, '-signer', g.certPem, '-inkey', g.keyPem]).toString('latin1').replace(/\r?\n/g, '\r\n')
    const headers = ['From: Pat <pat@partner.example>', 'To: alice@example.com', 'Subject: Signed at the partner gateway', `Date: ${new Date().toUTCString()}`, 'Message-ID: <gateway-signed-1@partner.example>']
    await h.append('alice@example.com', 'INBOX', headers.join('\r\n') + '\r\n' + signed)
    await openInbox(alice)
    const row = alice.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Signed at the partner gateway/ })
    await row.click()
    const pane = alice.getByRole('region', { name: 'Message' })
    await pane.locator('[data-testid="security-summary"][data-signature="gateway"]').waitFor({ timeout: 60_000 })
    const s = await summaryOf(alice)
    expect(s.signature).toBe('gateway')
    expect(s.encryption).toBe('none')
    expect(s.text).toContain('Signed by the partner.example mail gateway, not by the person (pat@partner.example)')
    expect(s.text).not.toMatch(/verified|not the sender/)
    // The list row: signed by a mail gateway, not a security warning.
    await eventually(async () => /signed by a mail gateway/.test((await row.getAttribute('aria-label')) ?? ''), 'the row label')
    expect(await row.getAttribute('aria-label')).not.toMatch(/security warning/)
    await alice.getByRole('button', { name: 'Security details' }).click()
    const details = alice.getByRole('region', { name: 'Security details' })
    await expect(details.getByTestId('signer-gateway').textContent()).resolves.toContain('mail gateway for partner.example')
    await alice.screenshot({ path: '/tmp/gateway-reading-desktop.png' })
    await h.screenshot(alice, 'gateway-04-reading-gateway-signed')
    // On a phone (one pane at a time): the same message, opened afresh at that width.
    await alice.setViewportSize({ width: 390, height: 844 })
    await alice.reload()
    await pane.locator('[data-testid="security-summary"][data-signature="gateway"]').waitFor({ timeout: 60_000 })
    await alice.screenshot({ path: '/tmp/gateway-reading-phone.png' })
    await h.screenshot(alice, 'gateway-05-reading-gateway-signed-phone')
  })
})

/** The demo CA's certificate for partner.example's gateway (made once, next to the demo identities). */
function gateway() {
  return ensureDemoPki(h.mailstack.pki!.dir, ['gateway@partner.example']).accounts[0]!
}
