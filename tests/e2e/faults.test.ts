/**
 * Issue 11, "nothing lost, nothing sent twice", in Chromium against the real servers,
 * each stopped and started again inside the test:
 * - the SMTP service down: the message waits in the Outbox with the server's reason, and
 *   Retry sends it once the service is back;
 * - the SMTP service accepts while Dovecot is down (it queues, as a real MTA does): the
 *   Outbox says the message was sent but not saved in Sent, and Retry only appends the
 *   same bytes to Sent: the recipient has it once, Sent has it once;
 * - the bridge restarts (sessions in memory): the app says the session ended, the person
 *   signs in again, and the Outbox and the drafts kept on this device are intact; a send
 *   that was on its way when the bridge went down is in the Outbox too.
 * Dovecot restarting under a session is tests/unit/bridge/events.test.ts; a session that
 * survives a restart with REDIS_URL is tests/unit/bridge/session-redis.test.ts.
 */
import type { Page } from 'playwright-core'
import { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD } from '../../src/mailstack/index'
import { eventually, signIn, startHarness, type Harness } from './harness'

let h: Harness
let alice: Page
beforeAll(async () => {
  h = await startHarness({ queueWhileLmtpDown: true })
  alice = (await h.signedIn('alice@example.com')).page
})
afterAll(async () => h?.close())

/** The subjects in a folder, read over IMAP (bypassing the app and the bridge). */
async function subjects(email: string, mailbox: string): Promise<string[]> {
  const client = new ImapFlow({ host: '127.0.0.1', port: h.mailstack.imapPort, secure: false, auth: { user: email, pass: DEMO_PASSWORD }, logger: false })
  await client.connect()
  const out: string[] = []
  try {
    const lock = await client.getMailboxLock(mailbox)
    try {
      if ((client.mailbox && client.mailbox.exists) || 0) for await (const m of client.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '')
    } finally {
      lock.release()
    }
  } finally {
    await client.logout()
  }
  return out
}
const count = async (email: string, mailbox: string, subject: string) => (await subjects(email, mailbox)).filter((s) => s === subject).length

async function compose(page: Page, subject: string, send = true): Promise<void> {
  await page.getByRole('button', { name: 'Compose' }).click()
  const dialog = page.getByRole('dialog', { name: 'New message' })
  await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
  await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject)
  await dialog.getByRole('textbox', { name: 'Message' }).fill(`About ${subject}.`)
  if (send) await dialog.getByRole('button', { name: 'Send' }).click()
}

/** The Outbox entry of a message, by subject. */
const entry = (page: Page, subject: string) => page.getByRole('region', { name: 'Outbox' }).getByRole('alert').filter({ hasText: subject })

/** Desktop and phone screenshots of the page as it is now, for looking at by hand. */
async function screenshots(page: Page, name: string): Promise<void> {
  await h.screenshot(page, `${name}-desktop`)
  await page.setViewportSize({ width: 390, height: 844 })
  await h.screenshot(page, `${name}-phone`)
  await page.setViewportSize({ width: 1400, height: 860 })
}

