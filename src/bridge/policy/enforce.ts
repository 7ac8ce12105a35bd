/**
 * The policy as the bridge can enforce it (DESIGN.md, "Policy"): on the message's Subject
 * header(s), RFC 2047 decoded, and its envelope recipients; never its body. Rules whose
 * conditions need the body (bodyMatches, hasAttachments) are the app's alone.
 */
import { decodeEncodedWords, evaluatePolicy, type Policy } from '../../contract/index'
import { BridgeError } from '../errors'
import { headerValues, type readHeaders } from '../mime-headers'
import { smimeShape } from './shape'

export function enforcePolicy(policy: Policy, raw: Uint8Array, fields: ReturnType<typeof readHeaders>, recipients: string[]): void {
  if (policy.rules.length === 0) return
  // Every Subject field counts: a reader might show any of them. None = the empty subject.
  const subjects = headerValues(fields, 'subject').map(headerText)
  const requireEncryption = new Set<string>()
  const requireSignature = new Set<string>()
  for (const subject of subjects.length ? subjects : ['']) {
    const out = evaluatePolicy(policy, { subject, recipients })
    out.requireEncryption.forEach((r) => requireEncryption.add(r))
    out.requireSignature.forEach((r) => requireSignature.add(r))
  }
  if (!requireEncryption.size && !requireSignature.size) return
  const shape = smimeShape(raw)
  if (requireEncryption.size && !shape.enveloped) {
    throw new BridgeError(
      'policy_requires_encryption',
      `Not sent: your organisation's policy (${names(requireEncryption)}) requires this message to be encrypted with S/MIME. Encrypt it and send again.`,
    )
  }
  if (requireSignature.size && !shape.signed) {
    throw new BridgeError(
      'policy_requires_signature',
      `Not sent: your organisation's policy (${names(requireSignature)}) requires this message to be signed with S/MIME. Sign it and send again.`,
    )
  }
}

const names = (s: Set<string>) => [...s].map((n) => `"${n}"`).join(', ')

/**
 * A header value as read (latin1, one char per byte) → text: raw UTF-8 (RFC 6532) decoded
 * when it is valid UTF-8, then the RFC 2047 encoded words.
 */
function headerText(value: string): string {
  const bytes = Buffer.from(value, 'latin1')
  let text = value
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    // not UTF-8: keep the bytes as Latin-1
  }
  return decodeEncodedWords(text)
}
