/**
 * Issue 10 end to end in Chromium: the demo organisation policy loaded by the bridge.
 * Security lists the rules; a "[secure]" subject locks Encrypt on and the message arrives
 * encrypted; a plaintext "[secure]" message posted straight to the bridge gets 422 and
 * never arrives; a required encryption to a recipient without a certificate blocks Send,
 * naming the rule and the recipient, and nothing is sent.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadPolicyFile } from '../../src/bridge/policy/load'
import { DEMO_PASSWORD } from '../../src/mailstack/index'
import { eventually, ROOT, startHarness, type Harness } from './harness'
import { importPfx, openInbox, recordBodies, trustCa, type RecordedBody } from './smime-helpers'

const PASSPHRASE = 'alice policy key store 83'
const SECRET = 'The quarterly numbers are 41 and 17'

let h: Harness
let alice: Page
let bodies: RecordedBody[] = []

beforeAll(async () => {
  h = await startHarness({ certificates: true, policy: loadPolicyFile(join(ROOT, 'src/mailstack/demo-policy.yaml')) })
  alice = (await h.signedIn('alice@example.com')).page
  bodies = await recordBodies(alice)
  alice.on('pageerror', (e) => console.log('PAGEERROR', e.message))
})
afterAll(async () => {
  await h?.close()
})

/** The raw source of every message in bob's INBOX, over IMAP (bypassing the app). */
async function bobInbox(): Promise<string[]> {
  const client = new ImapFlow({ host: '127.0.0.1', port: h.mailstack.imapPort, secure: false, auth: { user: 'bob@example.com', pass: DEMO_PASSWORD }, logger: false })
  await client.connect()
  const out: string[] = []
  try {
    const lock = await client.getMailboxLock('INBOX')
    try {
      if ((client.mailbox && typeof client.mailbox === 'object' ? client.mailbox.exists : 0) > 0) {
        for await (const m of client.fetch('1:*', { source: true })) if (m.source) out.push(m.source.toString('latin1'))
      }
    } finally {
      lock.release()
    }
  } finally {
    await client.logout()
  }
  return out
}

async function compose(to: string, subject: string) {
  await openInbox(alice)
  await alice.getByRole('button', { name: 'Compose' }).click()
  const dialog = alice.getByRole('dialog', { name: 'New message' })
  await dialog.getByRole('textbox', { name: 'To' }).fill(to)
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject)
  return dialog
}

