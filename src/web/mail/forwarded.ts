/**
 * Forwarded messages for display (issue 16): the engine opened each message/rfc822 part
 * of the displayed message on its own (core/message/forwarded.ts: report.forwarded, and
 * the bytes in the same order). Each becomes a view of its own — its header (From, To,
 * Date, Subject), its body, its attachments — next to its own report, so the reading pane
 * draws it apart from the enclosing message with its own security summary. The enclosing
 * message's body never includes it (mail/open.ts keeps message/rfc822 parts as
 * attachments), and nothing here decides anything about security: the reports are core's.
 */
import type { ForwardedMessage, ForwardedReport } from '../../core/message/forwarded'
import type { SecurityReport } from '../../core/message/report'
import { openUnwrapped } from './open'
import { toMessageView, type MessageView } from './view'

export interface ForwardedView {
  /** Path of the message/rfc822 part from the displayed root (core's). */
  path: number[]
  /** 1: forwarded in the open message; 2: inside that one… */
  depth: number
  /** The forwarded message's own report: its verdict is never the enclosing message's. */
  report: SecurityReport
  /** Encrypted and not decrypted (core ForwardedReport.encryptedNotOpened): its header only. */
  encryptedNotOpened: boolean
  view: MessageView
  forwarded: ForwardedView[]
}

const samePath = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i])

/**
 * Pair core's reports with their bytes (same order, same paths; anything that does not
 * match is left out rather than shown under another message's summary) and build each view.
 */
export async function forwardedViews(reports: readonly ForwardedReport[] | undefined, messages: readonly ForwardedMessage[]): Promise<ForwardedView[]> {
  const out: ForwardedView[] = []
  for (const [i, r] of (reports ?? []).entries()) {
    const m = messages[i]
    if (!m || !samePath(m.path, r.path)) continue
    const notOpened = r.encryptedNotOpened === true
    // Not decrypted: only its header is shown (an empty inner is "header only" in openUnwrapped).
    const opened = await openUnwrapped(m.raw, notOpened ? new Uint8Array(0) : m.inner)
    out.push({
      path: r.path,
      depth: r.depth,
      report: r.report,
      encryptedNotOpened: notOpened,
      view: toMessageView(opened),
      forwarded: await forwardedViews(r.report.forwarded, m.forwarded),
    })
  }
  return out
}
