/**
 * Keyboard: c compose, r reply, a reply all, f forward, j/k next/previous, / search,
 * Delete deletes (to Trash); none of them fire while typing in a field.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlf, eventually, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
  const msg = (n: number, subject: string, body: string) =>
    crlf([
      `From: Sender ${n} <sender${n}@example.net>`,
      'To: dave@example.com',
      'Cc: carol@example.com',
      `Subject: ${subject}`,
      `Date: Mon, 23 Nov 2026 0${n}:00:00 +0000`,
      `Message-ID: <kbd-${n}@example.net>`,
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
    ])
  // Appended oldest first: the list shows Gamma (newest), Beta, Alpha.
  await h.append('dave@example.com', 'INBOX', msg(1, 'Alpha report', 'First body'))
  await h.append('dave@example.com', 'INBOX', msg(2, 'Beta report', 'Second body with a needle'))
  await h.append('dave@example.com', 'INBOX', msg(3, 'Gamma report', 'Third body'))
  await h.createMailbox('dave@example.com', 'Projects')
})
afterAll(async () => {
  await h?.close()
})

const heading = (page: Page) => page.getByRole('region', { name: 'Message' }).getByRole('heading', { level: 2 })

describe('keyboard shortcuts', () => {
  it('navigates, replies, forwards, composes, searches and deletes from the keyboard', async () => {
    const { page } = await h.signedIn('dave@example.com')
    const list = page.getByRole('list', { name: 'Messages' })
    await list.getByRole('listitem', { name: /Alpha report/ }).waitFor()

    await page.keyboard.press('j')
    await eventually(async () => (await heading(page).textContent()) === 'Gamma report', 'j opens the newest')
    await page.keyboard.press('j')
    await eventually(async () => (await heading(page).textContent()) === 'Beta report', 'j opens the next')
    await page.keyboard.press('k')
    await eventually(async () => (await heading(page).textContent()) === 'Gamma report', 'k goes back')

    const dialog = page.getByRole('dialog')
    await page.keyboard.press('r')
    expect(await dialog.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe('Re: Gamma report')
    expect(await dialog.getByRole('textbox', { name: 'To' }).inputValue()).toBe('Sender 3 <sender3@example.net>')
    expect(await dialog.getByRole('textbox', { name: 'Cc', exact: true }).inputValue()).toBe('')
    // Typing in the compose window does not trigger shortcuts.
    await dialog.getByRole('textbox', { name: 'Message' }).pressSequentially('jkcf')
    expect(await dialog.getByRole('textbox', { name: 'Message' }).inputValue()).toMatch(/^jkcf/)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    await page.keyboard.press('a')
    expect(await dialog.getByRole('textbox', { name: 'Cc', exact: true }).inputValue()).toBe('carol@example.com')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    await page.keyboard.press('f')
    expect(await dialog.getByRole('textbox', { name: 'Subject' }).inputValue()).toBe('Fwd: Gamma report')
    expect(await dialog.getByRole('textbox', { name: 'Message' }).inputValue()).toContain('> Third body')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    await page.keyboard.press('c')
    expect(await dialog.getByRole('heading', { name: 'New message' }).count()).toBe(1)
    expect(await dialog.getByRole('textbox', { name: 'To' }).evaluate((el) => el === document.activeElement)).toBe(true)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    await page.keyboard.press('/')
    const search = page.getByRole('searchbox', { name: 'Search' })
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true)
    await page.keyboard.type('needle')
    await page.keyboard.press('Enter')
    await eventually(async () => (await list.getByRole('listitem').count()) === 1, 'search finds one message')
    expect(await list.getByRole('listitem').getAttribute('aria-label')).toMatch(/Beta report/)
    await h.screenshot(page, '11-search')
    await page.keyboard.press('Escape')
    await eventually(async () => (await list.getByRole('listitem').count()) === 3, 'search cleared')

    // Delete moves the open message to Trash.
    await list.getByRole('listitem', { name: /Gamma report/ }).click()
    await eventually(async () => (await heading(page).textContent()) === 'Gamma report', 'Gamma open')
    await page.keyboard.press('Delete')
    await eventually(async () => (await list.getByRole('listitem', { name: /Gamma report/ }).count()) === 0, 'Gamma gone from Inbox')
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Trash' }).click()
    await list.getByRole('listitem', { name: /Gamma report/ }).waitFor()
  })

  it('flags, marks unread and moves the open message to a user folder', async () => {
    const { page } = await h.signedIn('dave@example.com')
    const list = page.getByRole('list', { name: 'Messages' })
    const nav = page.getByRole('navigation', { name: 'Folders' })
    await nav.getByRole('link', { name: 'Projects' }).waitFor()
    const item = list.getByRole('listitem', { name: /Alpha report/ })
    await item.click()
    const region = page.getByRole('region', { name: 'Message' })
    await region.getByRole('heading', { name: 'Alpha report' }).waitFor()

    await region.getByRole('button', { name: 'Flag' }).click()
    await eventually(async () => (await item.getAttribute('aria-label'))?.includes('flagged'), 'flagged in the list')
    await region.getByRole('button', { name: 'Mark as unread' }).click()
    await eventually(async () => (await item.getAttribute('aria-label'))?.includes('unread'), 'unread in the list')
    await h.screenshot(page, '12-flagged-unread')

    // Flags are on the server: a fresh session sees them.
    const again = await h.signedIn('dave@example.com')
    const label = await again.page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Alpha report/ }).getAttribute('aria-label')
    expect(label).toMatch(/unread/)
    expect(label).toMatch(/flagged/)

    await item.click()
    await region.getByRole('heading', { name: 'Alpha report' }).waitFor()
    await region.getByRole('combobox', { name: 'Move to folder' }).selectOption('Projects')
    await eventually(async () => (await list.getByRole('listitem', { name: /Alpha report/ }).count()) === 0, 'moved out of Inbox')
    await nav.getByRole('link', { name: 'Projects' }).click()
    await list.getByRole('listitem', { name: /Alpha report/ }).waitFor()
  })
})

/** What has focus, and can a sighted keyboard user see where it is? */
async function focused(page: Page): Promise<{ text: string; cls: string; visible: boolean; inDialog: boolean }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null
    if (!el || el === document.body) return { text: '', cls: '', visible: false, inDialog: false }
    const st = getComputedStyle(el)
    const visible = (st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) > 0) || st.boxShadow !== 'none'
    return { text: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim(), cls: el.className, visible, inDialog: el.closest('[role="dialog"]') !== null }
  })
}

