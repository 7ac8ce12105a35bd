/**
 * Hostile HTML and broken MIME in the reading pane. The HTML message carries a script,
 * event handlers, a form, a meta refresh, a base element, CSS and image loads pointing
 * at a recording server on 127.0.0.1. Opening it must show its text, run nothing and
 * make no request outside the app (every page request is recorded). Its one link opens
 * (in a new tab) only when clicked, and nothing else opens with it.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Frame, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FRAME_SANDBOX } from '../../src/web/mail/sanitize'
import { crlf, eventually, startHarness, type Harness } from './harness'

let h: Harness
let recorder: Server
let recorderPort = 0
const hits: string[] = []

beforeAll(async () => {
  recorder = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end()
  })
  await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r))
  recorderPort = (recorder.address() as AddressInfo).port
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
  await new Promise((r) => recorder?.close(r))
})

function hostileMessage(port: number): string {
  const r = `http://127.0.0.1:${port}`
  const html = `<html><head>
<meta http-equiv="refresh" content="0;url=${r}/refresh">
<base href="${r}/base/">
<link rel="stylesheet" href="${r}/style.css">
<style>@import url(${r}/import.css); body { background: url(${r}/css-bg.png) }</style>
</head><body onload="window.pwnedOnload = 1">
<p>Your invoice for November is ready.</p>
<script>window.pwned = 1; alert('script ran'); fetch('${r}/script')</script>
<img src="${r}/remote.png" onerror="window.pwnedOnerror = 1; alert('handler ran')" alt="tracker">
<img srcset="${r}/srcset.png 2x">
<form action="${r}/form" method="post"><input name="q" value="secret"><button type="submit">Pay now</button></form>
<a id="lnk" href="${r}/link">Open the portal</a>
<svg onload="alert('svg ran')"></svg>
<iframe src="${r}/frame"></iframe>
<video poster="${r}/poster.png"></video>
</body></html>`
  return crlf([
    'From: Billing <billing@example.net>',
    'To: bob@example.com',
    'Subject: Your invoice (hostile HTML)',
    'Date: Mon, 23 Nov 2026 09:00:00 +0000',
    'Message-ID: <hostile-1@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    ...html.split('\n'),
  ])
}

const brokenMessage = crlf([
  'From: Broken Sender <broken@example.net>',
  'To: bob@example.com',
  'Subject: Damaged structure',
  'Date: Mon, 23 Nov 2026 08:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="declared-boundary"',
  '',
  '--some-other-boundary',
  'Content-Type: text/plain',
  '',
  'The findable words live only in the raw source.',
  '--some-other-boundary--',
])

const noBoundaryMessage = crlf([
  'From: Broken Sender <broken@example.net>',
  'To: bob@example.com',
  'Subject: Multipart without boundary',
  'Date: Mon, 23 Nov 2026 07:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/alternative',
  '',
  'Loose text in a multipart without a boundary.',
])

function messageFrame(page: Page): Frame {
  const f = page.frames().find((fr) => fr !== page.mainFrame() && fr.url() === 'about:srcdoc')
  if (!f) throw new Error('no message frame')
  return f
}

describe('hostile and broken mail', () => {
  it('shows the text of hostile HTML, runs nothing and makes no request outside the app', async () => {
    await h.append('bob@example.com', 'INBOX', hostileMessage(recorderPort))
    const { page } = await h.signedIn('bob@example.com')
    const requests: string[] = []
    // Chromium reports a request the frame's CSP refused as a request that failed with
    // "csp": it never left the browser. Everything else counts as made. Per request, not
    // per URL: a URL refused once and requested again later must still count.
    const made: Request[] = []
    const cspBlocked = new WeakSet<Request>()
    page.on('requestfailed', (r) => r.failure()?.errorText === 'csp' && cspBlocked.add(r))
    const dialogs: string[] = []
    page.on('request', (r) => {
      requests.push(r.url())
      made.push(r)
    })
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    const popups: string[] = []
    page.context().on('page', (p) => popups.push(p.url()))

    await page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Billing.*Your invoice/ }).click()
    const region = page.getByRole('region', { name: 'Message' })
    await region.getByRole('heading', { name: 'Your invoice (hostile HTML)' }).waitFor()
    const frameEl = region.locator('iframe')
    expect(await frameEl.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox')
    expect(FRAME_SANDBOX).toBe('allow-popups allow-popups-to-escape-sandbox')
    const body = page.frameLocator('iframe.html-frame').locator('body')
    await body.getByText('Your invoice for November is ready.').waitFor()
    await h.screenshot(page, '09-hostile-html')

    const frame = messageFrame(page)
    // Nothing ran: no globals set by script, onload, onerror; no dialogs.
    expect(await frame.evaluate(() => [(window as any).pwned, (window as any).pwnedOnload, (window as any).pwnedOnerror])).toEqual([undefined, undefined, undefined])
    expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined()
    // Dangerous elements and attributes are gone from the frame document.
    expect(await frame.evaluate(() => document.querySelectorAll('script,form,input,button,meta[http-equiv=refresh i],base,link,iframe,[onload],[onerror],[srcset],[poster]').length)).toBe(0)
    // The frame's own CSP is first in its head.
    expect(await frame.evaluate(() => document.head.firstElementChild?.nextElementSibling?.getAttribute('content'))).toContain("default-src 'none'")

    // Without a click nothing opens: no popup, no navigation, no hit (meta refresh, base
    // and form are gone; there is no script to call window.open).
    await page.waitForTimeout(1500)
    expect(dialogs).toEqual([])
    expect(popups).toEqual([])
    expect(hits).toEqual([])
    const outside = made.filter((r) => !cspBlocked.has(r)).map((r) => r.url()).filter((u) => !(u.startsWith(`${h.origin}/`) || u.startsWith('data:') || u.startsWith('blob:') || u === 'about:srcdoc'))
    expect(outside).toEqual([])
    expect(requests.filter((u) => u.startsWith(h.origin)).every((u) => new URL(u).pathname.startsWith('/api/') || /^\/(assets\/|favicon\.svg|signin|mail\/|$)/.test(new URL(u).pathname))).toBe(true)

    // Remote content is offered, and only loads (over https) when the user asks.
    const load = region.getByRole('button', { name: 'Load remote content' })
    await load.waitFor()
    await load.click()
    await eventually(() => requests.some((u) => u === `https://127.0.0.1:${recorderPort}/remote.png`), 'remote image requested over https after the click')
    await page.waitForTimeout(1000)
    // Plain http and CSS loads stay blocked even then; the recording server saw nothing.
    expect(made.filter((r) => r.url().startsWith(`http://127.0.0.1:${recorderPort}`) && !cspBlocked.has(r)).map((r) => r.url())).toEqual([])
    expect(hits).toEqual([])
    expect(popups).toEqual([])

    // The link is a click-only link to exactly where the sender pointed it: the click
    // opens that one page in a new tab, and nothing else is requested with it.
    const lnk = body.locator('#lnk')
    expect(await lnk.getAttribute('title')).toBe(`http://127.0.0.1:${recorderPort}/link`)
    const popup = page.context().waitForEvent('page')
    await lnk.click()
    const opened = await popup
    await opened.waitForLoadState()
    expect(popups.length).toBe(1)
    expect(opened.url()).toBe(`http://127.0.0.1:${recorderPort}/link`)
    // (The new tab, an ordinary page now, may also ask for its favicon.)
    expect(hits.filter((x) => x !== 'GET /favicon.ico')).toEqual(['GET /link'])
    expect(dialogs).toEqual([])
    await opened.close()
  })

  it('opens a message whose MIME is broken, explains it, and shows the raw source', async () => {
    await h.append('bob@example.com', 'INBOX', brokenMessage)
    await h.append('bob@example.com', 'INBOX', noBoundaryMessage)
    const { page } = await h.signedIn('bob@example.com')
    const list = page.getByRole('list', { name: 'Messages' })
    await list.getByRole('listitem', { name: /Damaged structure/ }).click()
    const region = page.getByRole('region', { name: 'Message' })
    await region.getByRole('heading', { name: 'Damaged structure' }).waitFor()
    const warning = region.getByRole('status').filter({ hasText: 'damaged' })
    await warning.waitFor()
    expect(await warning.textContent()).toContain('boundary “declared-boundary”, but that boundary never appears')
    // Nothing displayable: the source opens by itself; otherwise the banner offers it.
    const viewSource = warning.getByRole('button', { name: 'View source' })
    if (await viewSource.isVisible()) await viewSource.click()
    const source = region.getByRole('region', { name: 'Raw source' })
    await source.getByText('The findable words live only in the raw source.').waitFor()
    await h.screenshot(page, '10-broken-mime')

    await list.getByRole('listitem', { name: /Multipart without boundary/ }).click()
    await region.getByRole('heading', { name: 'Multipart without boundary' }).waitFor()
    expect(await region.textContent()).toContain('has no boundary parameter')
  })
})
