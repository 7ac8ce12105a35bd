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