/** Tab until `match` has focus (at most `max` presses). */
async function tabTo(page: Page, match: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const f = await focused(page)
    if (match(f)) {
      expect(f.visible, `focus is visible on ${what}`).toBe(true)
      return
    }
  }
  throw new Error(`Tab never reached ${what}`)
}

describe('the everyday path with the keyboard alone (issue 14)', () => {
  it('signs in, opens a message, hears its verdict, replies from a trapped dialog and gets focus back', async () => {
    await h.append('carol@example.com', 'INBOX', crlf([
      'From: Dave <dave@example.com>', 'To: carol@example.com', 'Subject: Keys only', 'Date: Mon, 23 Nov 2026 09:00:00 +0000',
      'Message-ID: <keys-only@example.net>', 'Content-Type: text/plain; charset=utf-8', '', 'Can you answer without a mouse?',
    ]))
    const { page } = await h.newPage()
    const email = page.getByRole('textbox', { name: 'Email' })
    await email.waitFor()
    for (let i = 0; i < 10 && !(await email.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab')
    expect(await email.evaluate((el) => el === document.activeElement)).toBe(true)
    await page.keyboard.type('carol@example.com')
    await page.keyboard.press('Tab')
    await page.keyboard.type('demo')
    await page.keyboard.press('Enter')
    const list = page.getByRole('list', { name: 'Messages' })
    await list.getByText('Keys only').waitFor()

    await tabTo(page, (f) => f.cls.includes('message-link') && f.text.includes('Keys only'), 'the message in the list')
    await page.keyboard.press('Enter')
    const region = page.getByRole('region', { name: 'Message' })
    await region.getByRole('heading', { name: 'Keys only' }).waitFor()
    // The verdict is announced, not only drawn.
    await eventually(async () => (await page.getByTestId('announce-polite').textContent())?.includes('Not signed and not encrypted'), 'the verdict announced')

    await tabTo(page, (f) => f.text === 'Reply', 'Reply')
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    expect((await focused(page)).inDialog).toBe(true)
    await page.keyboard.type('Yes, with Tab and Enter.')
    // Tab and Shift+Tab stay inside the dialog.
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press(i % 5 === 4 ? 'Shift+Tab' : 'Tab')
      expect((await focused(page)).inDialog, `Tab ${i + 1} stays in the dialog`).toBe(true)
    }
    // Everything the polite live region says from here on.
    await page.evaluate(() => {
      const region = document.querySelector('[data-testid="announce-polite"]')!
      const said: string[] = ((window as unknown as { said: string[] }).said = [])
      new MutationObserver(() => region.textContent && said.push(region.textContent)).observe(region, { childList: true, characterData: true, subtree: true })
    })
    await page.keyboard.press('Control+Enter')
    await dialog.waitFor({ state: 'detached' })
    await eventually(() => page.evaluate(() => (window as unknown as { said: string[] }).said.includes('Message sent.')), 'the send announced')
    // Focus is back on the button that opened the dialog.
    expect((await focused(page)).text).toBe('Reply')

    // New mail is announced too, without moving focus.
    await h.append('carol@example.com', 'INBOX', crlf([
      'From: Dave <dave@example.com>', 'To: carol@example.com', 'Subject: One more thing', 'Message-ID: <keys-only-2@example.com>',
      'Content-Type: text/plain; charset=utf-8', '', 'Announced, not shown in your face.',
    ]))
    await eventually(() => page.evaluate(() => (window as unknown as { said: string[] }).said.includes('New message in Inbox.')), 'new mail announced', 30_000)
    expect((await focused(page)).text).toBe('Reply')
  })
})
