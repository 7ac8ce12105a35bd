import { describe, expect, it } from 'vitest'
import { importErrorText, keystoreErrorText } from '../../../src/web/components/security/errorText'
import { daysLeft, expiryState, expiryText } from '../../../src/web/components/security/expiry'
import { fingerprint, keyText, usagesText } from '../../../src/web/components/contacts/format'
import { isCrlFresh } from '../../../src/web/storage/crls'
import { identityForAddress } from '../../../src/web/stores/identities'
import type { IdentityInfo } from '../../../src/web/storage/db'
import { CoreError } from '../../../src/core/errors'

const now = new Date('2026-06-01T12:00:00Z')

describe('expiry', () => {
  it('warns within 30 days of notAfter and says expired after it', () => {
    expect(expiryState('2025-01-01T00:00:00Z', '2027-01-01T00:00:00Z', now)).toBe('valid')
    expect(expiryState('2025-01-01T00:00:00Z', '2026-07-01T12:00:00Z', now)).toBe('expiring')
    expect(expiryState('2025-01-01T00:00:00Z', '2026-07-01T12:00:01Z', now)).toBe('valid')
    expect(expiryState('2025-01-01T00:00:00Z', '2026-05-31T00:00:00Z', now)).toBe('expired')
    expect(expiryState('2026-07-01T00:00:00Z', '2027-01-01T00:00:00Z', now)).toBe('not-yet-valid')
  })
  it('says how many days are left in words', () => {
    expect(daysLeft('2026-06-11T12:00:00Z', now)).toBe(10)
    expect(expiryText('2025-01-01T00:00:00Z', '2026-06-11T12:00:00Z', now)).toBe('Expires in 10 days (2026-06-11)')
    expect(expiryText('2025-01-01T00:00:00Z', '2026-06-02T12:00:00Z', now)).toBe('Expires in 1 day (2026-06-02)')
    expect(expiryText('2025-01-01T00:00:00Z', '2026-05-01T00:00:00Z', now)).toBe('Expired on 2026-05-01')
  })
})

describe('import error sentences', () => {
  it('tells a wrong PFX password from a wrong key store passphrase', () => {
    expect(importErrorText({ code: 'wrong-password', message: '', field: 'pfxPassword' })).toMatch(/PFX password is wrong/)
    expect(importErrorText({ code: 'wrong-password', message: '', field: 'passphrase' })).toMatch(/key store passphrase is wrong/)
  })
  it('says a file is not a PFX and names an unsupported algorithm', () => {
    expect(importErrorText(new CoreError('not-pkcs12', 'x'))).toMatch(/not a PFX \(PKCS#12\) file/)
    expect(importErrorText(new CoreError('unsupported-algorithm', 'The PFX uses GOST 28147-89.'))).toBe(
      'The PFX file uses an algorithm Cachet does not support. The PFX uses GOST 28147-89.',
    )
    expect(importErrorText(new CoreError('no-private-key', 'x'))).toMatch(/no private key/)
  })
  it('falls back to the message for anything else', () => {
    expect(importErrorText(new Error('boom'))).toBe('boom')
    expect(keystoreErrorText({ code: 'key-locked', message: '' })).toMatch(/locked/)
  })
})

describe('certificate display', () => {
  it('formats fingerprints, usages and keys as other clients do', () => {
    expect(fingerprint('ab01ff')).toBe('AB:01:FF')
    expect(usagesText(['digitalSignature'], ['emailProtection'])).toBe('digitalSignature, emailProtection (S/MIME)')
    expect(usagesText([], [])).toBe('Not restricted')
    expect(keyText('RSA', 2048)).toBe('RSA, 2048 bits')
    expect(keyText('Ed25519')).toBe('Ed25519')
  })
})

describe('CRL cache freshness', () => {
  it('is fresh until nextUpdate, or for a day without one', () => {
    expect(isCrlFresh({ fetchedAt: '2026-06-01T00:00:00Z', nextUpdate: '2026-06-01T13:00:00Z' }, now)).toBe(true)
    expect(isCrlFresh({ fetchedAt: '2026-06-01T00:00:00Z', nextUpdate: '2026-06-01T11:00:00Z' }, now)).toBe(false)
    expect(isCrlFresh({ fetchedAt: '2026-05-31T13:00:00Z', nextUpdate: null }, now)).toBe(true)
    expect(isCrlFresh({ fetchedAt: '2026-05-31T11:00:00Z', nextUpdate: null }, now)).toBe(false)
  })
})

describe('identity for a From address', () => {
  const base = { subject: '', issuer: '', serial: '', notBefore: '', notAfter: '', keyAlgorithm: 'RSA', subjectKeyIdentifier: null, pfxAlgorithms: [], addedAt: '', certificate: new Uint8Array(), chain: [] }
  const a: IdentityInfo = { ...base, id: 'a', emails: ['alice@example.com'], defaultFor: [] }
  const b: IdentityInfo = { ...base, id: 'b', emails: ['alice@example.com'], defaultFor: ['alice@example.com'] }
  it('prefers the chosen default, else the first identity carrying the address (case-insensitive)', () => {
    expect(identityForAddress([a, b], 'Alice@Example.com')?.id).toBe('b')
    expect(identityForAddress([a], 'alice@example.com')?.id).toBe('a')
    expect(identityForAddress([a], 'bob@example.com')).toBeUndefined()
  })
})
