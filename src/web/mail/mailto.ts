/**
 * mailto: links in received mail, made harmless ("Mailto: Me Your Secrets", 2020).
 *
 * A mailto URL (RFC 6068) may carry any header field, and clients have honoured fields
 * such as `attach=/etc/passwd`, `attachment=`, a hidden `bcc=` or `in-reply-to=`: one
 * click and the victim's files or mail went to the attacker. Cachet keeps exactly four
 * fields — to, cc, subject, body — and drops everything else, then opens its own compose
 * window (route `/compose`) in a new tab, where the user sees every field before Send.
 * The body starts with a note that a link filled it in.
 *
 * The `/compose` route reads the same four query parameters through
 * {@link composeFieldsFromQuery}, so a plain https link to `/compose?attach=…` gets no more
 * than a mailto: link does.
 */

/** The only fields a link may fill in (RFC 6068 hfields, everything else dropped). */
export interface LinkComposeFields {
  to: string
  cc: string
  subject: string
  body: string
}

/** Path of the app's compose route; the query carries {@link LinkComposeFields}. */
export const COMPOSE_PATH = '/compose'

/** First line of a body that a link filled in: the user should know who wrote it. */
export const LINK_BODY_NOTE = '[The text below was filled in by a link in a message you received. Check it before sending.]'

/** Bounds: a link fills in a short note, not a megabyte that hides something at the end. */
const MAX_ADDRESSES = 2_000
const MAX_SUBJECT = 500
const MAX_BODY = 20_000

/** RFC 6068 §2: percent-encoded UTF-8. '+' is a plus sign here, not a space. */
function decode(s: string): string | null {
  try {
    return decodeURIComponent(s)
  } catch {
    return null
  }
}

/** One header line: no CR, LF or other control characters (header injection), trimmed and bounded. */
function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, max)
}

/** A body: line breaks kept (as \n), other control characters dropped, bounded. */
function bodyText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').slice(0, MAX_BODY)
}

function joinAddresses(list: string[]): string {
  return oneLine(list.map((a) => a.trim()).filter(Boolean).join(', '), MAX_ADDRESSES)
}

/**
 * Parse a mailto: URL (RFC 6068: `mailto:[to][?hfield=value&…]`). Addresses in the path
 * and in `to=` hfields are joined; `cc=` likewise; the first `subject=` and `body=` win.
 * Any other hfield (attach, attachment, bcc, from, in-reply-to, references, …) is dropped.
 * Returns null when `href` is not a mailto: URL.
 */
export function parseMailto(href: string): LinkComposeFields | null {
  const m = /^\s*mailto:([^?#]*)(?:\?([^#]*))?/i.exec(href)
  if (!m) return null
  const to: string[] = []
  const cc: string[] = []
  let subject: string | null = null
  let body: string | null = null
  const path = decode(m[1] ?? '')
  if (path) to.push(...path.split(','))
  for (const pair of (m[2] ?? '').split('&')) {
    const eq = pair.indexOf('=')
    if (eq < 0) continue
    const name = decode(pair.slice(0, eq))?.trim().toLowerCase()
    const value = decode(pair.slice(eq + 1))
    if (value === null) continue
    if (name === 'to') to.push(...value.split(','))
    else if (name === 'cc') cc.push(...value.split(','))
    else if (name === 'subject' && subject === null) subject = value
    else if (name === 'body' && body === null) body = value
  }
  return { to: joinAddresses(to), cc: joinAddresses(cc), subject: oneLine(subject ?? '', MAX_SUBJECT), body: bodyText(body ?? '') }
}

/** The app-relative compose URL for these fields (empty ones left out). */
export function composeHref(fields: LinkComposeFields): string {
  const q = new URLSearchParams()
  for (const k of ['to', 'cc', 'subject', 'body'] as const) if (fields[k]) q.set(k, fields[k])
  const s = q.toString()
  return s ? `${COMPOSE_PATH}?${s}` : COMPOSE_PATH
}

/** A query value as vue-router gives it (string, null, or an array of them): the first string. */
function first(v: unknown): string {
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return typeof v[0] === 'string' ? v[0] : ''
  return ''
}

/**
 * The compose route's fields from its query: only to, cc, subject and body, cleaned and
 * bounded as for mailto:, the body led by {@link LINK_BODY_NOTE} when there is one.
 * Whatever else the query holds (attach, bcc, from, …) is ignored.
 */
export function composeFieldsFromQuery(query: Readonly<Record<string, unknown>>): LinkComposeFields {
  const body = bodyText(first(query.body))
  return {
    to: joinAddresses(first(query.to).split(',')),
    cc: joinAddresses(first(query.cc).split(',')),
    subject: oneLine(first(query.subject), MAX_SUBJECT),
    body: body.trim() ? `${LINK_BODY_NOTE}\n\n${body}` : '',
  }
}