describe('organisation policy', () => {
  it('Security lists the rules in words, read-only', async () => {
    const pki = h.mailstack.pki!
    await importPfx(alice, pki.accounts.find((a) => a.email === 'alice@example.com')!.pfx, 'demo', PASSPHRASE)
    const section = alice.getByRole('region', { name: 'Organisation policy' })
    await section.getByText('Secure subject').waitFor()
    expect(await section.textContent()).toContain('When the subject contains “[secure]” (any case): it must be encrypted.')
    expect(await section.textContent()).toContain('When any recipient is at example.org: sign it.')
    expect(await section.getByRole('checkbox').count()).toBe(0)
    expect(await section.getByRole('button').count()).toBe(0)
    await section.scrollIntoViewIfNeeded()
    await h.screenshot(alice, 'policy-01-security-organisation-policy')
    await trustCa(alice, pki.caCert)
  })

  it('a "[secure]" subject locks Encrypt on, and the message arrives encrypted', async () => {
    const dialog = await compose('Bob <bob@example.com>', 'Quarterly [Secure] numbers')
    await dialog.getByRole('textbox', { name: 'Message' }).fill(SECRET)
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    await eventually(async () => (await encrypt.isChecked()) && (await encrypt.isDisabled()), 'Encrypt checked and locked')
    await dialog.getByText('Required by policy: Secure subject').waitFor()
    await dialog.getByRole('listitem', { name: /bob@example.com: certificate/ }).waitFor()
    await h.screenshot(alice, 'policy-02-compose-encrypt-locked')
    // Removing the marker from the subject unlocks it again.
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Quarterly numbers')
    await eventually(async () => !(await encrypt.isDisabled()), 'Encrypt unlocked')
    expect(await dialog.getByText('Required by policy: Secure subject').count()).toBe(0)
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Quarterly [Secure] numbers')
    await eventually(() => encrypt.isDisabled(), 'Encrypt locked again')
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
    const sent = bodies.filter((r) => r.url.includes('/api/send'))
    expect(sent.length).toBe(1)
    expect(sent[0]!.body.toString('latin1')).toMatch(/Content-Type: application\/pkcs7-mime; smime-type=(authEnveloped|enveloped)-data/i)
    expect(sent[0]!.body.toString('latin1')).not.toContain(SECRET)
    const arrived = await eventually(async () => (await bobInbox()).find((m) => /pkcs7-mime/i.test(m)), 'the encrypted message in bob\'s INBOX', 30_000)
    expect(arrived).toMatch(/smime-type=(authEnveloped|enveloped)-data/i)
    expect(arrived).not.toContain(SECRET)
  })

  it('a plaintext "[secure]" message posted straight to the bridge gets 422 and never arrives', async () => {
    const before = (await bobInbox()).length
    const res = await alice.evaluate(async () => {
      const { csrfToken } = (await (await fetch('/api/session')).json()) as { csrfToken: string }
      const raw = ['From: alice@example.com', 'To: bob@example.com', 'Subject: =?UTF-8?Q?=5BSECURE=5D_bypass?=', 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'In clear.', ''].join('\r\n')
      const r = await fetch('/api/send', { method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-csrf-token': csrfToken }, body: raw })
      return { status: r.status, body: (await r.json()) as { code: string; message: string } }
    })
    expect(res.status).toBe(422)
    expect(res.body.code).toBe('policy_requires_encryption')
    expect(res.body.message).toContain('Secure subject')
    await new Promise((r) => setTimeout(r, 1500))
    const after = await bobInbox()
    expect(after.length).toBe(before)
    expect(after.some((m) => m.includes('In clear.'))).toBe(false)
  })

  it('a required encryption to a recipient without a certificate blocks Send, naming the rule and the recipient', async () => {
    const sendsBefore = bodies.filter((r) => r.url.includes('/api/send')).length
    const dialog = await compose('bob@example.com, nobody@example.com', '[secure] merger')
    await dialog.getByRole('listitem', { name: 'nobody@example.com: no certificate' }).waitFor()
    const alert = dialog.getByRole('alert').filter({ hasText: 'Required by policy: Secure subject' })
    await alert.waitFor()
    expect(await alert.textContent()).toContain('nobody@example.com')
    expect(await alert.textContent()).not.toContain('bob@example.com')
    const send = dialog.getByRole('button', { name: 'Send' })
    expect(await send.isDisabled()).toBe(true)
    await dialog.getByRole('textbox', { name: 'Message' }).press('Control+Enter')
    await h.screenshot(alice, 'policy-03-compose-blocked')
    expect(await alice.getByRole('button', { name: 'Send unencrypted' }).count()).toBe(0)
    expect(bodies.filter((r) => r.url.includes('/api/send')).length).toBe(sendsBefore)
    // Dropping the recipient lifts the block.
    await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
    await eventually(async () => !(await send.isDisabled()), 'Send enabled again')
    await dialog.getByRole('button', { name: 'Close' }).click()
  })

  it('a "sign" rule turns Sign on for a partner at example.org, and the user may turn it off', async () => {
    const dialog = await compose('Quentin <quentin@example.org>', 'Catalogue')
    const sign = dialog.getByRole('checkbox', { name: 'Sign' })
    await eventually(() => sign.isChecked(), 'Sign turned on by Partners sign')
    await dialog.getByText('Turned on by policy: Partners sign').waitFor()
    expect(await sign.isDisabled()).toBe(false)
    await sign.uncheck()
    expect(await sign.isChecked()).toBe(false)
    await dialog.getByRole('button', { name: 'Close' }).click()
  })

  it('a personal rule adds a requirement on top of the organisation\'s (Sign locked for mail to the board)', async () => {
    await alice.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
    const section = alice.getByRole('region', { name: 'Your rules' })
    await section.getByLabel('Rule name').fill('Board signs')
    await section.getByLabel('When', { exact: true }).selectOption('recipientAddresses')
    await section.getByLabel('Text, pattern, domains or addresses').fill('bob@example.com')
    await section.getByLabel('Then', { exact: true }).selectOption('requireSignature')
    await section.getByRole('button', { name: 'Add rule' }).click()
    await section.getByText('When any recipient is bob@example.com: it must be signed.').waitFor()
    // The organisation's names are taken.
    await section.getByLabel('Rule name').fill('Secure subject')
    await section.getByLabel('Text, pattern, domains or addresses').fill('carol@example.com')
    await section.getByRole('button', { name: 'Add rule' }).click()
    await section.getByRole('alert').filter({ hasText: 'already has a rule named' }).waitFor()
    await section.scrollIntoViewIfNeeded()
    await h.screenshot(alice, 'policy-04-security-your-rules')
    const dialog = await compose('bob@example.com', '[secure] board pack')
    const sign = dialog.getByRole('checkbox', { name: 'Sign' })
    await eventually(async () => (await sign.isChecked()) && (await sign.isDisabled()), 'Sign checked and locked')
    await dialog.getByText('Required by policy: Board signs').waitFor()
    await dialog.getByText('Required by policy: Secure subject').waitFor()
    expect(await dialog.getByRole('checkbox', { name: 'Encrypt' }).isDisabled()).toBe(true)
    await dialog.getByRole('button', { name: 'Close' }).click()
  })
})
