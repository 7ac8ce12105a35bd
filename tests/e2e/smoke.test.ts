import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlf, eventually, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

describe('sign in', () => {
  it('refuses a wrong password with a clear message, then signs in and out', async () => {
    const { page } = await h.newPage()
    await h.screenshot(page, '01-signin')
    await page.getByRole('textbox', { name: 'Email' }).fill('alice@example.com')
    await page.getByLabel('Password').fill('wrong')
    await page.getByRole('button', { name: 'Sign in' }).click()
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toMatch(/wrong email or password/i)
    await h.screenshot(page, '02-signin-error')
    await page.getByLabel('Password').fill('demo')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Inbox' }).waitFor()
    await page.getByRole('list', { name: 'Messages' }).waitFor({ state: 'attached' })
    await h.screenshot(page, '03-inbox-empty')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
  })

  it('says so when the session ends elsewhere, and signs in again', async () => {
    const { context, page } = await h.signedIn('dave@example.com')
    await context.clearCookies() // as when the bridge expired or ended the session
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Sent' }).click()
    await page.getByRole('alert').filter({ hasText: 'Your session has ended. Sign in again.' }).waitFor()
    await page.getByRole('textbox', { name: 'Email' }).fill('dave@example.com')
    await page.getByLabel('Password').fill('demo')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Inbox' }).waitFor()
  })

  it('scrolls a large folder newest first to its oldest message, drawing only the rows in view', async () => {
    const N = 2500 // 50 blocks of the list (list/blocks.ts), more than its cache keeps
    const name = (i: number) => `Report ${String(i).padStart(4, '0')}`
    const raws = Array.from({ length: N }, (_, i) =>
      crlf([`From: Robot <robot@example.net>`, 'To: carol@example.com', `Subject: ${name(i + 1)}`, `Date: ${new Date(Date.UTC(2026, 0, 1, 0, i)).toUTCString().replace('GMT', '+0000')}`, '', `Body ${i + 1}`]),
    )
    await h.append('carol@example.com', 'INBOX', raws)
    const { page } = await h.signedIn('carol@example.com')
    const list = page.getByRole('list', { name: 'Messages' })
    const items = list.getByRole('listitem')
    const row = (i: number) => list.getByRole('listitem', { name: new RegExp(`${name(i)},`) })
    const heading = page.getByRole('region', { name: 'Message' }).getByRole('heading', { level: 2 })
    /** The row is drawn and inside the list's visible box. */
    const onScreen = (i: number) =>
      row(i).evaluate((li) => {
        const a = li.getBoundingClientRect()
        const b = li.parentElement!.parentElement!.getBoundingClientRect() // the list's scroller
        return a.top >= b.top - 1 && a.bottom <= b.bottom + 1
      })

    // Newest first; each row says where it stands in the whole folder.
    await row(N).waitFor()
    expect(await items.first().getAttribute('aria-label')).toMatch(new RegExp(name(N)))
    expect(await row(N).getAttribute('aria-posinset')).toBe('1')
    expect(await row(N).getAttribute('aria-setsize')).toBe(String(N))
    const newestUid = Number((await row(N).getByRole('link').getAttribute('href') ?? '').split('/').pop())
    expect(await page.getByText(`${N.toLocaleString('en-US')} messages`).count()).toBe(1)
    expect(await items.count()).toBeLessThan(200)
    // No paging: the scrollbar spans the whole folder.
    expect(await page.getByRole('button', { name: 'Older messages' }).count()).toBe(0)

    // Scrolled to the very end, the oldest message shows, still with only a window of rows in the DOM.
    await list.evaluate((el) => (el.parentElement!.scrollTop = el.parentElement!.scrollHeight))
    await row(1).waitFor()
    expect(await row(1).getAttribute('aria-posinset')).toBe(String(N))
    expect(await onScreen(1)).toBe(true)
    expect(await items.count()).toBeLessThan(200)
    await h.screenshot(page, '13-scrolled-to-the-end')

    // j/k across a block boundary, from a row that is not drawn: opened by its address with
    // the list at its top, the 100th message (last of the second block of 50; UIDs follow
    // arrival) is loaded but not drawn, and the third block is not loaded; j loads it and
    // brings the row into view.
    const b = 100
    await list.evaluate((el) => (el.parentElement!.scrollTop = 0))
    await row(N).waitFor()
    await page.goto(`/mail/INBOX/${newestUid - (b - 1)}`)
    await eventually(async () => (await heading.textContent()) === name(N - (b - 1)), 'the 100th newest open')
    await row(N).waitFor()
    expect(await row(N - b).count()).toBe(0)
    expect(await row(N - (b - 1)).count()).toBe(0)
    const thirdBlock: string[] = []
    page.on('request', (r) => /\/api\/messages\?.*\bpage=3&/.test(r.url()) && thirdBlock.push(r.url()))
    await page.keyboard.press('j')
    await eventually(async () => (await heading.textContent()) === name(N - b), 'j crosses into the third block')
    await eventually(() => onScreen(N - b), 'j scrolled the new selection into view')
    expect(await row(N - b).getAttribute('aria-current')).toBe('true')
    expect(await row(N - b).getAttribute('aria-posinset')).toBe(String(b + 1))
    expect(thirdBlock.length).toBeGreaterThan(0)
    await page.keyboard.press('k')
    await eventually(async () => (await heading.textContent()) === name(N - (b - 1)), 'k goes back across the boundary')
    await page.keyboard.press('k')
    await eventually(async () => (await heading.textContent()) === name(N - (b - 2)), 'k again')
    await eventually(() => onScreen(N - (b - 2)), 'k keeps the selection in view')
    expect(await items.count()).toBeLessThan(200)

    // New mail arrives at the top of the list, live.
    await list.evaluate((el) => (el.parentElement!.scrollTop = 0))
    await h.append('carol@example.com', 'INBOX', crlf(['From: Robot <robot@example.net>', 'To: carol@example.com', 'Subject: Fresh arrival', 'Date: Mon, 7 Dec 2026 10:00:00 +0000', '', 'New']))
    await list.getByRole('listitem', { name: /Fresh arrival/ }).waitFor({ timeout: 20_000 })
    expect(await items.first().getAttribute('aria-label')).toMatch(/Fresh arrival/)
    expect(await items.first().getAttribute('aria-setsize')).toBe(String(N + 1))
    expect(await row(N).getAttribute('aria-posinset')).toBe('2')
  })

  it('on a phone, comes back from a message to where the list was, deep in the folder', async () => {
    const raws = Array.from({ length: 300 }, (_, i) => crlf(['From: Robot <robot@example.net>', 'To: bob@example.com', `Subject: Note ${i + 1}`, '', `Body ${i + 1}`]))
    await h.append('bob@example.com', 'INBOX', raws)
    const { page } = await h.signedIn('bob@example.com', { phone: true })
    const list = page.getByRole('list', { name: 'Messages' })
    await list.getByRole('listitem', { name: /Note 300,/ }).waitFor()
    // 200 rows down: past the first blocks and far past what the top of the list draws.
    await list.evaluate((el) => {
      const row = el.querySelector('li')!.getBoundingClientRect().height
      el.parentElement!.scrollTop = row * 200
    })
    const deep = list.getByRole('listitem', { name: /Note 100,/ })
    await deep.waitFor()
    await deep.getByRole('link').tap()
    await page.getByRole('region', { name: 'Message' }).getByRole('heading', { name: 'Note 100' }).waitFor()
    expect(await list.isVisible()).toBe(false)
    await page.getByRole('button', { name: 'Back to messages' }).tap()
    await deep.waitFor()
    // On screen, not merely drawn: inside the list's scroller.
    const inView = await deep.evaluate((li) => {
      const a = li.getBoundingClientRect()
      const b = li.parentElement!.parentElement!.getBoundingClientRect()
      return a.top >= b.top - 1 && a.bottom <= b.bottom + 1
    })
    expect(inView).toBe(true)
    await h.screenshot(page, 'phone-13-back-deep-in-the-list')
  })
})