describe('faults: nothing lost, nothing sent twice', () => {
  it('SMTP down: the message waits in the Outbox with the server’s reason, and Retry sends it once the server is back', async () => {
    await h.mailstack.smtp.stop()
    try {
      await compose(alice, 'While SMTP was down')
      const kept = entry(alice, 'While SMTP was down')
      await kept.waitFor({ timeout: 30_000 })
      expect(await kept.getAttribute('data-outbox-state')).toBe('unsent')
      expect(await kept.textContent()).toMatch(/Not sent:.*While SMTP was down to bob@example\.com — Sending failed: .*ECONNREFUSED.*\(1 attempt\)/)
      await screenshots(alice, 'faults-outbox-unsent')
      await kept.getByRole('button', { name: 'Retry' }).click()
      await eventually(async () => /\(2 attempts\)/.test((await kept.textContent()) ?? ''), 'the second failed attempt')
    } finally {
      await h.mailstack.smtp.start()
    }
    await entry(alice, 'While SMTP was down').getByRole('button', { name: 'Retry' }).click()
    await entry(alice, 'While SMTP was down').waitFor({ state: 'detached', timeout: 30_000 })
    await eventually(async () => (await count('bob@example.com', 'INBOX', 'While SMTP was down')) === 1, 'delivery to bob')
    expect(await count('alice@example.com', 'Sent', 'While SMTP was down')).toBe(1)
  })

  it('SMTP accepts while the mail server is down: the Outbox says it was sent but not saved in Sent, and Retry only saves the copy', async () => {
    await h.mailstack.dovecot.stop()
    try {
      await compose(alice, 'While IMAP was down')
      const kept = entry(alice, 'While IMAP was down')
      await kept.waitFor({ timeout: 30_000 })
      expect(await kept.getAttribute('data-outbox-state')).toBe('copy-missing')
      expect(await kept.textContent()).toMatch(/Sent, but not saved in Sent:.*While IMAP was down — The mail server cannot be reached.*Retry saves the copy\./)
      expect(h.mailstack.smtp.queued()).toBe(1)
      await screenshots(alice, 'faults-outbox-copy-missing')
    } finally {
      await h.mailstack.dovecot.start()
    }
    // The SMTP service delivers its queue once Dovecot is back: bob has it, once.
    await eventually(async () => (await count('bob@example.com', 'INBOX', 'While IMAP was down')) === 1, 'the queued delivery to bob', 30_000)
    expect(await count('alice@example.com', 'Sent', 'While IMAP was down')).toBe(0)
    await entry(alice, 'While IMAP was down').getByRole('button', { name: 'Retry' }).click()
    await entry(alice, 'While IMAP was down').waitFor({ state: 'detached', timeout: 30_000 })
    expect(await count('alice@example.com', 'Sent', 'While IMAP was down')).toBe(1)
    // Retry did not send it again.
    expect(h.mailstack.smtp.queued()).toBe(0)
    expect(await count('bob@example.com', 'INBOX', 'While IMAP was down')).toBe(1)
  })

  it('the bridge restarts: the app says the session ended, and after signing in again the Outbox and the drafts on this device are intact', async () => {
    // Something in the Outbox, and a draft on this device.
    await h.mailstack.smtp.stop()
    try {
      await compose(alice, 'Waiting across a restart')
      await entry(alice, 'Waiting across a restart').waitFor({ timeout: 30_000 })
    } finally {
      await h.mailstack.smtp.start()
    }
    await compose(alice, 'Draft across a restart', false)
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('button', { name: 'Save draft' }).click()
    await dialog.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor({ timeout: 30_000 })
    await dialog.getByRole('button', { name: 'Close' }).click()
    const outbox = alice.getByRole('region', { name: 'Outbox' })
    await outbox.getByText('Draft on this device: Draft across a restart').waitFor()

    // A send on its way when the bridge goes down: held in the browser until the new
    // bridge is up, which then answers it (401: that session is gone).
    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    await alice.route('**/api/send**', async (route) => {
      await held
      await route.continue().catch(() => {})
    })
    await compose(alice, 'On its way during the restart')
    await h.restartBridge()
    release()

    await alice.waitForURL(/\/signin/, { timeout: 30_000 })
    await alice.getByText('Your session has ended. Sign in again.').waitFor()
    await alice.unroute('**/api/send**')
    await signIn(alice, 'alice@example.com')
    await outbox.waitFor()
    expect(await entry(alice, 'Waiting across a restart').getAttribute('data-outbox-state')).toBe('unsent')
    await outbox.getByText('Draft on this device: Draft across a restart').waitFor()
    const interrupted = entry(alice, 'On its way during the restart')
    await interrupted.waitFor()
    expect(await interrupted.getAttribute('data-outbox-state')).toBe('sending')
    expect(await interrupted.textContent()).toMatch(/Sending was interrupted:.*On its way during the restart to bob@example\.com — it may not have gone out\. Check Sent, then Retry\./)
    await screenshots(alice, 'faults-outbox-after-restart')
    expect(await count('bob@example.com', 'INBOX', 'On its way during the restart')).toBe(0)
    // Both go out with Retry on the new bridge.
    await interrupted.getByRole('button', { name: 'Retry' }).click()
    await interrupted.waitFor({ state: 'detached', timeout: 30_000 })
    await entry(alice, 'Waiting across a restart').getByRole('button', { name: 'Retry' }).click()
    await entry(alice, 'Waiting across a restart').waitFor({ state: 'detached', timeout: 30_000 })
    await eventually(async () => (await count('bob@example.com', 'INBOX', 'On its way during the restart')) === 1, 'delivery to bob')
    expect(await count('bob@example.com', 'INBOX', 'Waiting across a restart')).toBe(1)
  })

  it('another tab of the same account does not offer Retry for a message this tab is sending (nothing sent twice)', async () => {
    await compose(alice, 'Draft beside the second tab', false)
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('button', { name: 'Save draft' }).click()
    await dialog.getByRole('status').filter({ hasText: 'Draft saved.' }).waitFor({ timeout: 30_000 })
    await dialog.getByRole('button', { name: 'Close' }).click()

    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    let requested = () => {}
    const sending = new Promise<void>((r) => (requested = r))
    let continued: Promise<void> = Promise.resolve()
    await alice.route('**/api/send**', (route) => {
      requested()
      continued = held.then(() => route.continue())
      return continued
    })
    await compose(alice, 'Sent from one tab')
    await sending // written to the Outbox ahead, and on its way
    const second = await alice.context().newPage()
    await second.goto('/')
    const outbox = second.getByRole('region', { name: 'Outbox' })
    await outbox.getByText('Draft on this device: Draft beside the second tab').waitFor({ timeout: 30_000 })
    expect(await entry(second, 'Sent from one tab').count()).toBe(0)
    release()
    // The held request goes on before the route is removed (else both would handle it).
    await continued
    await alice.unroute('**/api/send**')
    await eventually(async () => (await count('bob@example.com', 'INBOX', 'Sent from one tab')) === 1, 'delivery to bob')
    await second.reload()
    await second.getByRole('region', { name: 'Outbox' }).getByText('Draft on this device: Draft beside the second tab').waitFor({ timeout: 30_000 })
    expect(await entry(second, 'Sent from one tab').count()).toBe(0)
    expect(await entry(alice, 'Sent from one tab').count()).toBe(0)
    await second.close()
  })
})
