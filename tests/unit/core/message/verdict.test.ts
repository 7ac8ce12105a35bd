import { describe, expect, it } from 'vitest'
import type { LayerReport, SignerReport } from '../../../../src/core/message/report'
import { computeVerdict, ENVELOPE_ONLY_REASON, isClean, markEnvelopeOnly, OUTER_SIGNATURE_CODE, outerSignatureNotes } from '../../../../src/core/message/verdict'
import type { SignerStatus } from '../../../../src/core/types'

const signer = (status: SignerStatus): SignerReport => ({
  status, reasons: [], email: null, emails: [], subject: '', issuer: '', serial: '', digestAlgorithm: 'sha256',
  signatureAlgorithm: 'rsa-pkcs1-sha256', signingTime: null, weak: [], chain: [], revocation: 'unknown', capabilities: [], certificate: null,
})
const signed = (...s: SignerStatus[]): LayerReport => ({ kind: 'signed', detached: true, contentType: '', digestAlgorithms: [], signers: s.map(signer), certificates: [] })
const env = (status: 'decrypted' | 'not-for-you' | 'corrupt' | 'unsupported'): LayerReport => ({ kind: 'enveloped', status, contentEncryptionAlgorithm: 'aes-256-cbc', integrity: false, weak: [], recipients: [] })

describe('computeVerdict', () => {
  it('is none/none without layers', () => {
    expect(computeVerdict([])).toEqual({ signature: 'none', encryption: 'none' })
  })
  it('is valid only when every signer of every layer is valid', () => {
    expect(computeVerdict([signed('valid', 'valid'), env('decrypted'), signed('valid')])).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(computeVerdict([signed('valid'), env('decrypted'), signed('untrusted')]).signature).toBe('untrusted')
  })
  it('picks the first status of the precedence list that any signer has', () => {
    expect(computeVerdict([signed('untrusted', 'expired', 'valid')]).signature).toBe('expired')
    expect(computeVerdict([signed('expired', 'not-email-cert')]).signature).toBe('not-email-cert')
    expect(computeVerdict([signed('not-email-cert'), signed('email-mismatch')]).signature).toBe('email-mismatch')
    expect(computeVerdict([signed('email-mismatch', 'revoked')]).signature).toBe('revoked')
    expect(computeVerdict([signed('revoked', 'valid', 'invalid')]).signature).toBe('invalid')
  })
  it('a signed layer without signers is invalid, never valid', () => {
    expect(computeVerdict([signed()]).signature).toBe('invalid')
    expect(computeVerdict([signed('valid'), signed()]).signature).toBe('invalid')
  })
  it('a broken signature structure is invalid even with valid signers elsewhere', () => {
    expect(computeVerdict([signed('valid')], { signatureBroken: true }).signature).toBe('invalid')
  })
  it('encryption is the outermost encryption layer', () => {
    expect(computeVerdict([signed('valid'), env('not-for-you')]).encryption).toBe('not-for-you')
    expect(computeVerdict([env('decrypted'), signed('valid'), env('corrupt')]).encryption).toBe('decrypted')
  })
})

describe('isClean (inspect exit status 0)', () => {
  it('accepts valid or unsigned, and decrypted or unencrypted', () => {
    expect(isClean({ signature: 'valid', encryption: 'decrypted' })).toBe(true)
    expect(isClean({ signature: 'none', encryption: 'none' })).toBe(true)
    expect(isClean({ signature: 'untrusted', encryption: 'none' })).toBe(false)
    expect(isClean({ signature: 'none', encryption: 'not-for-you' })).toBe(false)
  })
})

describe('each signed layer judged for what it covers (issue 16)', () => {
  it('a signature whose content is only an encrypted layer does not count: none, whatever its status', () => {
    for (const st of ['valid', 'untrusted', 'invalid'] as const) {
      expect(computeVerdict([signed(st), env('decrypted')])).toEqual({ signature: 'none', encryption: 'decrypted' })
      expect(computeVerdict([signed(st), env('not-for-you')]).signature).toBe('none')
    }
  })
  it('the same or another signer inside the encryption is the one that counts', () => {
    expect(computeVerdict([signed('valid'), env('decrypted'), signed('valid')]).signature).toBe('valid')
    expect(computeVerdict([signed('valid'), env('decrypted'), signed('invalid')]).signature).toBe('invalid')
    expect(computeVerdict([signed('invalid'), env('decrypted'), signed('untrusted')]).signature).toBe('untrusted')
  })
  it('a broken outer signature around a valid inner one: the inner one is the verdict, and a note says so', () => {
    const layers = [signed('invalid'), signed('valid')]
    expect(computeVerdict(layers).signature).toBe('valid')
    expect(computeVerdict([signed(), signed('valid')]).signature).toBe('valid')
    expect(outerSignatureNotes(layers).map((e) => e.code)).toEqual([OUTER_SIGNATURE_CODE])
    expect(outerSignatureNotes([signed('valid'), signed('valid')])).toEqual([])
    expect(outerSignatureNotes([signed('invalid'), env('decrypted'), signed('valid')])).toEqual([])
  })
  it('never valid for what only the broken signature covers: a valid outer one does not lift a broken inner one', () => {
    expect(computeVerdict([signed('valid'), signed('invalid')]).signature).toBe('invalid')
    expect(computeVerdict([signed('invalid')]).signature).toBe('invalid')
    expect(computeVerdict([signed('valid')], { signatureBroken: true }).signature).toBe('invalid')
  })
  it('markEnvelopeOnly flags the envelope signers with the reason, once, and no one else', () => {
    const layers = [signed('valid'), env('decrypted'), signed('valid')]
    markEnvelopeOnly(layers)
    markEnvelopeOnly(layers)
    const [outer, , inner] = layers as Extract<LayerReport, { kind: 'signed' }>[]
    expect(outer!.signers[0]).toMatchObject({ coversEnvelopeOnly: true, reasons: [ENVELOPE_ONLY_REASON] })
    expect(inner!.signers[0]!.coversEnvelopeOnly).toBeUndefined()
    expect(inner!.signers[0]!.reasons).toEqual([])
  })
})

describe('a signer that is the accepted gateway of the sender’s domain (issue 10)', () => {
  it('makes the layer "gateway", never valid; any problem of another signer still wins', () => {
    expect(computeVerdict([signed('gateway')]).signature).toBe('gateway')
    expect(computeVerdict([signed('valid', 'gateway')]).signature).toBe('gateway')
    expect(computeVerdict([signed('gateway', 'untrusted')]).signature).toBe('untrusted')
    expect(computeVerdict([signed('gateway', 'invalid')]).signature).toBe('invalid')
  })
  it('follows the layering rules: the inner signature is the verdict, a gateway on the ciphertext only counts for nothing', () => {
    expect(computeVerdict([signed('gateway'), signed('valid')]).signature).toBe('valid')
    expect(computeVerdict([signed('valid'), signed('gateway')]).signature).toBe('gateway')
    expect(computeVerdict([signed('gateway'), env('decrypted')]).signature).toBe('none')
    expect(computeVerdict([env('decrypted'), signed('gateway')])).toEqual({ signature: 'gateway', encryption: 'decrypted' })
  })
  it('an outer gateway signature around the person’s own holds: no outer-signature note', () => {
    expect(outerSignatureNotes([signed('gateway'), signed('valid')])).toEqual([])
  })
  it('is not clean for inspect', () => {
    expect(isClean({ signature: 'gateway', encryption: 'none' })).toBe(false)
  })
})
