/**
 * Issue 13, header protection (RFC 9788) end to end in Chromium against the real mail
 * stack: alice sends signed and encrypted mail with "Protect subject" on (its default);
 * the copies the IMAP server stores (bob's Inbox, alice's Sent) read `Subject: [...]` and
 * neither the subject nor the text; bob opens it and sees the real subject, without the
 * legacy display in the text, and the summary and details say the subject was protected;
 * bob's reply starts from the protected subject and is header-protected itself.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { eventually, startHarness, type Harness } from './harness'
import { importPfx, openInbox, summaryOf, trustCa } from './smime-helpers'

const PFX_PASSWORD = 'pfx-e2e-hp-3b9'
const PASSPHRASE = { alice: 'alice hp phrase 52', bob: 'bob hp phrase 17' }
const SUBJECT = 'Oncology referral for Mrs Keller'
const TEXT = 'The scan on Monday showed nothing new; the referral stands.'

let h: Harness
let dir: string
let pki: DemoPki
let alice: Page
let bob: Page

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-hp-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com'], PFX_PASSWORD)
  h = await startHarness()
}, 120_000)
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The raw source of every message in a folder, over IMAP (bypassing the app). */
const sources = (email: string, mailbox: string): Promise<Buffer[]> => h.sources(email, mailbox)

const account = (who: 'alice' | 'bob') => pki.accounts.find((a) => a.email.startsWith(who))!
const headerOf = (b: Buffer) => b.toString('latin1', 0, b.indexOf('\r\n\r\n'))

/** Sign in, import the PFX, trust the demo CA, and add the other person's certificate to Contacts. */
async function setUp(who: 'alice' | 'bob', other: 'alice' | 'bob'): Promise<Page> {
  const { page } = await h.signedIn(`${who}@example.com`)
  await importPfx(page, account(who).pfx, PFX_PASSWORD, PASSPHRASE[who])
  await trustCa(page, pki.caCert)
  const importButton = page.getByRole('button', { name: 'Import certificates' })
  if (await importButton.isVisible()) await importButton.click()
  await page.getByLabel('Certificate files').setInputFiles([account(other).certPem])
  await page.getByRole('region', { name: `Contact ${other}@example.com` }).waitFor()
  return page
}

