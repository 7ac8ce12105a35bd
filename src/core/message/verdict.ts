/**
 * The last step of the pipeline: one verdict per dimension from the per-layer reports
 * (issue #5). Pure and separate so the rule is tested on its own:
 * - signature: 'valid' only when every signed layer has at least one signer and every
 *   signer of every layer is valid; otherwise the first of SIGNER_STATUS_PRECEDENCE
 *   that any signer has; a signed layer without signers is 'invalid'; 'none' without
 *   any signed layer.
 * - encryption: the outermost encryption layer's status, 'none' without one.
 */
import { SIGNER_STATUS_PRECEDENCE, type EncryptionVerdict, type SignatureVerdict, type SignerStatus } from '../types'
import type { LayerReport } from './report'

export interface Verdict {
  signature: SignatureVerdict
  encryption: EncryptionVerdict
}

export function computeVerdict(layers: readonly LayerReport[], extra: { signatureBroken?: boolean } = {}): Verdict {
  let encryption: EncryptionVerdict = 'none'
  for (const l of layers) {
    if (l.kind !== 'signed') {
      encryption = l.status
      break
    }
  }
  const statuses: SignerStatus[] = []
  let signedLayers = 0
  let emptyLayer = false
  for (const l of layers) {
    if (l.kind !== 'signed') continue
    signedLayers++
    if (l.signers.length === 0) emptyLayer = true
    for (const s of l.signers) statuses.push(s.status)
  }
  let signature: SignatureVerdict
  if (extra.signatureBroken || emptyLayer) signature = 'invalid'
  else if (signedLayers === 0) signature = 'none'
  else if (statuses.every((s) => s === 'valid')) signature = 'valid'
  else signature = SIGNER_STATUS_PRECEDENCE.find((p) => statuses.includes(p)) ?? 'invalid'
  return { signature, encryption }
}

/** Exit-status meaning of `inspect`: valid or unsigned, and decrypted or not encrypted. */
export function isClean(v: Verdict): boolean {
  return (v.signature === 'valid' || v.signature === 'none') && (v.encryption === 'decrypted' || v.encryption === 'none')
}
