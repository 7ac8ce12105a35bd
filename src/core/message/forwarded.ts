/**
 * Forwarded messages (issue 16): a message/rfc822 part of the displayed message is a
 * message of its own, shown inline as a mail client shows it, with its own security
 * summary. It is opened here with openMessage on the enclosed message's bytes, so its
 * From, Date, layers and verdict are its own and never merged into the enclosing
 * message's verdict, nor the other way round: a validly signed message forwarded inside
 * an unsigned one leaves the outer message unsigned, and the forwarded one says who
 * signed it.
 *
 * Only signatures are checked: a forwarded message is opened with no identities, so an
 * encrypted one is never decrypted (`encryptedNotOpened`). Anyone can wrap captured
 * ciphertext in a message of their own; decrypting it there would show it under their
 * message and let a reply quote it back to them (EFAIL direct exfiltration, "Re: What's
 * up Johnny?" reply oracles), as parts.ts does for any encrypted part below an
 * unprotected root.
 *
 * Bounded: forwarded messages are followed MAX_FORWARDED_DEPTH levels deep (a forwarded
 * message inside a forwarded message…), at most MAX_FORWARDED of them in all; past that
 * they stay attachments only.
 */
import type { MimeEntity } from '../mime'
import type { Keyring } from '../types'
import type { SecurityReport } from './report'

/** Levels of forwarded messages opened below the displayed message (then attachment only). */
export const MAX_FORWARDED_DEPTH = 3
/** Forwarded messages opened in all, every level together, for one message. */
export const MAX_FORWARDED = 8

/** A forwarded message's own report (SecurityReport.forwarded, the inspect contract). */
export interface ForwardedReport {
  /** Child indexes of the message/rfc822 part from the displayed root (as view.embedded). */
  path: number[]
  /** 1: forwarded in the displayed message; 2: forwarded inside that one; up to MAX_FORWARDED_DEPTH. */
  depth: number
  /**
   * Its own report: its own From and Date for the From rule and the time check, its own
   * layers and verdict, and its own `forwarded` one level deeper. Never part of the
   * enclosing message's verdict.
   */
  report: SecurityReport
  /**
   * Set when it is encrypted: it was not decrypted (see above), so its encryption verdict
   * ('not-for-you') does not say whether it was for you.
   */
  encryptedNotOpened?: true
}

/** The bytes the app displays a forwarded message from, in the order of SecurityReport.forwarded. */
export interface ForwardedMessage {
  path: number[]
  /** The enclosed message as sent (its header carries From, To, Date, Subject). */
  raw: Uint8Array
  /** Its innermost unwrapped entity (its signature layers removed), as OpenResult.inner. */
  inner: Uint8Array
  /** Messages forwarded inside it, in the order of its report's `forwarded`. */
  forwarded: ForwardedMessage[]
}

/** Where the opening stands: the level of the message being opened and the forwarded messages left to open. */
export interface ForwardedNesting {
  depth: number
  budget: { left: number }
}

/** How a forwarded message is opened: openMessage itself, passed in (open.ts imports this file). */
export type OpenForwarded = (
  raw: Uint8Array,
  keyring: Keyring,
  nesting: ForwardedNesting,
) => Promise<{ report: SecurityReport; inner: Uint8Array; forwarded: ForwardedMessage[] }>

const isMessagePart = (e: MimeEntity) => {
  const t = `${e.contentType.type}/${e.contentType.subtype}`.toLowerCase()
  return t === 'message/rfc822' || t === 'message/global'
}

/**
 * The message/rfc822 parts of the displayed entity, in order, whose enclosed message was
 * parsed (not one whose transfer encoding hid it). Not looked into: the enclosed
 * messages themselves (they are opened on their own, one level deeper).
 */
export function findForwarded(root: MimeEntity): { path: number[]; message: MimeEntity }[] {
  const out: { path: number[]; message: MimeEntity }[] = []
  const walk = (e: MimeEntity, path: number[]) => {
    if (isMessagePart(e)) {
      const enclosed = e.children[0]
      if (enclosed) out.push({ path, message: enclosed })
      return
    }
    if (e.contentType.type.toLowerCase() !== 'multipart') return
    e.children.forEach((c, i) => walk(c, [...path, i]))
  }
  walk(root, [])
  return out
}

export interface OpenedForwarded {
  reports: ForwardedReport[]
  messages: ForwardedMessage[]
}

/** Open each forwarded message of `root` on its own, with the public half of the keyring only. */
export async function openForwardedMessages(root: MimeEntity, keyring: Keyring, nesting: ForwardedNesting, open: OpenForwarded): Promise<OpenedForwarded> {
  const out: OpenedForwarded = { reports: [], messages: [] }
  if (nesting.depth >= MAX_FORWARDED_DEPTH) return out
  const publicOnly: Keyring = { ...keyring, identities: [] }
  const depth = nesting.depth + 1
  for (const { path, message } of findForwarded(root)) {
    if (nesting.budget.left <= 0) break
    nesting.budget.left--
    const r = await open(message.raw, publicOnly, { depth, budget: nesting.budget })
    const encrypted = r.report.layers.some((l) => l.kind !== 'signed')
    out.reports.push({ path, depth, report: r.report, ...(encrypted ? { encryptedNotOpened: true as const } : {}) })
    out.messages.push({ path, raw: message.raw, inner: r.inner, forwarded: r.forwarded })
  }
  return out
}
