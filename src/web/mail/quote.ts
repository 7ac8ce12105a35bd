/**
 * Reply and forward text. Quotes only what the user saw, as plain text (issue 3: a reply
 * never carries hidden parts of the original), with "> " per line (RFC 3676 style).
 */
import type { AddressView, MessageView } from './view'

export function formatQuoteDate(d: Date | null, raw: string): string {
  if (!d) return raw || 'an unknown date'
  return d.toLocaleString('en-US', { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

export function quoteText(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\n+$/, '')
    .split('\n')
    .map((l) => (l.startsWith('>') ? `>${l}` : `> ${l}`).replace(/\s+$/, ''))
    .join('\n')
}

function prefixed(prefix: 'Re' | 'Fwd', subject: string): string {
  const re = prefix === 'Re' ? /^\s*re\s*:/i : /^\s*(fwd?|fw)\s*:/i
  return re.test(subject) ? subject : `${prefix}: ${subject}`
}

export const replySubject = (s: string) => prefixed('Re', s)
export const forwardSubject = (s: string) => prefixed('Fwd', s)

/**
 * Said instead of the quote when the decrypted content was signed by someone who was not
 * among its recipients (engine: foreignCiphertext): it may be someone else's encrypted
 * message re-signed so that the reply sends its plaintext to the signer ("Re: What's up
 * Johnny?", ACNS 2019).
 */
export const REWRAPPED_QUOTE_NOTE = '[Quoted text omitted: the encrypted part of this message was signed by someone who was not among its recipients]'

/** `omit`: a note said instead of the quoted text (nothing of the original is quoted). */
export interface QuoteOptions {
  omit?: string
}

export function replyBody(v: MessageView, opts: QuoteOptions = {}): string {
  const who = v.from[0]?.display ?? 'someone'
  if (opts.omit !== undefined) return `\n\n${opts.omit}\n`
  return `\n\nOn ${formatQuoteDate(v.date, v.dateRaw)}, ${who} wrote:\n${quoteText(v.text)}\n`
}

export function forwardBody(v: MessageView, opts: QuoteOptions = {}): string {
  if (opts.omit !== undefined) return `\n\n${opts.omit}\n`
  const list = (a: AddressView[]) => a.map((x) => x.display).join(', ')
  const head = [
    '---------- Forwarded message ----------',
    `From: ${list(v.from)}`,
    `Date: ${formatQuoteDate(v.date, v.dateRaw)}`,
    `Subject: ${v.subject}`,
    `To: ${list(v.to)}`,
    ...(v.cc.length ? [`Cc: ${list(v.cc)}`] : []),
  ].join('\n')
  return `\n\n${head}\n\nOn ${formatQuoteDate(v.date, v.dateRaw)}, ${v.from[0]?.display ?? 'someone'} wrote:\n${quoteText(v.text)}\n`
}

/** Recipients of a reply: Reply-To or From; for reply all also To and Cc, minus me. */
export function replyRecipients(v: MessageView, me: string, all: boolean): { to: AddressView[]; cc: AddressView[] } {
  const mine = me.toLowerCase()
  const seen = new Set<string>()
  const keep = (list: AddressView[]) =>
    list.filter((a) => {
      const k = a.address.toLowerCase()
      if (!k || seen.has(k)) return false
      seen.add(k)
      return true
    })
  const primary = v.replyTo.length ? v.replyTo : v.from
  // Replying to my own message (from Sent) goes to its original recipients.
  const fromMe = primary.every((a) => a.address.toLowerCase() === mine)
  seen.add(mine)
  const to = keep(fromMe ? v.to : primary)
  if (!all) return { to: to.length ? to : primary, cc: [] }
  const more = keep(fromMe ? [] : v.to)
  const cc = keep(v.cc)
  return { to: [...to, ...more], cc }
}

/** References for a reply (RFC 5322 §3.6.4): parent's References + parent's Message-ID. */
export function replyReferences(v: MessageView): string[] {
  const refs = [...v.references]
  if (v.messageId && !refs.includes(v.messageId)) refs.push(v.messageId)
  return refs.slice(-20)
}
