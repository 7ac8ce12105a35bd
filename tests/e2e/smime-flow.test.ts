/**
 * Issue 4 end to end in Chromium against the real mail stack: alice and bob import their
 * demo PFX (made by the mail stack's demo PKI, OpenSSL) and trust the demo CA; alice sends
 * signed mail (Encrypt → "Missing certificates" → "Send unencrypted"); bob sees
 * "verified", adds alice to Contacts, replies signed and encrypted; alice reads it with
 * both badges, adds bob, replies encrypted, and her Sent copy opens for her. A failed send
 * waits in the Outbox and Retry sends it. Every request body to the bridge is recorded:
 * none carries key material, a passphrase, a PFX password or the plaintext of an
 * encrypted message.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { eventually, startHarness, type Harness } from './harness'
import { assertNoSecrets, importPfx, openInbox, recordBodies, summaryOf, trustCa, type RecordedBody, type Secrets } from './smime-helpers'

const PFX_PASSWORD = 'pfx-e2e-7c1f'
const PASSPHRASE = { alice: 'alice key store phrase 31', bob: 'bob key store phrase 47' }
const SECRET_REPLY = 'The orchard key is under the third stone'
const SECRET_ALICE = 'Meet at the north gate at dawn'

let h: Harness
let dir: string
let pki: DemoPki
let alice: Page
let bob: Page
const requests: Request[] = []
const bodies: { alice: RecordedBody[]; bob: RecordedBody[] } = { alice: [], bob: [] }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-smime-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com', 'carol@example.com'], PFX_PASSWORD)
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The raw source of every message in a folder, over IMAP (bypassing the app). */
const sources = (email: string, mailbox: string): Promise<Buffer[]> => h.sources(email, mailbox)

const pfxOf = (who: 'alice' | 'bob') => pki.accounts.find((a) => a.email.startsWith(who))!.pfx

