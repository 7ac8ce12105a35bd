/**
 * Re-signed ciphertext (issue #3, "Reply and signing oracles"; "Re: What's up Johnny?",
 * ACNS 2019): encrypted-inside-signed (RFC 8551 §3.7) lets anyone put their OWN valid
 * signature around someone else's EnvelopedData. Mallory takes Alice's ciphertext to
 * Bob, signs it and sends it from her own address: Bob's client decrypts it, shows
 * Alice's words "signed by Mallory", and Bob's reply quotes them back to Mallory.
 *
 * A signature over ciphertext says nothing about who wrote the plaintext. The sender of
 * a legitimate encrypt-then-sign message encrypts to themselves too (every client keeps
 * a readable Sent copy; Cachet's seal does), so the tell is a signer who is not among
 * the envelope's recipients. The verdict is unchanged (the signature IS valid, the
 * content WAS decrypted); the layer is marked and an error entry says what it means, so
 * the app can warn and refuse to quote it.
 */
import type { CryptoLike } from '../crypto'
import { certificateEmails, subjectKeyIdentifier, summarizeCertificate } from '../pki'
import type { ErrorEntry, Keyring } from '../types'
import { fromBase64 } from '../util/base64'
import { toHex } from '../util/bytes'
import type { LayerReport, RecipientReport, SignerReport } from './report'

/** Stable error code of the warning (report.errors). */
export const REWRAPPED_CODE = 'rewrapped-ciphertext'

type SignedLayer = Extract<LayerReport, { kind: 'signed' }>
type EnvelopeLayer = Extract<LayerReport, { kind: 'enveloped' | 'auth-enveloped' }>

/** Does this certificate name one of the recipient entries (issuer + serial, or SKI)? */
async function isRecipient(der: Uint8Array, recipients: readonly RecipientReport[], crypto: CryptoLike): Promise<boolean> {
  try {
    const s = await summarizeCertificate(der, crypto)
    const ski = subjectKeyIdentifier(der)
    const skiHex = ski ? toHex(ski) : null
    return recipients.some(
      (r) =>
        (r.issuer !== undefined && r.issuer === s.issuer && r.serial === s.serial) ||
        (skiHex !== null && r.subjectKeyIdentifier !== undefined && r.subjectKeyIdentifier.toLowerCase() === skiHex),
    )
  } catch {
    return false
  }
}

/** Signer statuses whose certificate chained to a trust anchor: only then may its email stand for it. */
const CHAINED: ReadonlySet<SignerReport['status']> = new Set(['valid', 'gateway', 'email-mismatch', 'expired', 'revoked', 'not-email-cert'])

/**
 * Is this signer one of the recipients? Directly (its own certificate is a recipient), or
 * through another certificate for the same address (a separate encryption certificate)
 * found in the message or the keyring — by email only when the signer's certificate
 * chained to a trust anchor, so a self-made certificate for someone else's address does
 * not borrow that person's recipient entry.
 */
async function signerIsRecipient(s: SignerReport, recipients: readonly RecipientReport[], candidates: readonly Uint8Array[], crypto: CryptoLike): Promise<boolean> {
  if (s.certificate) {
    try {
      if (await isRecipient(fromBase64(s.certificate), recipients, crypto)) return true
    } catch {}
  }
  if (!CHAINED.has(s.status)) return false
  const emails = new Set(s.emails.map((e) => e.toLowerCase()))
  if (emails.size === 0) return false
  for (const der of candidates) {
    let theirs: string[]
    try {
      theirs = certificateEmails(der)
    } catch {
      continue
    }
    if (theirs.some((e) => emails.has(e.toLowerCase())) && (await isRecipient(der, recipients, crypto))) return true
  }
  return false
}

function signerLabel(s: SignerReport | undefined): string {
  if (!s) return 'an unidentified signer'
  return s.email ?? s.emails[0] ?? (s.subject || 'a certificate without an email address')
}

/**
 * Mark the decrypted envelope at `layers[index]` when a signed layer around it has no
 * signer among its recipients: sets `foreignCiphertext` on the layer and returns the
 * error entry to add (null when every enclosing signed layer has a signer who is a
 * recipient, or there is no enclosing signed layer).
 */
export async function checkRewrapped(
  layers: LayerReport[],
  index: number,
  ctx: { keyring: Keyring; certificates: readonly Uint8Array[]; crypto: CryptoLike },
): Promise<ErrorEntry | null> {
  const env = layers[index]
  if (!env || env.kind === 'signed' || env.status !== 'decrypted') return null
  const enclosing = layers.slice(0, index).filter((l): l is SignedLayer => l.kind === 'signed')
  if (enclosing.length === 0) return null
  const candidates = [...ctx.certificates, ...ctx.keyring.certificates, ...ctx.keyring.identities.map((i) => i.certificate)]
  for (const layer of enclosing) {
    let found = false
    for (const s of layer.signers) {
      if (await signerIsRecipient(s, env.recipients, candidates, ctx.crypto)) {
        found = true
        break
      }
    }
    if (found) continue
    const signer = signerLabel(layer.signers[0])
    ;(env as EnvelopeLayer).foreignCiphertext = { signer }
    return {
      code: REWRAPPED_CODE,
      message: `The encrypted content was signed by ${signer}, who was not one of its recipients: ${signer} may not have written it (someone else's encrypted message can be signed and sent on). Do not quote it back to ${signer}.`,
    }
  }
  return null
}
