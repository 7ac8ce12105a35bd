import { describe, expect, it } from 'vitest'
import type { LayerReport, SignerReport } from '../../../../src/core/message/report'
import { computeVerdict, isClean } from '../../../../src/core/message/verdict'
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
