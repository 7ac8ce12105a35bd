import { afterAll, describe, expect, it } from 'vitest'
import { judgeDirectoryCertificates } from '../../../../src/core/pki'
import { makeLeaf, makeRoot, Workdir } from './gen'

const crypto = globalThis.crypto
const work = new Workdir()
afterAll(() => work.dispose())

// Directory certificates are public data anyone who can write to the directory may have
// put there: only ones the user's own trust and the address vouch for are encrypted to.
describe('certificates from the directory', () => {
  const org = makeRoot(work, 'Org CA', 'rsa')
  const stranger = makeRoot(work, 'Stranger CA', 'rsa')
  const addr = 'carol@example.test'
  const ctx = { anchors: [org.der], intermediates: [], crls: [] as Uint8Array[], at: new Date('2030-06-01T00:00:00Z') }

  it('uses a certificate that chains to a trusted anchor and names the address', async () => {
    const good = makeLeaf(org, { email: addr })
    const r = await judgeDirectoryCertificates([good.der], addr, ctx, crypto)
    expect(r.usable).toEqual([good.der])
    expect(r.rejected).toEqual([])
  })

  it('refuses untrusted, other-address, signing-only, expired and revoked certificates, saying why', async () => {
    const untrusted = makeLeaf(stranger, { email: addr })
    const otherAddress = makeLeaf(org, { email: 'mallory@example.test' })
    const signingOnly = makeLeaf(org, { email: addr, keyUsage: 'critical, digitalSignature, nonRepudiation' })
    const expired = makeLeaf(org, { email: addr, startDate: '20210101000000Z', endDate: '20250101000000Z' })
    const revoked = makeLeaf(org, { email: addr })
    org.revoke(revoked)
    const crl = org.crl()
    const certs = [untrusted.der, otherAddress.der, signingOnly.der, expired.der, revoked.der, new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])]
    const r = await judgeDirectoryCertificates(certs, addr, { ...ctx, crls: [crl], at: new Date() }, crypto)
    expect(r.usable).toEqual([])
    expect(r.rejected.map((x) => x.status)).toEqual(['untrusted', 'email-mismatch', 'not-email-cert', 'expired', 'revoked', 'unreadable'])
    for (const x of r.rejected) expect(x.reasons.length).toBeGreaterThan(0)
  })

  it('puts the newest of several usable certificates first (after a renewal)', async () => {
    const older = makeLeaf(org, { email: addr, startDate: '20230101000000Z', endDate: '20380101000000Z' })
    const newer = makeLeaf(org, { email: addr, startDate: '20250101000000Z', endDate: '20380101000000Z' })
    const r = await judgeDirectoryCertificates([older.der, newer.der], addr, ctx, crypto)
    expect(r.usable).toEqual([newer.der, older.der])
  })

  it('compares the address without regard to case', async () => {
    const good = makeLeaf(org, { email: addr })
    expect((await judgeDirectoryCertificates([good.der], 'Carol@Example.TEST', ctx, crypto)).usable).toHaveLength(1)
  })
})
