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

  it('pages a large folder newest first', async () => {
    const raws = Array.from({ length: 120 }, (_, i) =>
      crlf([`From: Robot <robot@example.net>`, 'To: carol@example.com', `Subject: Report ${String(i + 1).padStart(3, '0')}`, `Date: ${new Date(Date.UTC(2026, 0, 1, 0, i)).toUTCString().replace('GMT', '+0000')}`, '', `Body ${i + 1}`]),
    )
    await h.append('carol@example.com', 'INBOX', raws)
    const { page } = await h.signedIn('carol@example.com')
    const list = page.getByRole('list', { name: 'Messages' })
    await list.getByRole('listitem', { name: /Report 120/ }).waitFor()
    expect(await list.getByRole('listitem').count()).toBe(50)
    expect(await list.getByRole('listitem').first().getAttribute('aria-label')).toMatch(/Report 120/)
    expect(await page.getByText('1–50 of 120').count()).toBe(1)
    await page.getByRole('button', { name: 'Older messages' }).click()
    await list.getByRole('listitem', { name: /Report 070/ }).waitFor()
    await page.getByRole('button', { name: 'Older messages' }).click()
    await list.getByRole('listitem', { name: /Report 001/ }).waitFor()
    await eventually(async () => (await list.getByRole('listitem').count()) === 20, 'last page has 20')
    await h.screenshot(page, '13-paging')
  })
})
