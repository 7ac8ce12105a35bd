/**
 * Stage 3 for HTML parts: untrusted HTML → a self-contained document for a sandboxed
 * frame (`<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc=…>`: no
 * scripts, opaque origin, no forms, no navigation of the app; only a clicked link opens).
 *
 * Three independent walls, so that any one failing still leaves two:
 *  1. DOMPurify removes scripts, event handlers, forms and their controls, base, meta
 *     (refresh), link, frames, objects and embeds.
 *  2. The frame's own CSP (a meta element we put first in <head>) allows images only from
 *     data: (cid: references are rewritten to data: URLs of the message's own parts) and
 *     styles only inline; `default-src 'none'` blocks fonts, media, CSS @import, etc.
 *     "Load remote content" adds https: for images, nothing else.
 *  3. The frame's sandbox ({@link FRAME_SANDBOX}) runs no script, submits no form and
 *     cannot navigate the app. It allows popups, and only links open them: with no script,
 *     a popup needs the user's click. Links (mail/links.ts) get target=_blank and
 *     rel="noopener noreferrer", their real destination in `title`; http(s) stay, mailto:
 *     opens Cachet's compose with to/cc/subject/body only, every other scheme loses its
 *     href, and content without integrity (CBC) has no followable link at all.
 *
 * Always sanitize *after* rewriting (cid: → data:), never before: the output of
 * sanitize is what the frame sees.
 */
import DOMPurify from 'dompurify'
import { rewriteLink, type LinkOutcome } from './links'
import type { AttachmentView } from './view'

/**
 * The frame's sandbox: popups opened by a click on a link, which escape the sandbox (so
 * the site opens normally, in a new tab without opener). Never allow-scripts,
 * allow-same-origin, allow-forms or allow-top-navigation.
 */
export const FRAME_SANDBOX = 'allow-popups allow-popups-to-escape-sandbox'

const FORBID_TAGS = [
  'script', 'noscript', 'form', 'input', 'button', 'textarea', 'select', 'option', 'optgroup',
  'base', 'meta', 'link', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'portal',
  'template', 'slot', 'dialog', 'math', 'svg', 'video', 'audio', 'source', 'track',
]
// ping: <a ping> would POST to the sender's server on a click; download/referrerpolicy
// would change what a click on a link does.
const FORBID_ATTR = ['action', 'formaction', 'srcset', 'ping', 'background', 'poster', 'http-equiv', 'download', 'referrerpolicy']

/** Largest inline image turned into a data: URL (bigger ones stay listed as attachments). */
const MAX_INLINE_IMAGE = 5 * 1024 * 1024

function dataUrl(a: AttachmentView): string {
  let bin = ''
  for (let i = 0; i < a.bytes.length; i += 0x8000) bin += String.fromCharCode(...a.bytes.subarray(i, i + 0x8000))
  return `data:${a.mimeType.replace(/[^\w.+/-]/g, '')};base64,${btoa(bin)}`
}

export interface FrameOptions {
  /** The user clicked "Load remote content" for this message. */
  allowRemote: boolean
  /** false for content without integrity protection (decrypted from CBC): links lose their href. */
  linksFollowable: boolean
  /** The app's origin (location.origin): mailto: links open its compose route. */
  appOrigin: string
}

export interface SanitizedHtml {
  /** Complete document for `srcdoc`. */
  srcdoc: string
  /** The HTML referred to remote resources (images, CSS url()), which are blocked. */
  hasRemoteContent: boolean
  /** Links whose href was removed because the content has no integrity (`linksFollowable: false`). */
  disabledLinks: number
}

const REMOTE = /^\s*(?:https?:)?\/\//i

export function sanitizeHtmlPart(html: string, attachments: readonly AttachmentView[], opts: FrameOptions): SanitizedHtml {
  const byCid = new Map(attachments.filter((a) => a.contentId).map((a) => [a.contentId!.toLowerCase(), a]))
  let hasRemoteContent = false
  const purify = DOMPurify()
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (!(node instanceof Element)) return
    const src = node.getAttribute('src')
    if (src !== null) {
      const cid = /^cid:(.+)$/i.exec(src.trim())
      if (cid) {
        const a = byCid.get(decodeURIComponent(cid[1]!).replace(/^<|>$/g, '').toLowerCase())
        if (a && a.bytes.length <= MAX_INLINE_IMAGE && a.mimeType.startsWith('image/')) node.setAttribute('src', dataUrl(a))
        else node.removeAttribute('src')
      } else if (REMOTE.test(src)) {
        hasRemoteContent = true
        // Plain http is never loaded, even on request: upgrade or drop.
        if (/^\s*http:/i.test(src)) node.setAttribute('src', src.replace(/^\s*http:/i, 'https:'))
      }
    }
    const style = node.getAttribute('style')
    if (style && /url\s*\(/i.test(style)) hasRemoteContent = true
  })
  purify.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && /url\s*\(|@import/i.test(node.textContent ?? '')) hasRemoteContent = true
  })
  const root = purify.sanitize(html, {
    WHOLE_DOCUMENT: true,
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    RETURN_DOM: true,
  }) as unknown as HTMLElement
  // Links after sanitizing: rewriteLink sets target/rel/title itself and may add a note.
  const outcomes: LinkOutcome[] = []
  for (const el of root.querySelectorAll('[href]')) {
    const o = rewriteLink(el, { followable: opts.linksFollowable, appOrigin: opts.appOrigin })
    if (o) outcomes.push(o)
  }
  const messageStyles = [...root.querySelectorAll('style')].map((s) => s.outerHTML).join('')
  root.querySelectorAll('style').forEach((s) => s.remove())
  const body = root.querySelector('body')?.outerHTML ?? '<body></body>'
  const img = opts.allowRemote ? 'data: cid: https:' : 'data: cid:'
  const csp = `default-src 'none'; img-src ${img}; style-src 'unsafe-inline'; font-src data:; form-action 'none'`
  // Our meta CSP comes first: it must be in force before anything of the message is parsed.
  const head = `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${csp}"><meta name="referrer" content="no-referrer"><style>${FRAME_BASE_CSS}</style>${messageStyles}`
  return { srcdoc: `<!doctype html><html><head>${head}</head>${body}</html>`, hasRemoteContent, disabledLinks: outcomes.filter((o) => o === 'disabled').length }
}

/** Readable defaults for mail that brings no styles of its own. */
const FRAME_BASE_CSS =
  'html{color-scheme:light}body{margin:0;padding:14px 24px;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}a[href]{color:#1f5fa8}a:not([href]){color:inherit;text-decoration:underline dotted;cursor:default}blockquote{margin:0 0 0 .5em;padding-left:.8em;border-left:3px solid #d5dbe3;color:#4a5566}pre{white-space:pre-wrap}table{max-width:100%}'