describe('S/MIME between alice and bob', () => {
  it('both import their demo PFX and trust the demo CA', async () => {
    alice = (await h.signedIn('alice@example.com')).page
    bob = (await h.signedIn('bob@example.com')).page
    for (const p of [alice, bob]) p.on('request', (r) => requests.push(r))
    bodies.alice = await recordBodies(alice)
    bodies.bob = await recordBodies(bob)
    await importPfx(alice, pfxOf('alice'), PFX_PASSWORD, PASSPHRASE.alice)
    await h.screenshot(alice, 'smime-01-security-identity')
    await importPfx(bob, pfxOf('bob'), PFX_PASSWORD, PASSPHRASE.bob)
    await trustCa(alice, pki.caCert, () => h.screenshot(alice, 'smime-02a-trust-dialog'))
    await h.screenshot(alice, 'smime-02-contacts-ca-trusted')
    await trustCa(bob, pki.caCert)
  })

  it('alice asks to encrypt for bob, gets "Missing certificates", sends signed unencrypted', async () => {
    await openInbox(alice)
    await alice.getByRole('button', { name: 'Compose' }).click()
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('Bob <bob@example.com>')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Signed hello')
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Hello Bob, this one is signed.')
    await dialog.getByRole('listitem', { name: 'bob@example.com: no certificate' }).waitFor()
    const sign = dialog.getByRole('checkbox', { name: 'Sign' })
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    expect(await encrypt.isChecked()).toBe(false) // bob has no certificate at alice yet
    await sign.check()
    await encrypt.check()
    await dialog.getByRole('button', { name: 'Send' }).click()
    const missing = alice.getByRole('dialog', { name: 'Missing certificates' })
    await missing.waitFor()
    expect(await missing.textContent()).toContain('bob@example.com')
    await h.screenshot(alice, 'smime-03-missing-certificates')
    // Nothing was sent while the dialog is open.
    expect(bodies.alice.filter((r) => r.url.includes('/api/send')).length).toBe(0)
    await missing.getByRole('button', { name: 'Cancel' }).click()
    await missing.waitFor({ state: 'detached' })
    expect(await dialog.isVisible()).toBe(true)
    // "Import certificate" goes to Contacts and keeps the draft.
    await dialog.getByRole('button', { name: 'Send' }).click()
    await missing.getByRole('button', { name: 'Import certificate' }).click()
    await alice.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor()
    await alice.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Mail' }).click()
    await dialog.waitFor()
    expect(await dialog.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe('Signed hello')
    expect(await dialog.getByRole('checkbox', { name: 'Sign' }).isChecked()).toBe(true)
    await dialog.getByRole('button', { name: 'Send' }).click()
    await missing.getByRole('button', { name: 'Send unencrypted' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
  })

  it('bob sees "verified", adds alice to Contacts', async () => {
    await openInbox(bob)
    const item = bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Signed hello/ })
    await item.waitFor({ timeout: 30_000 })
    expect(await item.getAttribute('aria-label')).toMatch(/signed/)
    await item.click()
    const s = await summaryOf(bob)
    expect(s).toMatchObject({ signature: 'valid', encryption: 'none' })
    expect(s.text).toContain('Signed by alice@example.com, verified')
    await bob.getByRole('region', { name: 'Message' }).getByText('Hello Bob, this one is signed.').waitFor()
    await bob.getByRole('button', { name: 'Security details' }).click()
    await bob.getByRole('region', { name: 'Security details' }).getByText('Cachet Demo CA').first().waitFor()
    await h.screenshot(bob, 'smime-04-read-verified-details')
    await bob.getByRole('button', { name: 'Add to contacts' }).click()
    await bob.getByRole('status').filter({ hasText: 'Added alice@example.com to Contacts' }).waitFor()
  })

  it('bob replies signed and encrypted (Encrypt on by default now that alice has a certificate)', async () => {
    await bob.getByRole('button', { name: 'Reply', exact: true }).click()
    const dialog = bob.getByRole('dialog', { name: 'Reply' })
    await dialog.getByRole('listitem', { name: 'alice@example.com: certificate available' }).waitFor()
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    await eventually(() => encrypt.isChecked(), 'Encrypt on by default')
    await dialog.getByRole('checkbox', { name: 'Sign' }).check()
    // This test finds the message by its subject in the list and over IMAP: sent with the subject readable (issue 13's Protect subject is on by default).
    await dialog.getByRole('checkbox', { name: 'Protect subject' }).uncheck()
    const body = dialog.getByRole('textbox', { name: 'Message' })
    await body.press('Control+Home')
    await body.pressSequentially(`${SECRET_REPLY}.`)
    await h.screenshot(bob, 'smime-05-compose-sign-encrypt')
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
  })

  it('alice reads the reply with both badges and adds bob', async () => {
    const item = alice.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Re: Signed hello/ })
    await item.waitFor({ timeout: 30_000 })
    expect(await item.getAttribute('aria-label')).toMatch(/encrypted/)
    await item.click()
    const s = await summaryOf(alice)
    expect(s).toMatchObject({ signature: 'valid', encryption: 'decrypted' })
    expect(s.text).toContain('Signed by bob@example.com, verified')
    expect(s.text).toMatch(/Encrypted with AES-256-GCM for you/)
    await alice.getByRole('region', { name: 'Message' }).getByText(SECRET_REPLY).waitFor()
    // After opening, the row shows what the engine found: encrypted AND signed.
    await eventually(async () => /encrypted, signed/.test((await item.getAttribute('aria-label')) ?? ''), 'row updated from the verdict')
    await h.screenshot(alice, 'smime-06-read-signed-encrypted')
    await alice.getByRole('button', { name: 'Add to contacts' }).click()
    await alice.getByRole('status').filter({ hasText: 'Added bob@example.com to Contacts' }).waitFor()
  })

  it('alice replies encrypted; her Sent copy is the same encrypted bytes and opens for her', async () => {
    await alice.getByRole('button', { name: 'Reply', exact: true }).click()
    const dialog = alice.getByRole('dialog', { name: 'Reply' })
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    await eventually(() => encrypt.isChecked(), 'Encrypt on for a reply to encrypted mail')
    // The quote is the text alice saw, as plain text.
    expect(await dialog.getByRole('textbox', { name: 'Message' }).inputValue()).toContain(`> ${SECRET_REPLY}`)
    const body = dialog.getByRole('textbox', { name: 'Message' })
    await body.press('Control+Home')
    await body.pressSequentially(SECRET_ALICE)
    await dialog.getByRole('checkbox', { name: 'Sign' }).check()
    // This test finds the message by its subject in the list and over IMAP: sent with the subject readable (issue 13's Protect subject is on by default).
    await dialog.getByRole('checkbox', { name: 'Protect subject' }).uncheck()
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
    await alice.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent' }).click()
    const sent = alice.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Re: Re: Signed hello|Re: Signed hello/ }).first()
    await sent.waitFor({ timeout: 30_000 })
    await sent.click()
    const s = await summaryOf(alice)
    expect(s).toMatchObject({ signature: 'valid', encryption: 'decrypted' })
    await alice.getByRole('region', { name: 'Message' }).getByText(SECRET_ALICE).waitFor()
    await h.screenshot(alice, 'smime-07-sent-copy')
    // Exactly the bytes the browser sealed and sent are in Sent.
    const sendBodies = bodies.alice.filter((r) => r.url.includes('/api/send')).map((r) => r.body)
    expect(sendBodies.length).toBe(2)
    const last = sendBodies[1]!
    expect(last.toString('latin1')).toMatch(/Content-Type: application\/pkcs7-mime; smime-type=(authEnveloped|enveloped)-data/i)
    expect((await sources('alice@example.com', 'Sent')).some((b) => b.equals(last))).toBe(true)
    // bob announced RSAES-OAEP in his signed reply, so alice's reply uses it.
    await alice.getByRole('button', { name: 'Security details' }).click()
    expect(await alice.getByRole('region', { name: 'Security details' }).textContent()).toMatch(/oaep/i)
  })

  it('a failed send waits in the Outbox and Retry sends it', async () => {
    await openInbox(bob)
    await bob.route('**/api/send**', (r) => r.abort('connectionrefused'))
    await bob.getByRole('button', { name: 'Compose' }).click()
    const dialog = bob.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('alice@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Outbox test')
    await dialog.getByRole('textbox', { name: 'Message' }).fill(SECRET_REPLY + ' (second time)')
    await dialog.getByRole('listitem', { name: 'alice@example.com: certificate available' }).waitFor()
    await eventually(() => dialog.getByRole('checkbox', { name: 'Encrypt' }).isChecked(), 'Encrypt default')
    // This test finds the message by its subject in the list and over IMAP: sent with the subject readable (issue 13's Protect subject is on by default).
    await dialog.getByRole('checkbox', { name: 'Protect subject' }).uncheck()
    await dialog.getByRole('button', { name: 'Send' }).click()
    const outbox = bob.getByRole('region', { name: 'Outbox' })
    await outbox.getByText('Outbox test').waitFor({ timeout: 60_000 })
    await h.screenshot(bob, 'smime-08-outbox')
    await bob.unroute('**/api/send**')
    await outbox.getByRole('button', { name: 'Retry' }).click()
    await outbox.waitFor({ state: 'detached', timeout: 30_000 })
    const item = alice.getByRole('list', { name: 'Messages' })
    await openInbox(alice)
    await item.getByRole('listitem', { name: /Outbox test/ }).waitFor({ timeout: 30_000 })
  })

  it('an encrypted draft is saved to Drafts encrypted and a local copy survives a reload', async () => {
    await bob.getByRole('button', { name: 'Compose' }).click()
    const dialog = bob.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('alice@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Draft in progress')
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Unfinished: the vault code is 4471')
    await dialog.getByRole('checkbox', { name: 'Encrypt' }).check()
    await dialog.getByRole('button', { name: 'Save draft' }).click()
    await dialog.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor({ timeout: 60_000 })
    const drafts = await sources('bob@example.com', 'Drafts')
    expect(drafts.length).toBe(1)
    expect(drafts[0]!.toString('latin1')).toMatch(/Content-Type: application\/pkcs7-mime/i)
    expect(drafts[0]!.includes(Buffer.from('vault code'))).toBe(false)
    await bob.reload()
    const local = bob.getByRole('region', { name: 'Outbox' })
    await local.getByText('Draft on this device (encrypted): Draft in progress').waitFor()
    await local.getByRole('button', { name: 'Open draft' }).click()
    const reopened = bob.getByRole('dialog', { name: 'Draft' })
    // After a reload the key store is locked again: the unlock prompt comes first.
    const prompt = bob.getByRole('dialog', { name: 'Unlock key store' })
    await eventually(async () => {
      if (await prompt.isVisible()) {
        await h.screenshot(bob, 'smime-09-unlock-prompt')
        await prompt.getByLabel('Key store passphrase').fill(PASSPHRASE.bob)
        await prompt.getByRole('button', { name: 'Unlock' }).click()
        await prompt.waitFor({ state: 'detached' })
      }
      return reopened.isVisible()
    }, 'the draft reopened', 60_000)
    expect(await reopened.getByRole('textbox', { name: 'Message' }).inputValue()).toContain('the vault code is 4471')
    expect(await reopened.getByRole('checkbox', { name: 'Encrypt' }).isChecked()).toBe(true)
    await reopened.getByRole('button', { name: 'Close' }).click()
  })

  it('Bcc recipients are encrypted for too: a Bcc without a certificate stops the send; with one, the message names three recipients', async () => {
    await openInbox(alice)
    await alice.getByRole('button', { name: 'Compose' }).click()
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
    await dialog.getByRole('textbox', { name: 'Bcc' }).fill('carol@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Bcc test')
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Blind copy, encrypted.')
    await dialog.getByRole('listitem', { name: 'carol@example.com: no certificate' }).waitFor()
    await dialog.getByRole('checkbox', { name: 'Encrypt' }).check()
    await dialog.getByRole('button', { name: 'Send' }).click()
    const missing = alice.getByRole('dialog', { name: 'Missing certificates' })
    await missing.waitFor()
    const named = (await missing.getByRole('listitem').allTextContents()).map((t) => t.trim())
    expect(named).toEqual(['carol@example.com'])
    await missing.getByRole('button', { name: 'Import certificate' }).click()
    await alice.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor()
    await alice.getByRole('button', { name: 'Import certificates' }).click()
    await alice.getByLabel('Certificate files').setInputFiles([pki.accounts.find((a) => a.email.startsWith('carol'))!.certPem])
    await alice.getByRole('region', { name: 'Contact carol@example.com' }).waitFor()
    await alice.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Mail' }).click()
    await dialog.getByRole('listitem', { name: 'carol@example.com: certificate available' }).waitFor()
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
    const sent = bodies.alice.filter((r) => r.url.includes('/api/send')).map((r) => r.body)
    const raw = sent[sent.length - 1]!
    expect(raw.includes(Buffer.from('carol'))).toBe(false) // Bcc is not in the bytes
    const printed = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'SMIME'], { input: raw }).toString()
    expect(printed.match(/d\.ktri:/g)?.length).toBe(3) // bob, carol (Bcc) and alice herself
  })

  it('sent no key material, passphrase, PFX password or encrypted plaintext to the bridge', () => {
    expect(requests.length).toBeGreaterThan(10)
    const secrets: Secrets = {
      strings: [PASSPHRASE.alice, PASSPHRASE.bob, PFX_PASSWORD, SECRET_REPLY, SECRET_ALICE, 'the vault code is 4471', '-----BEGIN'],
      files: pki.accounts.flatMap((a) => [a.pfx]),
      keys: pki.accounts.map((a) => a.keyPem),
    }
    const all = [...bodies.alice, ...bodies.bob]
    // The bodies that matter were seen: both sends, the append to Drafts, the sign-ins.
    expect(all.filter((b) => b.url.includes('/api/send') && b.body.length > 1000).length).toBeGreaterThanOrEqual(4)
    expect(all.filter((b) => b.url.includes('/api/') && /append/.test(b.url) && b.body.length > 500).length).toBeGreaterThanOrEqual(1)
    assertNoSecrets(requests, secrets, (pem) => execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']), all)
    expect(readFileSync(pfxOf('alice')).length).toBeGreaterThan(1000)
  })
})
