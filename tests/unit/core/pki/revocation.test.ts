import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crlInfo, readCrls, validateCertificate, type ValidateOptions } from '../../../../src/core/pki'
import { makeIntermediate, makeLeaf, makeRoot, openssl, Workdir, type Issued, type TestCa } from './gen'

const crypto = globalThis.crypto
// CRLs from `openssl ca -gencrl` are current for 30 days from now
const now = new Date()
const DAY = 86_400_000

let work: Workdir
let root: TestCa
let int: TestCa
let revokedLeaf: Issued
let goodLeaf: Issued
let crlBefore: Uint8Array
let crlAfter: Uint8Array
let rootCrl: Uint8Array

const opts = (crls: Uint8Array[], extra: Partial<ValidateOptions> = {}): ValidateOptions => ({
  anchors: [root.der],
  intermediates: [int.der],
  crls,
  at: now,
  purpose: 'email-signing',
  ...extra,
})

beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'CRL Root', 'rsa')
  int = makeIntermediate(root, 'CRL CA', 'ec-p256')
  revokedLeaf = makeLeaf(int, { email: 'revoked@example.test' })
  goodLeaf = makeLeaf(int, { email: 'good@example.test' })
  crlBefore = int.crl()
  int.revoke(revokedLeaf)
  crlAfter = int.crl()
  rootCrl = root.crl()
})
afterAll(() => work.dispose())

