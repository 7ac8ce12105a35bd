/**
 * Issue #3: the raw bytes of a hostile message opened DIRECTLY in the browser, on the
 * app's origin, with the session cookie (a link an attacker gets the victim to follow:
 * /api/messages/:uid/raw). Plain HTML and an MHTML-shaped message (multipart/related
 * with an HTML root, which some browsers render) must not run script, must not load
 * anything, and must not be rendered as a document of the app's origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlf, startHarness, type Harness } from './harness'
import { startRecorder, watch, type Recorder } from './hostile-setup'

let h: Harness
let rec: Recorder

beforeAll(async () => {
  rec = await startRecorder()
  h = await startHarness()
  const payload = `<html><body onload="window.pwnedOnload=1;alert('onload')"><script>window.pwned=1;alert(document.cookie);fetch('${rec.url}/script')</script><img src="${rec.url}/img.png" onerror="alert('onerror')"><p>RAW-HTML-BODY</p></body></html>`
  await h.append('bob@example.com', 'INBOX', [
    crlf(['From: Mallory <mallory@evil.test>', 'To: bob@example.com', 'Subject: raw html', 'Date: Mon, 23 Nov 2026 06:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '', payload]),
    crlf([
      'From: Mallory <mallory@evil.test>',
      'To: bob@example.com',
      'Subject: raw mhtml',
      'Date: Mon, 23 Nov 2026 06:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; type="text/html"; boundary="mhtml"',
      '',
      '--mhtml',
      'Content-Type: text/html; charset=utf-8',
      `Content-Location: ${rec.url}/page.html`,
      '',
      payload,
      '--mhtml--',
    ]),
  ])
}, 300_000)

afterAll(async () => {
  await h?.close()
  await rec?.close()
})

describe('raw message URLs opened in the browser', () => {
  it('run nothing, load nothing, and are not rendered as an app-origin document', async () => {
    const { context, page } = await h.signedIn('bob@example.com')
    const w = watch(page, h.origin)
    for (const uid of [1, 2]) {
      const tab = await context.newPage()
      const dialogs: string[] = []
      tab.on('dialog', (d) => {
        dialogs.push(d.message())
        void d.dismiss()
      })
      const downloads: string[] = []
      tab.on('download', (d) => downloads.push(d.suggestedFilename()))
      const url = `${h.origin}/api/messages/${uid}/raw?mailbox=INBOX`
      const res = await tab.goto(url).catch((e: Error) => e)
      await tab.waitForTimeout(1000)
      expect(dialogs, `uid ${uid}`).toEqual([])
      // Either a download (no document) or a non-HTML view; never a live HTML document.
      // Chromium treats message/rfc822 as a download (what it does today), so goto reports it.
      if (res instanceof Error) expect(res.message, `uid ${uid}`).toMatch(/Download is starting/)
      else {
        expect(res?.headers()['content-type'] ?? '', `uid ${uid}`).not.toMatch(/html/i)
        const live = await tab.evaluate(() => ({ scripts: document.scripts.length, images: document.images.length, pwned: (window as unknown as { pwned?: number }).pwned })).catch(() => null)
        if (live) expect(live, `uid ${uid}`).toEqual({ scripts: 0, images: 0, pwned: undefined })
      }
      await tab.close()
    }
    expect(w.outside()).toEqual([])
    expect(rec.hits).toEqual([])
  })
})
