/**
 * What a mail gateway says it did, in header fields it added: MailID's X-MailID-Info-*
 * ("signature verified", "decrypted by the gateway", …). Anyone on the way can write
 * such a field, so they are shown in the details as claims of a server, never verified,
 * and never change a badge (DESIGN.md: the view draws badges from the report, never from
 * the MIME headers).
 */
import { decodeEncodedWords } from '../../contract'

export interface ServerClaim {
  /** The field name as written, e.g. X-MailID-Info-Signature. */
  name: string
  value: string
}

const CLAIM = /^x-mailid-info(?:-[a-z0-9-]+)?$/i
const MAX_HEADER = 64 * 1024
const MAX_CLAIMS = 40
const MAX_VALUE = 500

/** The X-MailID-Info-* fields of the message's own (top-level) header, in order. */
export function serverClaims(raw: Uint8Array | null): ServerClaim[] {
  if (!raw) return []
  const head = new TextDecoder('latin1').decode(raw.subarray(0, MAX_HEADER))
  const end = head.search(/\r?\n\r?\n/)
  const block = end < 0 ? head : head.slice(0, end)
  const out: ServerClaim[] = []
  let current: ServerClaim | null = null
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line)) {
      if (current) current.value += ' ' + line.trim()
      continue
    }
    current = null
    const m = /^([!-9;-~]+):(.*)$/.exec(line)
    if (m && CLAIM.test(m[1]!) && out.length < MAX_CLAIMS) {
      current = { name: m[1]!, value: m[2]!.trim() }
      out.push(current)
    }
  }
  return out.map((c) => ({ name: c.name, value: clip(decodeEncodedWords(utf8(c.value))) }))
}

function utf8(latin1: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(latin1, (ch) => ch.charCodeAt(0)))
  } catch {
    return latin1
  }
}

const clip = (s: string) => (s.length > MAX_VALUE ? s.slice(0, MAX_VALUE) + '…' : s)
