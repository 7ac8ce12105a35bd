/**
 * The last step of the pipeline: one verdict per dimension from the per-layer reports
 * (issue #5). Pure and separate so the rule is tested on its own.
 *
 * Each signed layer is judged for what it covers (issue 16):
 * - A signed layer whose content is only an encrypted layer (encrypt-then-sign) proves
 *   who sent the ciphertext, not who wrote what it says: anyone can sign someone else's
 *   ciphertext (surreptitious forwarding; Thunderbird ignores such signatures since bug
 *   1806161). It never counts toward the verdict of the content: `envelopeOnly`.
 * - Of the signed layers that do cover the content, the INNERMOST is the verdict: it
 *   signs exactly what is shown. An outer signature around it that a list or gateway
 *   broke is reported in the layers, but it claims nothing the inner one does not
 *   (an outer signature that verifies does not lift a broken inner one either).
 *
 * - signature: that layer's signers: 'valid' only when it has at least one signer and
 *   every one is valid; otherwise the first of SIGNER_STATUS_PRECEDENCE that any signer
 *   has (last of them 'gateway': signed by the accepted mail gateway of the sender's
 *   domain, issue 10, a weaker claim than the person's own signature); a signed layer
 *   without signers is 'invalid'; 'none' when no signed layer covers the content;
 *   'invalid' whenever the structure was broken (`signatureBroken`).
 *   The layering rules hold for a gateway as for anyone: a person's inner signature inside
 *   a gateway's outer one is the verdict, and a gateway that signs only the ciphertext
 *   counts for nothing.
 * - encryption: the outermost encryption layer's status, 'none' without one.
 */
import { SIGNER_STATUS_PRECEDENCE, type EncryptionVerdict, type ErrorEntry, type SignatureVerdict } from '../types'
import type { LayerReport } from './report'

export interface Verdict {
  signature: SignatureVerdict
  encryption: EncryptionVerdict
}

/** The English reason given to a signer of the encrypted envelope only (report.ts coversEnvelopeOnly). */
export const ENVELOPE_ONLY_REASON = 'signs the encrypted envelope only'

/** Is layer `i` a signed layer whose content is an encrypted layer (it signs ciphertext only)? */
export function coversEnvelopeOnly(layers: readonly LayerReport[], i: number): boolean {
  const next = layers[i + 1]
  return layers[i]?.kind === 'signed' && next !== undefined && next.kind !== 'signed'
}

/**
 * Mark the signers of envelope-only layers (additive report field and reason), so the
 * details can list them as what they are. Idempotent.
 */
export function markEnvelopeOnly(layers: LayerReport[]): void {
  layers.forEach((l, i) => {
    if (l.kind !== 'signed' || !coversEnvelopeOnly(layers, i)) return
    for (const s of l.signers) {
      s.coversEnvelopeOnly = true
      if (!s.reasons.includes(ENVELOPE_ONLY_REASON)) s.reasons.push(ENVELOPE_ONLY_REASON)
    }
  })
}

/** Stable error code of the note that an outer signature did not hold (report.errors). */
export const OUTER_SIGNATURE_CODE = 'outer-signature-invalid'

/**
 * One note per signed layer that covers the content but is not the innermost one and
 * does not hold (a signer not valid, or no signer): the verdict is the inner signature's,
 * so the outer one is said here and in its layer, never silently dropped.
 */
export function outerSignatureNotes(layers: readonly LayerReport[]): ErrorEntry[] {
  const covering = layers.flatMap((l, i) => (l.kind === 'signed' && !coversEnvelopeOnly(layers, i) ? [l] : []))
  return covering.slice(0, -1).flatMap((l) => {
    // An outer signature of the sender domain's accepted gateway holds (as much as it claims).
    const bad = l.signers.filter((s) => s.status !== 'valid' && s.status !== 'gateway')
    if (l.signers.length && !bad.length) return []
    const who = bad.map((s) => `${s.email ?? (s.subject || 'an unknown signer')}: ${s.status}`).join('; ') || 'no signer could be read'
    return [{ code: OUTER_SIGNATURE_CODE, message: `An outer signature around the signed message does not hold (${who}); it is not counted: the verdict is the inner signature's, which covers everything shown.` }]
  })
}

export function computeVerdict(layers: readonly LayerReport[], extra: { signatureBroken?: boolean } = {}): Verdict {
  let encryption: EncryptionVerdict = 'none'
  for (const l of layers) {
    if (l.kind !== 'signed') {
      encryption = l.status
      break
    }
  }
  let innermost: Extract<LayerReport, { kind: 'signed' }> | null = null
  layers.forEach((l, i) => {
    if (l.kind === 'signed' && !coversEnvelopeOnly(layers, i)) innermost = l
  })
  const layer = innermost as Extract<LayerReport, { kind: 'signed' }> | null
  let signature: SignatureVerdict
  if (extra.signatureBroken) signature = 'invalid'
  else if (layer === null) signature = 'none'
  else if (layer.signers.length === 0) signature = 'invalid'
  else {
    const statuses = layer.signers.map((s) => s.status)
    signature = statuses.every((s) => s === 'valid') ? 'valid' : (SIGNER_STATUS_PRECEDENCE.find((p) => statuses.includes(p)) ?? 'invalid')
  }
  return { signature, encryption }
}

/**
 * Exit-status meaning of `inspect`: valid or unsigned, and decrypted or not encrypted.
 * 'gateway' is not clean: the person did not sign it, whatever the gateway says.
 */
export function isClean(v: Verdict): boolean {
  return (v.signature === 'valid' || v.signature === 'none') && (v.encryption === 'decrypted' || v.encryption === 'none')
}

/**
 * Was the content refused only because its cipher gives no real confidentiality (40-bit
 * RC2, single DES; cms/envelope/weak.ts)? Then, and only then, the user may ask to read it
 * anyway as unprotected text (OpenOptions.allowWeakCiphers, `inspect --allow-weak-ciphers`).
 * Not for a message that is not for us, damaged, or under a cipher Cachet does not know.
 */
export function refusedAsNotConfidential(report: { verdict: Verdict; layers: readonly LayerReport[] }): boolean {
  if (report.verdict.encryption !== 'unsupported') return false
  const refused = report.layers.find((l) => l.kind !== 'signed' && l.status === 'unsupported')
  return refused !== undefined && refused.kind !== 'signed' && refused.noConfidentiality !== undefined
}

/**
 * Content that was read although its cipher gives no real confidentiality (opened with
 * allowWeakCiphers): it must be shown as unprotected text, never as confidential mail.
 */
export function readWithoutConfidentiality(report: { verdict: Verdict; layers: readonly LayerReport[] }): boolean {
  return report.verdict.encryption === 'decrypted' && report.layers.some((l) => l.kind !== 'signed' && l.noConfidentiality !== undefined)
}
