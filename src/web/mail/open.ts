/**
 * Stage 1 of the reading pipeline: raw bytes → opened message.
 *
 *   bridge GET …/raw  →  openMessage(raw)  →  toMessageView(opened)  →  ReadingPane
 *
 * The bridge never parses or alters a message; these bytes are exactly what the IMAP
 * server stores. Here they are parsed for display with postal-mime (in the browser, so
 * the bridge stays a pipe) and checked for structural damage.
 *
 * S/MIME plugs in HERE (issue 4): `openMessage` becomes
 *   const { report, parts } = await worker.open(raw, keyring)   // core/message.open
 * and `OpenedMessage` gains `security: SecurityReport` plus one entry per displayable
 * part, each marked with the protection that covers exactly that part. Everything after
 * this function (view model, view) consumes `OpenedMessage` and does not look at MIME
 * headers to decide anything about security.
 */
import PostalMime, { type Email } from 'postal-mime'
import { diagnoseMime, type MimeProblem } from './diagnose'

export interface OpenedMessage {
  /** The exact bytes from the server (kept for "View source" and attachment bytes). */
  raw: Uint8Array
  /** The parse for display; null when the message could not be parsed at all. */
  email: Email | null
  /** Structural problems, in words. Non-empty means the view says so. */
  problems: MimeProblem[]
}

/** Bounds that keep hostile input cheap (issue 3: resource abuse). */
const PARSE_OPTIONS = {
  maxNestingDepth: 64,
  maxHeadersSize: 1024 * 1024,
  maxRfc822NestingDepth: 3,
  attachmentEncoding: 'arraybuffer' as const,
}

export async function openMessage(raw: Uint8Array): Promise<OpenedMessage> {
  const problems = diagnoseMime(raw)
  let email: Email | null = null
  try {
    email = await PostalMime.parse(raw, PARSE_OPTIONS)
  } catch (e) {
    problems.push({
      code: 'parse-failed',
      message: `The message could not be parsed (${e instanceof Error ? e.message : String(e)}).`,
    })
  }
  return { raw, email, problems }
}
