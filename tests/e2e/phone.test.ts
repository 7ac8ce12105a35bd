/**
 * Issue 14, phones: at 390 × 844 with touch, one pane at a time. Sign in, read a message,
 * go "Back to messages", change folder through the drawer, and send one from the
 * full-screen compose; nothing wider than the screen and every control a person taps at
 * least 44 × 44 CSS pixels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { crlf, eventually, signIn, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

/** Horizontal overflow: the page scrolls sideways, or an element sticks out of the screen. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth
    const out: string[] = []
    if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth} px wide`)
    for (const el of document.querySelectorAll<HTMLElement>('body *')) {
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue
      // Inside a scrolling box (the message body, a long subject) is fine: it scrolls there.
      let clipped = false
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX
        if (o === 'hidden' || o === 'auto' || o === 'scroll' || o === 'clip') { clipped = true; break }
      }
      if (!clipped && (r.right > width + 1 || r.left < -1)) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}–${Math.round(r.right)}`)
    }
    return out
  })
}

/** Controls on screen smaller than 44 × 44 (WCAG 2.5.5), by their accessible text. */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = []
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href], select, input:not([type=hidden]), [role=button], label:has(input[type=checkbox])')) {
      // Text links in a message body are text; a visually hidden input is reached through its button.
      if (el.closest('iframe, .text-body, .html-frame, [aria-hidden=true], .sr-only')) continue
      const style = getComputedStyle(el)
      if (style.visibility === 'hidden' || style.display === 'none') continue
      // A checkbox inside its label is tapped through the label, which is measured.
      if (el instanceof HTMLInputElement && el.type === 'checkbox' && el.closest('label')) continue
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight) continue
      if (r.width < 44 - 0.5 || r.height < 44 - 0.5) out.push(`${(el.getAttribute('aria-label') ?? el.textContent ?? el.tagName).trim().slice(0, 30)} ${Math.round(r.width)}×${Math.round(r.height)}`)
    }
    return out
  })
}

describe('Cachet on a phone (390 × 844, touch)', () => {
  it('lists, reads, goes back, changes folder and sends, one pane at a time', async () => {
    const subject = 'Lunch on Friday?'
    await h.append('alice@example.com', 'INBOX', crlf([
      'From: Bob <bob@example.com>', 'To: alice@example.com', `Subject: ${subject}`,
      'Date: Mon, 7 Dec 2026 10:00:00 +0000', 'Message-ID: <phone-1@example.com>', 'Content-Type: text/plain; charset=utf-8', '',
      'Shall we have lunch on Friday at the usual place? '.repeat(4),
    ]))
    const { page } = await h.signedIn('alice@example.com', { phone: true })
    const list = page.getByRole('list', { name: 'Messages' })
    const reader = page.getByRole('region', { name: 'Message' })

    // The list fills the screen; the folders wait in the drawer.
    await list.getByText(subject).waitFor()
    expect(await page.getByRole('navigation', { name: 'Folders' }).isVisible()).toBe(false)
    expect(await reader.isVisible()).toBe(false)
    expect(await overflow(page)).toEqual([])
    expect(await smallTargets(page)).toEqual([])
    await h.screenshot(page, 'phone-01-list')

    // Read: the message takes the screen, with the way back above it.
    await list.getByText(subject).tap()
    await reader.getByRole('heading', { name: subject }).waitFor()
    expect(await list.isVisible()).toBe(false)
    expect(await reader.getByText('Not signed and not encrypted').isVisible()).toBe(true)
    expect(await overflow(page)).toEqual([])
    expect(await smallTargets(page)).toEqual([])
    await h.screenshot(page, 'phone-02-message')
    await page.getByRole('button', { name: 'Back to messages' }).tap()
    await list.getByText(subject).waitFor()
    expect(await reader.isVisible()).toBe(false)
    expect(new URL(page.url()).pathname).toBe('/mail/INBOX')

    // The drawer: opens over the list, takes focus, closes on Escape and on a choice.
    await page.getByRole('button', { name: 'Folders' }).tap()
    const folders = page.getByRole('navigation', { name: 'Folders' })
    await folders.waitFor()
    expect(await page.getByRole('button', { name: 'Folders' }).getAttribute('aria-expanded')).toBe('true')
    expect(await smallTargets(page)).toEqual([])
    await h.screenshot(page, 'phone-03-drawer')
    await page.keyboard.press('Escape')
    await folders.waitFor({ state: 'hidden' })
    await page.getByRole('button', { name: 'Folders' }).tap()
    await folders.getByRole('link', { name: 'Sent' }).tap()
    await folders.waitFor({ state: 'hidden' })
    await page.getByRole('heading', { name: 'Sent' }).waitFor()

    // Compose fills the screen and sends.
    await page.getByRole('button', { name: 'Compose' }).tap()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Yes, Friday at noon')
    await dialog.getByRole('textbox', { name: 'Message' }).fill('See you there.')
    const box = await dialog.boundingBox()
    expect(box).toMatchObject({ x: 0, y: 0, width: 390, height: 844 })
    expect(await overflow(page)).toEqual([])
    expect(await smallTargets(page)).toEqual([])
    await h.screenshot(page, 'phone-04-compose')
    await dialog.getByRole('button', { name: 'Send' }).tap()
    await dialog.waitFor({ state: 'detached' })
    await eventually(async () => (await list.getByText('Yes, Friday at noon').count()) > 0, 'the sent message in Sent', 30_000)

    // Settings pages fit too.
    for (const path of ['/settings/security', '/contacts']) {
      await page.goto(path)
      await page.getByRole('heading', { level: 1 }).waitFor()
      expect(await overflow(page), path).toEqual([])
    }
    await h.screenshot(page, 'phone-05-contacts')
  })
})

describe('200 % zoom (a 1280 × 800 window: 640 × 400 CSS pixels)', () => {
  it('keeps every screen usable: nothing cut off sideways, the message and compose reachable', async () => {
    const { context, page } = await h.newPage()
    await page.setViewportSize({ width: 640, height: 400 })
    await page.getByRole('button', { name: 'Sign in' }).scrollIntoViewIfNeeded()
    expect(await overflow(page)).toEqual([])
    await signIn(page, 'alice@example.com')
    const list = page.getByRole('list', { name: 'Messages' })
    await list.getByText('Lunch on Friday?').click()
    const reader = page.getByRole('region', { name: 'Message' })
    await reader.getByRole('heading', { name: 'Lunch on Friday?' }).waitFor()
    await reader.getByText('Shall we have lunch').first().scrollIntoViewIfNeeded()
    expect(await reader.getByText('Shall we have lunch').first().isVisible()).toBe(true)
    expect(await overflow(page)).toEqual([])
    await h.screenshot(page, 'zoom200-01-message')
    await page.getByRole('button', { name: 'Back to messages' }).click()
    await page.getByRole('button', { name: 'Compose' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('button', { name: 'Send' }).scrollIntoViewIfNeeded()
    expect(await dialog.getByRole('button', { name: 'Send' }).isVisible()).toBe(true)
    expect(await overflow(page)).toEqual([])
    await h.screenshot(page, 'zoom200-02-compose')
    await context.close()
  })
})
