/**
 * From IMAP FETCH data (ENVELOPE, FLAGS, RFC822.SIZE, BODYSTRUCTURE, INTERNALDATE) to the
 * contract's MessageSummary. Nothing here reads a body: attachment and S/MIME hints come
 * from BODYSTRUCTURE alone (RFC 3501 §7.4.2).
 */
import type { FetchMessageObject, MessageAddressObject, MessageStructureObject } from 'imapflow'
import type { Address, MessageSummary, SmimeKind } from '../../contract/index'

/** The FETCH items a summary needs. */
export const SUMMARY_QUERY = { uid: true, flags: true, envelope: true, size: true, bodyStructure: true, internalDate: true } as const

const isPkcs7Mime = (t: string) => t === 'application/pkcs7-mime' || t === 'application/x-pkcs7-mime'
const isPkcs7Sig = (t: string) => t === 'application/pkcs7-signature' || t === 'application/x-pkcs7-signature'

/**
 * S/MIME kind of the top-level structure (RFC 8551 §3.4–3.5): multipart/signed with a
 * pkcs7-signature protocol, or pkcs7-mime whose smime-type says signed-data, else
 * encrypted (enveloped-data, authEnveloped-data, or no smime-type from old clients).
 */
export function smimeKind(root: MessageStructureObject | undefined): SmimeKind {
  if (!root) return 'none'
  const type = root.type.toLowerCase()
  const params = lower(root.parameters)
  if (type === 'multipart/signed' && isPkcs7Sig((params.protocol ?? '').toLowerCase())) return 'signed'
  if (isPkcs7Mime(type)) {
    const st = (params['smime-type'] ?? '').toLowerCase()
    if (st === 'signed-data') return 'signed'
    if (st === 'compressed-data' || st === 'certs-only') return 'none'
    return 'encrypted'
  }
  return 'none'
}

/** True when some leaf is an attachment: disposition attachment, or a named non-text part. */
export function hasAttachments(node: MessageStructureObject | undefined, depth = 0): boolean {
  if (!node || depth > 32) return false
  const type = node.type.toLowerCase()
  if (node.childNodes?.length) return node.childNodes.some((c) => hasAttachments(c, depth + 1))
  if (isPkcs7Sig(type) || (depth === 0 && isPkcs7Mime(type))) return false
  const disp = (node.disposition ?? '').toLowerCase()
  if (disp === 'attachment') return true
  const named = lower(node.dispositionParameters).filename ?? lower(node.parameters).name
  // A named part without a disposition is an attachment in every mainstream client.
  return Boolean(named) && disp !== 'inline' && depth > 0
}

function lower(p: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(p ?? {})) out[k.toLowerCase()] = v
  return out
}

function addresses(list: MessageAddressObject[] | undefined): Address[] {
  return (list ?? []).map((a) => ({ name: a.name ?? '', address: a.address ?? '' }))
}

function isoDate(d: Date | string | undefined): string | null {
  if (!d) return null
  const t = d instanceof Date ? d : new Date(d)
  return Number.isNaN(t.getTime()) ? null : t.toISOString()
}

export function toSummary(m: FetchMessageObject): MessageSummary {
  // \Recent is per IMAP session (RFC 3501 §2.3.2) and means nothing to the app.
  const flags = [...(m.flags ?? [])].filter((f) => f !== '\\Recent')
  const env = m.envelope
  return {
    uid: m.uid,
    seq: m.seq,
    flags,
    seen: flags.includes('\\Seen'),
    flagged: flags.includes('\\Flagged'),
    answered: flags.includes('\\Answered'),
    draft: flags.includes('\\Draft'),
    from: addresses(env?.from),
    to: addresses(env?.to),
    cc: addresses(env?.cc),
    subject: env?.subject ?? '',
    date: isoDate(env?.date) ?? isoDate(m.internalDate),
    size: m.size ?? 0,
    hasAttachments: hasAttachments(m.bodyStructure),
    smime: smimeKind(m.bodyStructure),
    messageId: env?.messageId ?? null,
  }
}
