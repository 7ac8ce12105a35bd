import { describe, expect, it } from 'vitest'
import { summarizeCertificate } from '../../../../src/core/pki'
import { EMAIL_ROOT_NAMES, EMAIL_ROOTS } from '../../../../src/core/pki/roots'

describe('bundled email roots (Mozilla/NSS S/MIME trust bit)', () => {
  it('are all readable self-signed certificates, with names aligned', async () => {
    expect(EMAIL_ROOTS.length).toBeGreaterThan(90)
    expect(EMAIL_ROOT_NAMES).toHaveLength(EMAIL_ROOTS.length)
    const summaries = await Promise.all(EMAIL_ROOTS.map((der) => summarizeCertificate(der, globalThis.crypto)))
    for (const s of summaries) {
      expect(s.subject, s.subject).toBe(s.issuer)
      expect(s.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(s.isCA || s.keyUsage.length === 0, s.subject).toBe(true)
    }
    // Each is unique
    expect(new Set(summaries.map((s) => s.sha256)).size).toBe(EMAIL_ROOTS.length)
    // Signatures verify where WebCrypto has the algorithm (every RSA/ECDSA root of the set)
    const unverified = summaries.filter((s) => !s.selfSigned).map((s) => `${s.subject} (${s.keyAlgorithm})`)
    expect(unverified).toEqual([])
  })
})
