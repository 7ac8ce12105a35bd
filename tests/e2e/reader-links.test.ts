/**
 * Links in HTML mail, clicked in Chromium (issue 3: EFAIL gadgets, "Mailto: Me Your
 * Secrets", phishing). The message frame's sandbox is exactly
 * "allow-popups allow-popups-to-escape-sandbox":
 *  - an http link opens, only on the click, in a new tab with `window.opener === null`
 *    and no Referer header (a recording HTTP server on 127.0.0.1 sees the request);
 *  - a mailto: link with attach=/etc/passwd, bcc= and from= opens Cachet's compose in a
 *    new tab with only To, Cc, Subject and Body filled in, the body marked as from a link;
 *  - a message decrypted from AES-CBC (made by `openssl cms -encrypt -aes-256-cbc` for
 *    Bob's certificate) shows its link's text with no href, and says why.
 */
import { writeFile } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LINK_BODY_NOTE } from '../../src/web/mail/mailto'
import { openssl } from '../interop/harness/run'
import { crlf, eventually, startHarness, type Harness } from './harness'
import { VICTIM, makeE2ePki, victim, watch, type E2ePki, type Watch } from './hostile-setup'

const SANDBOX = 'allow-popups allow-popups-to-escape-sandbox'

let h: Harness
let pki: E2ePki
let dir: string
let page: Page
let w: Watch
let server: Server
let site = ''
const hits: { url: string; headers: IncomingHttpHeaders }[] = []

