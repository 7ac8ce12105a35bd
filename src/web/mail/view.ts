/**
 * Stage 2 of the reading pipeline: opened message → immutable view model.
 *
 * The view model is all the reading pane needs and nothing it should not decide on.
 * Bodies are a list of parts, each rendered on its own (HTML in its own sandboxed
 * frame), so that when S/MIME arrives a part can carry the protection that covers it
 * and decrypted content is never stitched together with unprotected parts (EFAIL).
 */
import type { Address, Email } from 'postal-mime'
import type { OpenedMessage } from './open'
import { displayParts } from './parts'

export interface AddressView {
  name: string
  address: string
  /** "Name <address>" or just the address, for display and quoting. */
  display: string
}

export type BodyPartView =
  | { kind: 'text'; text: string }
  | { kind: 'html'; html: string }

export interface AttachmentView {
  id: string
  filename: string
  mimeType: string
  size: number
  bytes: Uint8Array
  /** Content-ID without angle brackets, when the part is referenced by cid: from HTML. */
  contentId: string | null
  /** Shown inline by the HTML (an image referenced by cid:) rather than listed. */
  inline: boolean
}

export interface MessageView {
  subject: string
  from: AddressView[]
  to: AddressView[]
  cc: AddressView[]
  replyTo: AddressView[]
  /** The Sender header (RFC 5322 §3.6.2), shown when it is not the From (issue 3, identity tricks). */
  sender?: AddressView[]
  date: Date | null
  /** The Date header as sent, for when it does not parse. */
  dateRaw: string
  messageId: string | null
  references: string[]
  /** Plain text of the message for quoting in replies (text part, or text from HTML). */
  text: string
  /** Display parts in order. */
  parts: BodyPartView[]
  attachments: AttachmentView[]
  /** Structural problems in words; when non-empty the pane explains and offers the source. */
  problems: string[]
  /** True when nothing displayable could be recovered. */
  unreadable: boolean
}

function flatten(a: Address | Address[] | undefined): AddressView[] {
  const list = a === undefined ? [] : Array.isArray(a) ? a : [a]
  const out: AddressView[] = []
  for (const x of list) {
    if (x.group) for (const m of x.group) out.push(toAddress(m.name, m.address))
    else out.push(toAddress(x.name, x.address ?? ''))
  }
  return out
}

function toAddress(name: string, address: string): AddressView {
  const n = name.trim()
  return { name: n, address, display: n && n !== address ? `${n} <${address}>` : address }
}

/** Longest text or HTML of one part drawn in the pane (characters). */
const MAX_PART_CHARS = 2_000_000

const idList = (s: string | undefined): string[] => (s ? (s.match(/<[^<>\s]+>/g) ?? []) : [])

/** Declarations that hide an element from the reader (issue 3, reply oracles). */
const HIDING = /(?:^|[;{\s])(?:display\s*:\s*none|visibility\s*:\s*(?:hidden|collapse)|font-size\s*:\s*0(?:px|em|rem|pt|%)?\s*(?:[;!}]|$)|opacity\s*:\s*0(?:\.0*)?\s*(?:[;!}]|$))/i

/**
 * Text from HTML for quoting: block elements become line breaks; nothing is rendered.
 * Only what the reader saw is kept ("Re: What's up Johnny?", ACNS 2019): elements hidden
 * by the hidden attribute, an inline style or a message style rule are dropped, and so
 * are the elements the sanitizer removes before display (form controls, frames, media).
 */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  for (const st of doc.querySelectorAll('style')) {
    for (const m of (st.textContent ?? '').matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
      if (!HIDING.test(m[2]!)) continue
      try {
        doc.querySelectorAll(m[1]!.trim()).forEach((n) => n.remove())
      } catch {
        // not a selector this parser knows (at-rules, hacks): ignore
      }
    }
  }
  doc.querySelectorAll('[hidden],[style]').forEach((n) => (n.hasAttribute('hidden') || HIDING.test(n.getAttribute('style') ?? '')) && n.remove())
  doc.querySelectorAll('script,style,head,title,noscript,template,textarea,select,button,iframe,object,embed,svg,math,audio,video').forEach((n) => n.remove())
  doc.querySelectorAll('br').forEach((n) => n.replaceWith('\n'))
  doc.querySelectorAll('p,div,tr,li,h1,h2,h3,h4,h5,h6,blockquote,pre').forEach((n) => n.append('\n'))
  return (doc.body?.textContent ?? '').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim()
}

function toBytes(c: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof c === 'string') return new TextEncoder().encode(c)
  return c instanceof Uint8Array ? c : new Uint8Array(c)
}

export function toMessageView(opened: OpenedMessage): MessageView {
  const e: Email | null = opened.email
  const problems = opened.problems.map((p) => p.message)
  if (!e) {
    return {
      subject: '', from: [], to: [], cc: [], replyTo: [], date: null, dateRaw: '', messageId: null,
      references: [], text: '', parts: [], attachments: [], problems, unreadable: true,
    }
  }
  const dateRaw = e.headers.find((h) => h.key === 'date')?.value ?? ''
  const parsedDate = e.date ? new Date(e.date) : null
  const attachments: AttachmentView[] = e.attachments.map((a, i) => {
    const bytes = toBytes(a.content)
    const cid = a.contentId ? a.contentId.replace(/^<|>$/g, '') : null
    return {
      id: String(i),
      filename: a.filename ?? (a.mimeType === 'message/rfc822' ? `message-${i + 1}.eml` : `attachment-${i + 1}`),
      mimeType: a.mimeType,
      size: bytes.length,
      bytes,
      contentId: cid,
      inline: Boolean(a.related && cid && a.mimeType.startsWith('image/')),
    }
  })
  // Several inline parts stay apart, each HTML part in its own frame (EFAIL: never joined).
  const split = opened.body ? displayParts(opened.body) : null
  const whole: BodyPartView[] = split && split.length > 1 ? split : []
  if (whole.length === 0 && e.html && e.html.trim()) whole.push({ kind: 'html', html: e.html })
  else if (whole.length === 0 && e.text !== undefined) whole.push({ kind: 'text', text: e.text })
  // A huge text (a 60 MB line) is cut for display: the tab must stay usable (issue 3).
  const parts = whole.map((p): BodyPartView => {
    const s = p.kind === 'html' ? p.html : p.text
    if (s.length <= MAX_PART_CHARS) return p
    problems.push(`A part of this message is ${Math.round(s.length / 1e6)} million characters long; only the first ${MAX_PART_CHARS / 1e6} million are shown.`)
    return p.kind === 'html' ? { kind: 'html', html: s.slice(0, MAX_PART_CHARS) } : { kind: 'text', text: s.slice(0, MAX_PART_CHARS) }
  })
  // Quote what is shown: the displayed HTML, not a text/plain alternative nobody saw.
  const text = parts.some((p) => p.kind === 'html') ? parts.map((p) => (p.kind === 'html' ? htmlToText(p.html) : p.text)).join('\n\n') : (e.text ?? '')
  return {
    subject: e.subject ?? '',
    from: flatten(e.from),
    to: flatten(e.to),
    cc: flatten(e.cc),
    replyTo: flatten(e.replyTo),
    sender: flatten(e.sender),
    date: parsedDate && !Number.isNaN(parsedDate.getTime()) ? parsedDate : null,
    dateRaw,
    messageId: idList(e.messageId)[0] ?? null,
    references: idList(e.references),
    text,
    parts,
    attachments,
    problems,
    unreadable: parts.length === 0 && attachments.length === 0 && problems.length > 0,
  }
}
