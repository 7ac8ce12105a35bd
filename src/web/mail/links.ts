/**
 * What a link in message HTML becomes, decided once per element after DOMPurify ran.
 *
 * The frame's sandbox allows exactly one thing beyond showing: a popup the user opens by
 * clicking a link (`allow-popups allow-popups-to-escape-sandbox`; there is no script, so
 * nothing else can open one). Every link therefore gets target=_blank and
 * rel="noopener noreferrer": a new tab with no `window.opener` back to the app and no
 * Referer. Which links stay links:
 *  - http: and https: URLs, absolute, as the sender wrote them (no upgrade: a link is the
 *    user's choice to visit that address; image loads are a different matter);
 *  - mailto: URLs, rewritten to Cachet's own compose route with only to, cc, subject and
 *    body (mail/mailto.ts, "Mailto: Me Your Secrets");
 *  - nothing else: javascript:, data:, file:, cid:, tel:, relative and fragment links
 *    lose their href (the text stays). A relative href would resolve against the app's
 *    URL, not the sender's, so it could not mean what the sender meant anyway.
 *
 * Hovering cannot show the target across the sandbox, so the real destination goes into
 * `title`. When the visible text names another host or address (phishing: text
 * "https://bank.example", href "https://bank.example.evil.test"), the real host is also
 * written next to the link.
 *
 * Content decrypted from AES-CBC has no integrity (EFAIL gadgets): an attacker who
 * altered the ciphertext can have turned text into a link that carries the plaintext to
 * them. There, no link is followable: `followable: false` removes every href.
 */
import { t } from '../i18n'
import { composeHref, parseMailto, type LinkComposeFields } from './mailto'

export interface LinkOptions {
  /** false for content without integrity protection (CBC): every href is removed. */
  followable: boolean
  /** The app's origin, e.g. "https://mail.example.com": where mailto: links open compose. */
  appOrigin: string
}

/** What happened to one element that had an href. */
export type LinkOutcome = 'web' | 'mailto' | 'not-a-link' | 'disabled'

/** The title of a link disabled for lack of integrity protection, in the app's language. */
export const disabledLinkTitle = () => t('links.disabled')
const notALinkTitle = () => t('links.notALink')

/** Hosts are equal when they match after "www.", or the real host is below the shown one. */
function sameSite(shown: string, real: string): boolean {
  const s = shown.replace(/^www\./, '')
  const r = real.replace(/^www\./, '')
  return s === r || r.endsWith(`.${s}`)
}

const FILE_EXTENSION = /\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|txt|csv|png|jpe?g|gif|webp|html?|ics|eml|p7[msc]|cer|pem|der|pfx|p12)$/i

/** The host the visible text names, if it looks like a URL or a domain; null otherwise. */
export function hostShownIn(text: string): string | null {
  const t = text.replace(/\s+/g, ' ').trim()
  const inText = /\bhttps?:\/\/[^\s<>"']+/i.exec(t)?.[0]
  const bare = /^(?:www\.)?[^\s/?#@:]+\.[^\s/?#@:]+(?::\d+)?(?:[/?#]\S*)?$/i.test(t) ? t : null
  const candidate = inText ?? bare
  if (!candidate) return null
  try {
    const host = new URL(/^https?:\/\//i.test(candidate) ? candidate : `https://${candidate}`).hostname
    // A domain has a dot and ends in a label of letters (or punycode): "e.g." or "1.5" is
    // not one, nor is a file name ("report.pdf"; .zip and .mov are real TLDs and stay).
    if (!/\.(?:[a-z]{2,}|xn--[a-z0-9-]+)$/i.test(host) || FILE_EXTENSION.test(host)) return null
    return host.toLowerCase()
  } catch {
    return null
  }
}

/** The email address the visible text is, if it is one. */
function addressShownIn(text: string): string | null {
  const t = text.replace(/^mailto:/i, '').trim()
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(t) ? t.toLowerCase() : null
}

/** "(link goes to evil.test)" next to the link: the real destination, in the message's text. */
function noteAfter(el: Element, text: string): void {
  const span = el.ownerDocument.createElement('span')
  span.setAttribute('style', 'font-size:12px;color:#8a4b00;background:#fff4e0;border-radius:3px;padding:0 3px;margin-left:3px')
  span.textContent = text
  el.after(span)
}

function openInNewTab(el: Element, href: string, title: string): void {
  el.setAttribute('href', href)
  el.setAttribute('target', '_blank')
  el.setAttribute('rel', 'noopener noreferrer')
  el.setAttribute('title', title)
}

function notALink(el: Element, title: string): void {
  el.removeAttribute('href')
  el.removeAttribute('target')
  el.setAttribute('title', title)
}

function mailtoTitle(f: LinkComposeFields): string {
  return `mailto:${f.to}${f.cc ? ` (cc: ${f.cc})` : ''}`
}

/** Decide and apply what the element's href becomes. Elements without href are left alone. */
export function rewriteLink(el: Element, opts: LinkOptions): LinkOutcome | null {
  const raw = el.getAttribute('href')
  if (raw === null) return null
  el.removeAttribute('rel')
  if (!opts.followable) {
    notALink(el, disabledLinkTitle())
    return 'disabled'
  }
  const mail = parseMailto(raw)
  if (mail) {
    openInNewTab(el, new URL(composeHref(mail), opts.appOrigin).href, mailtoTitle(mail))
    const shown = addressShownIn(el.textContent ?? '')
    const real = `${mail.to},${mail.cc}`.toLowerCase()
    if (shown && !real.includes(shown)) noteAfter(el, t('links.writesTo', { to: mail.to || mail.cc || t('links.nobody') }))
    return 'mailto'
  }
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    notALink(el, notALinkTitle())
    return 'not-a-link'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    notALink(el, notALinkTitle())
    return 'not-a-link'
  }
  openInNewTab(el, url.href, url.href)
  const shown = hostShownIn(el.textContent ?? '')
  // user:pass@ before the host is a classic disguise ("https://bank.example@evil.test/").
  if ((shown && !sameSite(shown, url.hostname)) || url.username || url.password) noteAfter(el, t('links.goesTo', { host: url.hostname }))
  return 'web'
}
