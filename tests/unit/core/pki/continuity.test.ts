/**
 * Signer continuity (src/core/pki/continuity.ts, issue 9) over certificates OpenSSL makes
 * during the test: renewals by the same CA stay quiet, a different key from a different
 * CA is a change that names the new issuer, and the same key re-certified elsewhere is
 * quiet (the person still holds the key we knew).
 */
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signerContinuity } from '../../../../src/core/pki'
import { CA_EXT, makeIntermediate, makeLeaf, makeRoot, openssl, TestCa, Workdir, type Issued } from './gen'

const EMAIL = 'alice@example.com'
const LEAF_EXT = [
  'basicConstraints = CA:FALSE',
  'keyUsage = critical, digitalSignature, nonRepudiation, keyAgreement',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
  'extendedKeyUsage = emailProtection',
  `subjectAltName = email:${EMAIL}`,
]

let work: Workdir
let otherWork: Workdir
let root: TestCa
let ca: TestCa
let otherCa: TestCa
let first: Issued
beforeAll(() => {
  work = new Workdir()
  otherWork = new Workdir()
  root = makeRoot(work, 'Continuity Root', 'ec-p256')
  ca = makeIntermediate(root, 'Example Mail CA', 'ec-p256')
  otherCa = makeIntermediate(makeRoot(otherWork, 'Elsewhere Root', 'ec-p256'), 'Elsewhere Issuing CA', 'ec-p256')
  first = makeLeaf(ca, { email: EMAIL })
})
afterAll(() => {
  work.dispose()
  otherWork.dispose()
})

/** A leaf for EMAIL from `issuer` over an existing key (same SubjectPublicKeyInfo). */
function leafForKey(issuer: TestCa, keyFile: string): Issued {
  return issuer.issue({ subject: '/O=Cachet Test/CN=Test User', keyType: 'ec-p256', extensions: LEAF_EXT, keyFile, startDate: '20220101000000Z', endDate: '20380101000000Z' })
}