/** A plain web site on 127.0.0.1 (http) recording every request with its headers. */
async function startSite(): Promise<void> {
  server = createServer((req, res) => {
    // A tab that opened a page asks for its favicon on its own: not a request of ours.
    if (req.url === '/favicon.ico') {
      res.writeHead(404)
      res.end()
      return
    }
    hits.push({ url: req.url ?? '', headers: req.headers })
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end('<!doctype html><title>Landing</title><h1>You followed the link</h1><p id="where"></p><script>document.getElementById("where").textContent = "opener: " + String(window.opener)</script>')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function linksMessage(): string {
  const mailto = 'mailto:alice@example.com?cc=carol@example.com&subject=Quarterly%20numbers&body=Please%20send%20the%20numbers.&attach=/etc/passwd&attachment=%2Fetc%2Fshadow&bcc=spy@evil.test&from=ceo@example.com&in-reply-to=%3Cold@example.com%3E'
  const html = `<html><body>
<p>Hello Bob, the report is online: <a id="web" href="${site}/report?q=1">Open the report</a>.</p>
<p>Questions? <a id="mail" href="${mailto}">Write to Alice</a>.</p>
<p>Security check: <a id="phish" href="${site}/phish">https://bank.example/login</a></p>
<p><a id="js" href="javascript:alert('js ran')">Not a link</a></p>
</body></html>`
  return crlf([
    'From: Reports <reports@example.net>',
    `To: ${VICTIM}`,
    'Subject: Links to follow',
    'Date: Mon, 23 Nov 2026 09:30:00 +0000',
    'Message-ID: <links-1@example.net>',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    ...html.split('\n'),
  ])
}

/** The same kind of link under AES-256-CBC, encrypted by OpenSSL for Bob's certificate. */
async function cbcMessage(): Promise<Buffer> {
  const inner = `Content-Type: text/html; charset=utf-8\r\n\r\n<p>Numbers for Q4 are in <a id="cbc" href="${site}/cbc-leak">the quarterly sheet</a>.</p>\r\n`
  const inPath = join(dir, 'cbc.in')
  await writeFile(inPath, inner)
  const out = await openssl(['cms', '-encrypt', '-binary', '-aes-256-cbc', '-in', inPath, '-from', 'Alice <alice@example.test>', '-to', VICTIM, '-subject', 'CBC with a link', pki.bob.leaf.certPath])
  return Buffer.from(out.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')
}

beforeAll(async () => {
  await startSite()
  pki = await makeE2ePki()
  dir = await mkdtemp(join(tmpdir(), 'cachet-e2e-links-'))
  h = await startHarness()
  await h.append(VICTIM, 'INBOX', await cbcMessage())
  await h.append(VICTIM, 'INBOX', linksMessage())
  page = (await victim(h, pki)).page
  w = watch(page, h.origin)
}, 300_000)

afterAll(async () => {
  await h?.close()
  await new Promise((r) => server?.close(r))
  await pki?.cleanup()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function openMessage(subject: string) {
  await page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: new RegExp(subject) }).click()
  const region = page.getByRole('region', { name: 'Message' })
  await region.getByRole('heading', { name: subject }).waitFor()
  return region
}

const frame = () => page.frameLocator('iframe.html-frame')

describe('links in HTML mail (issue 3)', () => {
  it('opens nothing without a click; shows the real destination of every link', async () => {
    w.reset()
    const region = await openMessage('Links to follow')
    expect(await region.locator('iframe.html-frame').getAttribute('sandbox')).toBe(SANDBOX)
    await frame().getByText('Open the report').waitFor()
    await page.waitForTimeout(1500)
    expect(w.popups).toEqual([])
    expect(hits).toEqual([])
    expect(await frame().locator('#web').getAttribute('title')).toBe(`${site}/report?q=1`)
    // The text says bank.example, the link goes elsewhere: the real host is written next to it.
    expect(await frame().locator('#phish').getAttribute('title')).toBe(`${site}/phish`)
    await frame().getByText('(link goes to 127.0.0.1)').waitFor()
    expect(await frame().locator('#js').getAttribute('href')).toBeNull()
    await h.screenshot(page, 'links-01-message')
  })

  it('a click on an http link opens it in a new tab, with no opener and no Referer', async () => {
    w.reset()
    hits.length = 0
    const popup = page.context().waitForEvent('page')
    await frame().locator('#web').click()
    const tab = await popup
    await tab.waitForLoadState()
    expect(tab.url()).toBe(`${site}/report?q=1`)
    expect(await tab.evaluate(() => window.opener === null)).toBe(true)
    await tab.getByText('opener: null').waitFor()
    const req = hits.find((x) => x.url === '/report?q=1')
    expect(req, 'the site was requested').toBeTruthy()
    expect(req!.headers.referer).toBeUndefined()
    expect(await tab.evaluate(() => document.referrer)).toBe('')
    await h.screenshot(tab, 'links-02-opened-tab')
    await tab.close()
    // The app tab stayed where it was.
    expect(page.url()).toContain('/mail/INBOX/')
  })

  it('a mailto: link opens Cachet compose with only To, Cc, Subject and Body, nothing attached or hidden', async () => {
    w.reset()
    hits.length = 0
    const href = (await frame().locator('#mail').getAttribute('href'))!
    expect(new URL(href).origin).toBe(h.origin)
    expect(href).not.toMatch(/passwd|shadow|spy|ceo|attach|bcc|in-reply-to/i)
    expect(await frame().locator('#mail').getAttribute('title')).toBe('mailto:alice@example.com (cc: carol@example.com)')
    const popup = page.context().waitForEvent('page')
    await frame().locator('#mail').click()
    const tab = await popup
    await tab.waitForLoadState()
    expect(await tab.evaluate(() => window.opener === null)).toBe(true)
    const dialog = tab.getByRole('dialog', { name: 'New message' })
    await dialog.waitFor()
    await eventually(async () => (await tab.getByRole('textbox', { name: 'To', exact: true }).inputValue()) === 'alice@example.com', 'To filled in from the link')
    expect(await tab.getByRole('textbox', { name: 'Cc', exact: true }).inputValue()).toBe('carol@example.com')
    expect(await tab.getByRole('textbox', { name: 'Bcc', exact: true }).inputValue()).toBe('')
    expect(await tab.getByRole('textbox', { name: 'Subject', exact: true }).inputValue()).toBe('Quarterly numbers')
    expect(await tab.getByRole('textbox', { name: 'Message', exact: true }).inputValue()).toBe(`${LINK_BODY_NOTE}\n\nPlease send the numbers.`)
    expect(await tab.getByRole('list', { name: 'Attached files' }).count()).toBe(0)
    expect(await dialog.textContent()).not.toMatch(/passwd|shadow/)
    // The query is consumed: a reload of this tab does not fill the fields in again.
    await eventually(() => new URL(tab.url()).search === '', 'query removed from the URL')
    expect(new URL(tab.url()).pathname).toBe('/compose')
    await h.screenshot(tab, 'links-03-mailto-compose')
    // Closing compose leaves the ordinary mail screen in that tab.
    await dialog.getByRole('button', { name: 'Close' }).click()
    await eventually(() => new URL(tab.url()).pathname === '/mail/INBOX', 'back to the Inbox')
    await tab.close()
    expect(hits).toEqual([])
  })

  it('a message decrypted from AES-CBC has no followable link, and says so', async () => {
    w.reset()
    hits.length = 0
    const region = await openMessage('CBC with a link')
    await region.getByTestId('security-summary').waitFor({ timeout: 30_000 })
    expect(await region.getByTestId('security-summary').getAttribute('data-encryption')).toBe('decrypted')
    const link = frame().locator('#cbc')
    await link.getByText('the quarterly sheet').waitFor()
    expect(await link.getAttribute('href')).toBeNull()
    expect(await link.getAttribute('title')).toMatch(/Link disabled/)
    const banner = region.getByTestId('no-integrity-banner')
    await banner.waitFor()
    expect(await banner.textContent()).toContain('link is disabled')
    await h.screenshot(page, 'links-04-cbc-link-disabled')
    await link.click()
    await page.waitForTimeout(1500)
    expect(w.popups).toEqual([])
    expect(hits).toEqual([])
    expect(w.outside()).toEqual([])
  })
})