describe('revocation by CRL', () => {
  it('reports a certificate listed in its issuer’s CRL as revoked', async () => {
    const v = await validateCertificate(revokedLeaf.der, opts([crlAfter, rootCrl]), crypto)
    expect(v.status).toBe('revoked')
    expect(v.revocation).toBe('revoked')
    expect(v.reasons.join(' ')).toMatch(/"Test User" was revoked by its issuer on/)
  })

  it('reports a certificate absent from current CRLs of every issuer as good', async () => {
    const v = await validateCertificate(goodLeaf.der, opts([crlAfter, rootCrl]), crypto)
    expect(v.status).toBe('valid')
    expect(v.revocation).toBe('good')
  })

  it('is unknown when the intermediate’s own CRL is missing', async () => {
    const v = await validateCertificate(goodLeaf.der, opts([crlAfter]), crypto)
    expect(v.status).toBe('valid')
    expect(v.revocation).toBe('unknown')
  })

  it('uses the CRL in force: before the revocation the certificate was good', async () => {
    const v = await validateCertificate(revokedLeaf.der, opts([crlBefore, rootCrl]), crypto)
    expect(v.revocation).toBe('good')
  })

  it('still honours a revoked entry in an out-of-date CRL, but cannot vouch for others with it', async () => {
    const later = new Date(now.getTime() + 60 * DAY)
    const rev = await validateCertificate(revokedLeaf.der, opts([crlAfter, rootCrl], { at: later }), crypto)
    expect(rev.status).toBe('revoked')
    const good = await validateCertificate(goodLeaf.der, opts([crlAfter, rootCrl], { at: later }), crypto)
    expect(good.revocation).toBe('unknown')
    expect(good.reasons.join(' ')).toMatch(/out of date/)
  })

  it('ignores a CRL whose signature does not verify', async () => {
    const forged = crlAfter.slice()
    forged[forged.length - 5]! ^= 0x01
    const v = await validateCertificate(revokedLeaf.der, opts([forged]), crypto)
    expect(v.revocation).toBe('unknown')
    expect(v.status).toBe('valid')
  })

  it('ignores a CRL from another CA with the same name but a different key', async () => {
    const impostor = makeRoot(work, 'CRL CA', 'ec-p256')
    // Enter the real leaf's serial as revoked in the impostor's `openssl ca` database
    const serial = openssl(['x509', '-in', revokedLeaf.pemFile, '-noout', '-serial']).toString().trim().split('=')[1]!
    appendFileSync(join(impostor.caDir, 'index.txt'), `R\t380101000000Z\t250101000000Z\t${serial}\tunknown\t/O=Cachet Test/CN=Test User\n`)
    const forged = impostor.crl()
    const v = await validateCertificate(revokedLeaf.der, opts([forged]), crypto)
    expect(v.revocation).toBe('unknown')
    expect(v.status).toBe('valid')
    // The forged CRL really lists the serial (checked by OpenSSL)
    const f = work.path('forged.crl')
    writeFileSync(f, forged)
    expect(openssl(['crl', '-inform', 'DER', '-in', f, '-noout', '-text']).toString()).toContain(`Serial Number: ${serial}`)
  })

  it('uses an issuing-distribution-point CRL only for the certificates it covers', async () => {
    const idp = (lines: string[]) => int.crl(['issuingDistributionPoint = critical, @idp', '[ idp ]', ...lines])
    const caOnly = idp(['onlyCA = TRUE'])
    expect((await validateCertificate(goodLeaf.der, opts([caOnly, rootCrl]), crypto)).revocation).toBe('unknown')
    const userOnly = idp(['onlyuser = TRUE'])
    expect((await validateCertificate(goodLeaf.der, opts([userOnly, rootCrl]), crypto)).revocation).toBe('good')
    expect((await validateCertificate(revokedLeaf.der, opts([userOnly, rootCrl]), crypto)).status).toBe('revoked')
    // A partition named by URI covers only certificates whose CRL distribution point names it
    const samePartition = idp(['fullname = URI:http://crl.example.test/ca.crl'])
    expect((await validateCertificate(goodLeaf.der, opts([samePartition, rootCrl]), crypto)).revocation).toBe('good')
    const otherPartition = idp(['fullname = URI:http://crl.example.test/other.crl'])
    expect((await validateCertificate(goodLeaf.der, opts([otherPartition, rootCrl]), crypto)).revocation).toBe('unknown')
    const someReasons = idp(['onlysomereasons = keyCompromise'])
    expect((await validateCertificate(goodLeaf.der, opts([someReasons, rootCrl]), crypto)).revocation).toBe('unknown')
    // Each of these CRLs is well-formed: "unknown" above is about scope, not parsing
    for (const crl of [caOnly, otherPartition, someReasons]) expect(readCrls(crl)).toHaveLength(1)
  })

  it('reports a leaf under a revoked intermediate as revoked, naming the intermediate', async () => {
    const r = makeRoot(work, 'Revoking Root', 'ed25519')
    const ca = makeIntermediate(r, 'Revoked CA', 'ec-p384')
    const leaf = makeLeaf(ca)
    r.revoke(ca)
    const v = await validateCertificate(
      leaf.der,
      { anchors: [r.der], intermediates: [ca.der], crls: [r.crl(), ca.crl()], at: now, purpose: 'email-signing' },
      crypto,
    )
    expect(v.status).toBe('revoked')
    expect(v.reasons.join(' ')).toMatch(/"Revoked CA" was revoked/)
  })

  it('puts revoked before every other problem', async () => {
    const v = await validateCertificate(revokedLeaf.der, opts([crlAfter], { email: 'someone@example.test', anchors: [] }), crypto)
    expect(v.status).toBe('revoked')
    expect(v.reasons.join(' ')).toMatch(/someone@example.test/)
  })

  it('reads CRLs as PEM (one or several) and DER', () => {
    const a = work.path('after.crl')
    const b = work.path('root.crl')
    writeFileSync(a, crlAfter)
    writeFileSync(b, rootCrl)
    const pem = Buffer.concat([openssl(['crl', '-inform', 'DER', '-in', a]), openssl(['crl', '-inform', 'DER', '-in', b])])
    expect(readCrls(pem).map((c) => Buffer.from(c).toString('hex'))).toEqual([crlAfter, rootCrl].map((c) => Buffer.from(c).toString('hex')))
    expect(readCrls(crlAfter)).toHaveLength(1)
    const info = crlInfo(crlAfter)
    expect(info).toMatchObject({ issuer: 'CN=CRL CA, O=Cachet Test', revokedCount: 1 })
    expect(Date.parse(info.nextUpdate!) - Date.parse(info.thisUpdate)).toBe(30 * DAY)
    expect(() => readCrls(revokedLeaf.der)).toThrow(/not a CRL/)
  })
})