describe('signer continuity', () => {
  it('nothing known for the address: first', () => {
    expect(signerContinuity(first.der, [])).toEqual({ kind: 'first' })
  })

  it('the certificate already known: same', () => {
    expect(signerContinuity(first.der, [first.der])).toEqual({ kind: 'same' })
    // A copy of the bytes, not the same array object, is still the same certificate.
    expect(signerContinuity(new Uint8Array(first.der), [new Uint8Array(first.der)])).toEqual({ kind: 'same' })
  })

  it('a renewal by the same CA with a new key is renewed (quiet)', () => {
    const renewed = makeLeaf(ca, { email: EMAIL, startDate: '20230101000000Z' })
    expect(signerContinuity(renewed.der, [first.der])).toEqual({ kind: 'renewed' })
  })

  it('a different key from a different CA is changed, naming the new issuer readably and the old ones in RFC 4514 form', () => {
    const other = makeLeaf(otherCa, { email: EMAIL })
    expect(signerContinuity(other.der, [first.der])).toEqual({
      kind: 'changed',
      issuer: 'CN=Elsewhere Issuing CA, O=Cachet Test',
      issuerName: 'Elsewhere Issuing CA',
      previousIssuers: ['CN=Example Mail CA, O=Cachet Test'],
    })
  })

  it('the same key re-certified by a different CA is same-key (quiet: the signer holds the key we knew)', () => {
    const moved = leafForKey(otherCa, first.keyFile)
    expect(signerContinuity(moved.der, [first.der])).toEqual({ kind: 'same-key' })
  })

  it('same issuer Name from a re-keyed CA (other authority key identifier) is renewed', () => {
    // Two CAs with the same Name and different keys: the CA's own key rollover.
    const rolledWork = new Workdir()
    try {
      const rolled = makeIntermediate(makeRoot(rolledWork, 'Continuity Root', 'ec-p256'), 'Example Mail CA', 'ec-p256')
      const after = makeLeaf(rolled, { email: EMAIL })
      expect(signerContinuity(after.der, [first.der])).toEqual({ kind: 'renewed' })
    } finally {
      rolledWork.dispose()
    }
  })

  it('same authority key identifier under a new issuer Name (a renamed CA keeping its key) is renewed', () => {
    const renamed = new TestCa(work, 'Renamed Mail CA', 'ec-p256')
    const cert = root.issue({ subject: '/O=Cachet Test/CN=Renamed Mail CA', keyType: 'ec-p256', extensions: CA_EXT, name: 'Renamed Mail CA', keyFile: ca.keyFile })
    Object.assign(renamed, { pemFile: cert.pemFile, der: cert.der, keyFile: cert.keyFile, csrFile: cert.csrFile })
    const after = makeLeaf(renamed, { email: EMAIL })
    expect(signerContinuity(after.der, [first.der])).toEqual({ kind: 'renewed' })
  })

  it('continuity with any one known certificate is enough; a change lists every earlier issuer once', () => {
    const fromOther = makeLeaf(otherCa, { email: EMAIL })
    const renewed = makeLeaf(ca, { email: EMAIL })
    expect(signerContinuity(renewed.der, [fromOther.der, first.der])).toEqual({ kind: 'renewed' })
    const third = makeIntermediate(root, 'Third CA', 'ec-p256')
    const changed = signerContinuity(makeLeaf(third, { email: EMAIL }).der, [first.der, fromOther.der, renewed.der])
    expect(changed).toMatchObject({
      kind: 'changed',
      issuerName: 'Third CA',
      previousIssuers: ['CN=Example Mail CA, O=Cachet Test', 'CN=Elsewhere Issuing CA, O=Cachet Test'],
    })
  })

  it('a self-signed certificate for the address (a forger with a fresh key) is changed, named by its own CN', () => {
    const key = work.path('forger.key')
    const pem = work.path('forger.pem')
    const cnf = work.path('forger.cnf')
    writeFileSync(cnf, ['[ req ]', 'distinguished_name = dn', 'x509_extensions = v3', '[ dn ]', '[ v3 ]', ...LEAF_EXT.filter((l) => !l.startsWith('authority'))].join('\n') + '\n')
    openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', pem, '-days', '30', '-subj', '/CN=Alice Example', '-config', cnf])
    const der = new Uint8Array(openssl(['x509', '-in', pem, '-outform', 'DER']))
    expect(signerContinuity(der, [first.der])).toMatchObject({ kind: 'changed', issuer: 'CN=Alice Example', issuerName: 'Alice Example' })
  })

  it('an issuer without CN is named by its O', () => {
    // `openssl ca` insists on a CN (gen.ts policy), so this CA and its leaf are made with req/x509.
    const caKey = work.path('nocn-ca.key')
    const caPem = work.path('nocn-ca.pem')
    const cnf = work.path('nocn.cnf')
    writeFileSync(cnf, ['[ req ]', 'distinguished_name = dn', '[ dn ]', '[ ca ]', ...CA_EXT.filter((l) => !l.startsWith('authority')), '[ leaf ]', ...LEAF_EXT].join('\n') + '\n')
    openssl(['req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', caPem, '-days', '30', '-subj', '/O=Org Only Certificates', '-config', cnf, '-extensions', 'ca'])
    const csr = work.path('nocn-leaf.csr')
    const pem = work.path('nocn-leaf.pem')
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', work.path('nocn-leaf.key'), '-out', csr, '-subj', '/CN=Test User', '-config', cnf])
    openssl(['x509', '-req', '-in', csr, '-CA', caPem, '-CAkey', caKey, '-set_serial', '7', '-days', '30', '-extfile', cnf, '-extensions', 'leaf', '-out', pem])
    const der = new Uint8Array(openssl(['x509', '-in', pem, '-outform', 'DER']))
    expect(signerContinuity(der, [first.der])).toMatchObject({ kind: 'changed', issuer: 'O=Org Only Certificates', issuerName: 'Org Only Certificates' })
  })

  it('unreadable known certificates are skipped, never thrown on', () => {
    const junk = [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), new Uint8Array(0), new Uint8Array([1, 2, 3])]
    expect(signerContinuity(first.der, junk)).toEqual({ kind: 'first' })
    expect(signerContinuity(makeLeaf(ca, { email: EMAIL }).der, [...junk, first.der])).toEqual({ kind: 'renewed' })
  })

  it('an unreadable new certificate throws a CoreError', () => {
    expect(() => signerContinuity(new Uint8Array([1, 2, 3]), [first.der])).toThrow(expect.objectContaining({ code: 'asn1' }) as Error)
  })
})
