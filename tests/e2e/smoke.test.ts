import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHarness, type Harness } from './harness'

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
})
