/**
 * Issue 14, installable and offline: a web app manifest with PNG icons of 192 and 512
 * pixels; a service worker that keeps the app's own files and never anything from the
 * API (no mail, no keys, no session); opened without a network, Cachet comes from that
 * copy and says it is offline instead of a blank page, and goes back to the mail once
 * the network returns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlf, eventually, startHarness, type Harness } from './harness'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

/** Width and height from a PNG's IHDR chunk. */
function pngSize(b: Buffer): [number, number] {
  expect(b.subarray(1, 4).toString('latin1')).toBe('PNG')
  return [b.readUInt32BE(16), b.readUInt32BE(20)]
}

describe('Cachet as an installable web app', () => {
  it('has a manifest whose icons exist at 192 and 512 px', async () => {
    const res = await fetch(`${h.origin}/manifest.webmanifest`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/manifest\+json/)
    const m = (await res.json()) as { name: string; start_url: string; display: string; icons: { src: string; sizes: string; type: string; purpose: string }[] }
    expect(m).toMatchObject({ name: 'Cachet', display: 'standalone', start_url: '/mail/INBOX' })
    const sizes = new Set<string>()
    for (const icon of m.icons.filter((i) => i.type === 'image/png')) {
      const png = Buffer.from(await (await fetch(`${h.origin}${icon.src}`)).arrayBuffer())
      const [w, hgt] = pngSize(png)
      expect(`${w}x${hgt}`).toBe(icon.sizes)
      sizes.add(icon.sizes)
    }
    expect([...sizes].sort()).toEqual(['192x192', '512x512'])
    const html = await (await fetch(`${h.origin}/`)).text()
    expect(html).toContain('<link rel="manifest" href="/manifest.webmanifest"')
  })

  it('keeps the app, never the API, and opens offline saying so', async () => {
    await h.append('carol@example.com', 'INBOX', crlf(['From: Dave <dave@example.com>', 'To: carol@example.com', 'Subject: Offline check', 'Content-Type: text/plain', '', 'A private line that must not be cached.']))
    const { context, page } = await h.signedIn('carol@example.com')
    await eventually(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length > 0), 'the service worker registered')
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined))
    // The worker controls pages loaded after it took over: load once more through it.
    await page.reload()
    await eventually(() => page.evaluate(() => navigator.serviceWorker.controller !== null), 'the service worker controls the page')
    await page.getByRole('list', { name: 'Messages' }).getByText('Offline check').click()
    await page.getByRole('region', { name: 'Message' }).getByText('A private line').waitFor()

    const cached = await page.evaluate(async () => {
      const out: string[] = []
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname)
      return out
    })
    expect(cached).toContain('/')
    expect(cached.some((p) => p.startsWith('/assets/') && p.endsWith('.js'))).toBe(true)
    expect(cached.filter((p) => p.startsWith('/api'))).toEqual([])
    const bodies = await page.evaluate(async () => {
      const out: string[] = []
      for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) out.push(await (await caches.match(r))!.text())
      return out.join('\n')
    })
    expect(bodies).not.toContain('A private line')
    expect(bodies).not.toContain('carol@example.com')

    await context.setOffline(true)
    const response = await page.reload()
    expect(response?.fromServiceWorker()).toBe(true)
    await page.getByRole('status').getByText('You are offline.').waitFor()
    expect(await page.getByText('Cannot reach the Cachet server').isVisible()).toBe(true)
    await h.screenshot(page, 'pwa-offline')

    // Back online: the session is still there, and so is the mail.
    await context.setOffline(false)
    await page.getByRole('button', { name: 'Try again' }).click()
    await page.getByRole('list', { name: 'Messages' }).getByText('Offline check').waitFor({ timeout: 30_000 })
    expect(await page.getByText('You are offline.').count()).toBe(0)
  })
})
