/**
 * The everyday path of issue 2, two people, two browser contexts, one real mail stack:
 * alice sends to bob with an attachment; bob sees it arrive without reloading, opens it,
 * downloads the attachment (same bytes) and replies; alice sees the reply and her own
 * message in Sent. Also: save a draft and reopen it.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlf, eventually, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

// Binary bytes with every value, so any transfer-encoding mistake changes them.
const attachment = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff))
const subject = `Quarterly report ${Date.now()}`

describe('mail between two people', () => {
  it('alice sends with an attachment; bob gets it live, downloads it, replies; alice sees reply and Sent', async () => {
    const alice = await h.signedIn('alice@example.com')
    const bob = await h.signedIn('bob@example.com')
    const bobList = bob.page.getByRole('list', { name: 'Messages' })
    await bobList.waitFor({ state: 'attached' })
    const bobUrlBefore = bob.page.url()

    // alice composes
    await alice.page.getByRole('button', { name: 'Compose' }).click()
    const dialog = alice.page.getByRole('dialog')
    await dialog.getByRole('textbox', { name: 'To' }).fill('Bob <bob@example.com>')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill(subject)
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Hi Bob,\n\nthe numbers are attached. Grüße!\n\nAlice')
    await dialog.getByLabel('Attach files').setInputFiles({ name: 'report-Q3.bin', mimeType: 'application/octet-stream', buffer: attachment })
    await dialog.getByText('report-Q3.bin').waitFor()
    await eventually(async () => (await dialog.locator('progress').count()) === 0, 'attachment read')
    await h.screenshot(alice.page, '05-compose')
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached' })

    // bob sees it arrive without reloading
    const item = bobList.getByRole('listitem', { name: new RegExp(`alice@example\\.com.*${subject}`) })
    await item.waitFor({ timeout: 30_000 })
    expect(bob.page.url()).toBe(bobUrlBefore)
    expect(await item.getAttribute('aria-label')).toMatch(/unread/)
    expect(await item.getAttribute('aria-label')).toMatch(/has attachments/)
    await eventually(
      async () => (await bob.page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Inbox' }).textContent())?.includes('1'),
      'unread count on Inbox',
    )
    await h.screenshot(bob.page, '04-inbox')

    // bob opens it
    await item.click()
    const msg = bob.page.getByRole('region', { name: 'Message' })
    await msg.getByRole('heading', { name: subject }).waitFor()
    expect(await msg.textContent()).toContain('the numbers are attached. Grüße!')
    expect(await msg.textContent()).toContain('alice@example.com')
    expect(await msg.textContent()).toContain('bob@example.com')
    await eventually(async () => !(await item.getAttribute('aria-label'))?.includes('unread'), 'message marked read')
    await h.screenshot(bob.page, '06-open-message')

    // downloads the attachment: same bytes
    const [download] = await Promise.all([bob.page.waitForEvent('download'), msg.getByRole('link', { name: 'Download report-Q3.bin' }).click()])
    expect(download.suggestedFilename()).toBe('report-Q3.bin')
    const path = await download.path()
    expect(Buffer.compare(readFileSync(path), attachment)).toBe(0)

    // replies
    await msg.getByRole('button', { name: 'Reply', exact: true }).click()
    const reply = bob.page.getByRole('dialog')
    expect(await reply.getByRole('textbox', { name: 'To' }).inputValue()).toContain('alice@example.com')
    expect(await reply.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe(`Re: ${subject}`)
    const quoted = await reply.getByRole('textbox', { name: 'Message' }).inputValue()
    expect(quoted).toMatch(/On .+, alice@example\.com wrote:\n> Hi Bob,\n>\n> the numbers are attached\. Grüße!/)
    await reply.getByRole('textbox', { name: 'Message' }).press('Control+Home')
    await reply.getByRole('textbox', { name: 'Message' }).pressSequentially('Thanks, got it.')
    await h.screenshot(bob.page, '07-reply')
    await reply.getByRole('button', { name: 'Send' }).click()
    await reply.waitFor({ state: 'detached' })

    // alice sees the reply arrive and opens it
    const aliceItem = alice.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: new RegExp(`bob@example\\.com.*Re: ${subject}`) })
    await aliceItem.waitFor({ timeout: 30_000 })
    await aliceItem.click()
    const aliceMsg = alice.page.getByRole('region', { name: 'Message' })
    await aliceMsg.getByRole('heading', { name: `Re: ${subject}` }).waitFor()
    expect(await aliceMsg.textContent()).toContain('Thanks, got it.')
    expect(await aliceMsg.textContent()).toContain('> the numbers are attached')

    // and her own message in Sent
    await alice.page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent' }).click()
    const sentItem = alice.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: new RegExp(subject) })
    await sentItem.waitFor()
    await sentItem.click()
    await aliceMsg.getByRole('heading', { name: subject, exact: true }).waitFor()
    expect(await aliceMsg.getByRole('link', { name: 'Download report-Q3.bin' }).count()).toBe(1)
    await h.screenshot(alice.page, '08-sent')
  })

  it('saves a draft and reopens it from Drafts into compose', async () => {
    const { page } = await h.signedIn('carol@example.com')
    await page.getByRole('button', { name: 'Compose' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('textbox', { name: 'To' }).fill('dave@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Draft: plans')
    await dialog.getByRole('textbox', { name: 'Message' }).fill('Unfinished thoughts')
    await dialog.getByRole('button', { name: 'Save draft' }).click()
    await dialog.getByText('Draft saved.').waitFor()
    await dialog.getByRole('button', { name: 'Close' }).click()

    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Drafts' }).click()
    const item = page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Draft: plans/ })
    await item.click()
    await page.getByRole('region', { name: 'Message' }).getByRole('button', { name: 'Edit draft' }).click()
    const reopened = page.getByRole('dialog')
    expect(await reopened.getByRole('textbox', { name: 'To' }).inputValue()).toBe('dave@example.com')
    expect(await reopened.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe('Draft: plans')
    expect(await reopened.getByRole('textbox', { name: 'Message' }).inputValue()).toContain('Unfinished thoughts')

    // Sending the draft removes it from Drafts.
    await reopened.getByRole('button', { name: 'Send' }).click()
    await reopened.waitFor({ state: 'detached' })
    await eventually(async () => (await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').count()) === 0, 'draft removed after send')
  })

  it('keeps a failed send in the compose window with the error', async () => {
    const { page } = await h.signedIn('dave@example.com')
    await page.getByRole('button', { name: 'Compose' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('textbox', { name: 'To' }).fill('not an address')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Will not go')
    await dialog.getByRole('button', { name: 'Send' }).click()
    const alert = dialog.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/Not sent: To:/)
    expect(await dialog.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe('Will not go')
  })

  it('forwards with the original quoted and its attachments', async () => {
    const pdf = Buffer.from('%PDF-1.4\n' + 'minutes '.repeat(500))
    await h.append(
      'carol@example.com',
      'INBOX',
      crlf([
        'From: Erin <erin@example.net>',
        'To: carol@example.com',
        'Subject: Minutes',
        'Date: Mon, 23 Nov 2026 06:00:00 +0000',
        'Message-ID: <minutes@example.net>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Minutes attached.',
        '--b',
        'Content-Type: application/pdf; name="minutes.pdf"',
        'Content-Disposition: attachment; filename="minutes.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        ...(pdf.toString('base64').match(/.{1,76}/g) ?? []),
        '--b--',
      ]),
    )
    const carol = await h.signedIn('carol@example.com')
    await carol.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Erin.*Minutes/ }).click()
    await carol.page.getByRole('region', { name: 'Message' }).getByRole('button', { name: 'Forward' }).click()
    const dialog = carol.page.getByRole('dialog')
    expect(await dialog.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe('Fwd: Minutes')
    expect(await dialog.getByRole('textbox', { name: 'Message' }).inputValue()).toMatch(/From: Erin <erin@example\.net>[\s\S]*> Minutes attached\./)
    await dialog.getByText('minutes.pdf').waitFor()
    await dialog.getByRole('textbox', { name: 'To' }).fill('dave@example.com')
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached' })

    const dave = await h.signedIn('dave@example.com')
    await dave.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /carol@example\.com.*Fwd: Minutes/ }).click()
    const region = dave.page.getByRole('region', { name: 'Message' })
    await region.getByRole('heading', { name: 'Fwd: Minutes' }).waitFor()
    // The attachment's name is a target too, not only its download icon (issue 14).
    const [download] = await Promise.all([dave.page.waitForEvent('download'), region.getByRole('region', { name: 'Attachments' }).getByText('minutes.pdf').click()])
    expect(Buffer.compare(readFileSync(await download.path()), pdf)).toBe(0)
  })

  it('shows mail filed into the open folder live, and keeps counting new Inbox mail meanwhile', async () => {
    await h.createMailbox('dave@example.com', 'Projects')
    const dave = await h.signedIn('dave@example.com')
    const nav = dave.page.getByRole('navigation', { name: 'Folders' })
    // The folder's own stream must be open before the delivery: the bridge sends the head
    // of /api/events only once the mailbox is selected on the stream's IMAP connection, so
    // from then on the server reports the new message to it. (A fixed 500 ms wait lost the
    // race when the machine was busy: a message filed before that SELECT is never
    // announced, and the list waited 15 s for nothing.)
    const stream = dave.page.waitForResponse((r) => {
      const u = new URL(r.url())
      return u.pathname === '/api/events' && u.searchParams.get('mailbox') === 'Projects'
    })
    await nav.getByRole('link', { name: 'Projects', exact: true }).click()
    await dave.page.getByRole('heading', { name: 'Projects' }).waitFor()
    expect((await stream).status()).toBe(200)
    const mail = (subject: string) =>
      crlf(['From: Filter <rules@example.net>', 'To: dave@example.com', `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`, 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'Filed by a rule.'])
    await h.append('dave@example.com', 'Projects', mail('Filed into Projects'))
    await dave.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Filed into Projects/ }).waitFor({ timeout: 15_000 })
    const inboxBefore = (await nav.getByRole('link', { name: 'Inbox' }).textContent()) ?? ''
    await h.append('dave@example.com', 'INBOX', mail('New in the Inbox'))
    await eventually(async () => ((await nav.getByRole('link', { name: 'Inbox' }).textContent()) ?? '') !== inboxBefore, 'Inbox count changed while Projects is open')
    expect(await dave.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /New in the Inbox/ }).count()).toBe(0)
  })
})