describe('header protection (RFC 9788)', () => {
  it('alice sends signed and encrypted with "Protect subject" on, as it is by default', async () => {
    alice = await setUp('alice', 'bob')
    bob = await setUp('bob', 'alice')
    // The Security setting behind the default, on out of the box.
    await alice.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Security' }).click()
    const setting = alice.getByRole('checkbox', { name: /Protect the subject of encrypted mail/ })
    expect(await setting.isChecked()).toBe(true)
    await setting.scrollIntoViewIfNeeded()
    await alice.screenshot({ path: '/tmp/hp-setting-desktop.png' })
    await openInbox(alice)
    await alice.getByRole('button', { name: 'Compose' }).click()
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill(SUBJECT)
    await dialog.getByRole('textbox', { name: 'Message' }).fill(TEXT)
    await dialog.getByRole('listitem', { name: 'bob@example.com: certificate available' }).waitFor()
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    await eventually(() => encrypt.isChecked(), 'Encrypt on by default: bob has a certificate')
    const protect = dialog.getByRole('checkbox', { name: 'Protect subject' })
    expect(await protect.isChecked()).toBe(true)
    await dialog.getByRole('checkbox', { name: 'Sign' }).check()
    await alice.screenshot({ path: '/tmp/hp-compose-desktop.png' })
    expect(await alice.getByRole('checkbox', { name: 'Protect subject' }).count()).toBe(1)
    // Only offered with Encrypt: signed-only mail hides nothing.
    await encrypt.uncheck()
    expect(await protect.count()).toBe(0)
    await encrypt.check()
    expect(await protect.isChecked()).toBe(true)
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
  })

  it('the server holds "[...]" as the subject, and neither the subject nor the text, in bob’s Inbox and alice’s Sent', async () => {
    const inbox = await eventually(async () => ((await sources('bob@example.com', 'INBOX')).length ? await sources('bob@example.com', 'INBOX') : null), 'the message in bob’s Inbox', 60_000)
    const sent = await sources('alice@example.com', 'Sent')
    expect(inbox!.length).toBe(1)
    expect(sent.length).toBe(1)
    for (const raw of [inbox![0]!, sent[0]!]) {
      expect(headerOf(raw)).toMatch(/^Subject: \[\.\.\.\]$/m)
      expect(headerOf(raw)).toMatch(/^Content-Type: application\/pkcs7-mime; smime-type=(authEnveloped|enveloped)-data/im)
      const text = raw.toString('latin1')
      for (const word of ['Oncology', 'Keller', 'referral', 'scan on Monday']) expect(text).not.toContain(word)
    }
  })

  it('bob opens it and sees the real subject; the summary and details say it was protected', async () => {
    await openInbox(bob)
    const item = bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Encrypted message/ })
    await item.waitFor({ timeout: 30_000 })
    await item.click()
    const s = await summaryOf(bob)
    expect(s).toMatchObject({ signature: 'valid', encryption: 'decrypted' })
    expect(s.text).toContain('Subject protected: the server saw only “[...]”')
    const message = bob.getByRole('region', { name: 'Message' })
    await message.getByRole('heading', { name: SUBJECT }).waitFor()
    await message.getByText(TEXT).waitFor()
    // The legacy display element is for other clients: not shown as body text here.
    expect(await message.getByText(`Subject: ${SUBJECT}`).count()).toBe(0)
    await bob.getByRole('button', { name: 'Security details' }).click()
    const details = bob.getByRole('region', { name: 'Security details' })
    await details.getByRole('heading', { name: 'Protected header fields' }).waitFor()
    // User-Agent travels only inside (as every non-delivery field has since issue 6): hidden too.
    expect(await details.getByTestId('protected-hidden').textContent()).toBe('Subject, User-Agent')
    expect(await details.getByTestId('protected-outer').textContent()).toContain('Subject: [...]')
    expect(await details.getByTestId('protected-fields').textContent()).toContain('From, To, Subject')
    await bob.screenshot({ path: '/tmp/hp-read-desktop.png' })
    await details.getByRole('heading', { name: 'Protected header fields' }).scrollIntoViewIfNeeded()
    await bob.screenshot({ path: '/tmp/hp-details-desktop.png' })
  })

  it('on a phone, bob sees the real subject too', async () => {
    const { page: phone } = await h.signedIn('bob@example.com', { phone: true })
    // Set up at desktop size (the settings are behind the menu on a phone), then read as a phone does.
    await phone.setViewportSize({ width: 1400, height: 860 })
    await importPfx(phone, account('bob').pfx, PFX_PASSWORD, PASSPHRASE.bob)
    await trustCa(phone, pki.caCert)
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto('/mail/INBOX')
    await phone.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Encrypted message/ }).click()
    const prompt = phone.getByRole('dialog', { name: 'Unlock key store' })
    const heading = phone.getByRole('region', { name: 'Message' }).getByRole('heading', { name: SUBJECT })
    await eventually(async () => {
      if (await prompt.isVisible()) {
        await prompt.getByLabel('Key store passphrase').fill(PASSPHRASE.bob)
        await prompt.getByRole('button', { name: 'Unlock' }).click()
        await prompt.waitFor({ state: 'detached' })
      }
      return heading.isVisible()
    }, 'the message decrypted on the phone', 60_000)
    expect((await summaryOf(phone)).text).toContain('Subject protected')
    await phone.screenshot({ path: '/tmp/hp-read-phone.png' })
    // Compose on a phone: "Protect subject" comes with Encrypt.
    await phone.getByRole('button', { name: 'Reply', exact: true }).click()
    const reply = phone.getByRole('dialog', { name: 'Reply' })
    await eventually(() => reply.getByRole('checkbox', { name: 'Encrypt' }).isChecked(), 'Encrypt on for a reply to encrypted mail')
    expect(await reply.getByRole('checkbox', { name: 'Protect subject' }).isChecked()).toBe(true)
    await phone.screenshot({ path: '/tmp/hp-compose-phone.png' })
    await phone.context().close()
  })

  it('bob’s reply uses the protected subject and is header-protected itself', async () => {
    await bob.getByRole('button', { name: 'Reply', exact: true }).click()
    const dialog = bob.getByRole('dialog', { name: 'Reply' })
    expect(await dialog.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe(`Re: ${SUBJECT}`)
    await eventually(() => dialog.getByRole('checkbox', { name: 'Encrypt' }).isChecked(), 'Encrypt on for a reply to encrypted mail')
    expect(await dialog.getByRole('checkbox', { name: 'Protect subject' }).isChecked()).toBe(true)
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
    const inbox = await eventually(async () => {
      const all = await sources('alice@example.com', 'INBOX')
      return all.length ? all : null
    }, 'the reply in alice’s Inbox', 60_000)
    expect(headerOf(inbox![0]!)).toMatch(/^Subject: \[\.\.\.\]$/m)
    expect(inbox![0]!.toString('latin1')).not.toContain('Oncology')
    // The list alice has open was loaded before the reply arrived: another folder and back loads it again.
    await alice.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent' }).click()
    await openInbox(alice)
    await alice.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Encrypted message/ }).click()
    await alice.getByRole('region', { name: 'Message' }).getByRole('heading', { name: `Re: ${SUBJECT}` }).waitFor({ timeout: 60_000 })
  })
})
