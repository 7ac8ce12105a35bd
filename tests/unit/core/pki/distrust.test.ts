/**
 * Email distrust-after dates (src/core/pki/distrust.ts, Mozilla's
 * CKA_NSS_EMAIL_DISTRUST_AFTER) on a PKI OpenSSL makes during the test: the test's own
 * root is passed as an anchor with a date, through the same field the bundled roots
 * travel in (ValidateOptions.anchors / Keyring.trustAnchors).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message'
import { BUNDLED_EMAIL_DISTRUST_AFTER, bundledEmailDistrustAfter, validateCertificate, type ValidateOptions } from '../../../../src/core/pki'
import { EMAIL_ROOT_NAMES, EMAIL_ROOTS } from '../../../../src/core/pki/roots'
import type { TrustAnchorInput } from '../../../../src/core/types'
import { makeIntermediate, makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from './gen'

const crypto = globalThis.crypto
const at = new Date('2030-01-01T00:00:00Z')
const DISTRUST = '2022-01-01T00:00:00Z'
const opts = (anchors: TrustAnchorInput[], intermediates: Uint8Array[]): ValidateOptions => ({
  anchors,
  intermediates,
  crls: [],
  at,
  purpose: 'email-signing',
})

let work: Workdir
let root: TestCa
let int: TestCa
let before: Issued
let after: Issued
beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'Phased Out Root', 'ec-p256')
  int = makeIntermediate(root, 'Phased Out CA', 'ec-p256')
  before = makeLeaf(int, { startDate: '20211201000000Z' })
  after = makeLeaf(int, { startDate: '20220601000000Z' })
})
afterAll(() => work.dispose())

describe('an anchor with an email distrust-after date', () => {
  it('still trusts a leaf issued on or before the date', async () => {
    const v = await validateCertificate(before.der, opts([{ der: root.der, emailDistrustAfter: DISTRUST }], [int.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.reasons).toEqual([])
  })

  it('does not trust a leaf issued after the date, and says why', async () => {
    const v = await validateCertificate(after.der, opts([{ der: root.der, emailDistrustAfter: new Date(DISTRUST) }], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(
      /"Test User" was issued on 2022-06-01, after the root "Phased Out Root" stopped being trusted for email \(it is distrusted for certificates issued after 2022-01-01\)/,
    )
  })

  it('does not trust anything below an intermediate issued after the date', async () => {
    const lateCa = makeIntermediate(root, 'Late CA', 'ec-p256', undefined, { startDate: '20220301000000Z', endDate: '20390101000000Z' })
    const oldLookingLeaf = makeLeaf(lateCa, { startDate: '20211101000000Z' })
    const v = await validateCertificate(oldLookingLeaf.der, opts([{ der: root.der, emailDistrustAfter: DISTRUST }], [lateCa.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/"Late CA" was issued on 2022-03-01, after the root "Phased Out Root" stopped being trusted/)
  })

  it('without a date (bare DER, or null) the same leaf is trusted', async () => {
    for (const anchor of [root.der, { der: root.der }, { der: root.der, emailDistrustAfter: null }]) {
      const v = await validateCertificate(after.der, opts([anchor], [int.der]), crypto)
      expect(v.status).toBe('valid')
    }
  })

  it('hostile anchor entries are skipped without throwing; a good one among them still works', async () => {
    const junk = [null, undefined, {}, { der: 'x' }, { der: new Uint8Array([0x30, 0x03, 0x02, 0x01]) }, new Uint8Array([1, 2, 3])] as unknown as TrustAnchorInput[]
    const v = await validateCertificate(before.der, opts([...junk, { der: root.der, emailDistrustAfter: DISTRUST }], [int.der]), crypto)
    expect(v.status).toBe('valid')
  })

  it('an unreadable date distrusts rather than trusts', async () => {
    const v = await validateCertificate(before.der, opts([{ der: root.der, emailDistrustAfter: 'not a date' }], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
  })

  it('a signed message opened with that anchor in Keyring.trustAnchors is untrusted (OpenSSL signs it)', async () => {
    const sign = (leaf: Issued, name: string): Uint8Array => {
      const content = work.path(`${name}.txt`)
      writeFileSync(content, 'Content-Type: text/plain\r\n\r\nhello\r\n')
      const out = work.path(`${name}.eml`)
      execFileSync('openssl', ['cms', '-sign', '-in', content, '-signer', leaf.pemFile, '-inkey', leaf.keyFile, '-certfile', int.pemFile, '-md', 'sha256', '-crlfeol', '-out', out])
      return new Uint8Array(Buffer.concat([Buffer.from('From: alice@example.test\r\nTo: bob@example.test\r\nSubject: distrust\r\n'), readFileSync(out)]))
    }
    const keyring = (anchor: TrustAnchorInput) => ({ identities: [], trustAnchors: [anchor], certificates: [], crls: [], at })
    const anchor = { der: root.der, emailDistrustAfter: DISTRUST }
    const late = await openMessage(sign(after, 'late'), keyring(anchor), crypto)
    expect(late.report.verdict.signature).toBe('untrusted')
    const signer = late.report.layers[0]!.kind === 'signed' ? late.report.layers[0]!.signers[0]! : null
    expect(signer?.reasons.join(' ')).toMatch(/stopped being trusted for email/)
    const early = await openMessage(sign(before, 'early'), keyring(anchor), crypto)
    expect(early.report.verdict.signature).toBe('valid')
  })
})

describe("the bundled roots' email distrust-after dates (NSS builtins)", () => {
  const sha256 = (der: Uint8Array) => createHash('sha256').update(der).digest('hex')

  it('name bundled roots only, each by its fingerprint and name', () => {
    const byHash = new Map(EMAIL_ROOTS.map((der, i) => [sha256(der), EMAIL_ROOT_NAMES[i]]))
    const entries = Object.entries(BUNDLED_EMAIL_DISTRUST_AFTER)
    expect(entries).toHaveLength(8)
    for (const [hash, { name, utcTime }] of entries) {
      expect(byHash.get(hash), name).toBe(name)
      expect(utcTime).toMatch(/^\d{12}Z$/)
    }
  })

  it('apply to a bundled root passed as bare DER', async () => {
    const trustCor = EMAIL_ROOTS[EMAIL_ROOT_NAMES.indexOf('TrustCor RootCert CA-1')]!
    expect((await bundledEmailDistrustAfter(trustCor, crypto))?.toISOString()).toBe('2022-11-30T00:00:00.000Z')
    const camerfirma = EMAIL_ROOTS[EMAIL_ROOT_NAMES.indexOf('Camerfirma Chambers of Commerce Root')]!
    expect((await bundledEmailDistrustAfter(camerfirma, crypto))?.toISOString()).toBe('2021-03-01T00:00:00.000Z')
    const globalSign = EMAIL_ROOTS[EMAIL_ROOT_NAMES.indexOf('GlobalSign Root CA')]!
    expect(await bundledEmailDistrustAfter(globalSign, crypto)).toBeNull()
  })
})
