import { afterAll, describe, expect, it } from 'vitest'
import { crlUrlsToFetch } from '../../../../src/core/pki'
import { makeLeaf, makeRoot, Workdir } from './gen'

const crypto = globalThis.crypto
const work = new Workdir()
afterAll(() => work.dispose())

// Issue 11: opening a mail fetched every CRL URL its signer's certificate named, even a
// self-signed stranger's, so the sender learned when and from where it was read.
describe('which CRLs are worth fetching', () => {
  const trusted = makeRoot(work, 'Trusted CA', 'rsa')
  const stranger = makeRoot(work, 'Stranger CA', 'rsa')
  // makeLeaf's certificates name http://crl.example.test/ca.crl (and an ldap: URL, never fetched).
  const DP = 'http://crl.example.test/ca.crl'

  it('a certificate whose chain ends at a trusted anchor: its http CRL URLs', async () => {
    const leaf = makeLeaf(trusted, { email: 'a@example.test' })
    expect(await crlUrlsToFetch([leaf.der], { anchors: [trusted.der], intermediates: [], crls: [] }, crypto)).toEqual([DP])
  })

  it('an untrusted certificate (a stranger\'s CA, or its email not matching): nothing', async () => {
    const leaf = makeLeaf(stranger, { email: 'a@example.test' })
    expect(await crlUrlsToFetch([leaf.der], { anchors: [trusted.der], intermediates: [], crls: [] }, crypto)).toEqual([])
  })

  it('a known revocation state, or an expired certificate: nothing', async () => {
    const leaf = makeLeaf(trusted, { email: 'b@example.test' })
    const crl = trusted.crl()
    expect(await crlUrlsToFetch([leaf.der], { anchors: [trusted.der], intermediates: [], crls: [crl] }, crypto)).toEqual([])
    const old = makeLeaf(trusted, { email: 'c@example.test', startDate: '20200101000000Z', endDate: '20210101000000Z' })
    expect(await crlUrlsToFetch([old.der], { anchors: [trusted.der], intermediates: [], crls: [] }, crypto)).toEqual([])
  })

  it('unreadable input is skipped', async () => {
    expect(await crlUrlsToFetch([new Uint8Array([1, 2, 3])], { anchors: [trusted.der], intermediates: [], crls: [] }, crypto)).toEqual([])
  })
})
