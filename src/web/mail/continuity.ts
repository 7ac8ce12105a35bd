/**
 * Signer continuity in words (issue 9): the security summary's warning when a sender's
 * certificate changed to a different key from a different issuer, the way SSH warns of a
 * changed host key. The decision is core's (core/pki continuity.ts) over the certificates
 * in Contacts (stores/contacts.ts continuityOf); renewals and the same key re-certified
 * say nothing. Pure and DOM-free, so the wording is unit tested.
 */
import type { SignerContinuity } from '../../core/pki'
import type { SecurityLine } from './security'

/** What the summary needs per signer (stores/contacts.ts SignerToAdd carries it). */
export interface SignerContinuityFact {
  address: string | null
  continuity: SignerContinuity
}

/** "alice@example.com signed with a different certificate than before, issued by Other CA", or null when nothing changed. */
export function continuityLine(f: SignerContinuityFact): SecurityLine | null {
  if (f.continuity.kind !== 'changed' || f.address === null) return null
  return { tone: 'warn', text: `${f.address} signed with a different certificate than before, issued by ${f.continuity.issuerName}` }
}

/** One line per changed signer, each said once. */
export function continuityLines(facts: readonly SignerContinuityFact[]): SecurityLine[] {
  const out = new Map<string, SecurityLine>()
  for (const f of facts) {
    const line = continuityLine(f)
    if (line) out.set(line.text, line)
  }
  return [...out.values()]
}
