/**
 * CRL files imported in Contacts (issue 16, "Revocation the user can feed"): recognised
 * beside certificate files, read as DER or PEM into the records fetched CRLs are kept as,
 * and a certificate such a CRL revokes is revoked when a message is opened with the
 * stored CRLs (as keyringForOpen gives them). PKI and CRL made by OpenSSL during the test.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../src/core/message/open'
import { crlRecordsFrom, importedCrlKey, isCrlFile } from '../../../src/web/stores/crls'
import { opensslSign } from '../../interop/harness/openssl-cms'
import { textEntity, withHeaders } from '../../interop/harness/eml'
import { createPki, type Leaf, type Pki } from '../../interop/harness/pki'
import { openssl } from '../../interop/harness/run'

const crypto = globalThis.crypto
let pki: Pki
let revoked: Leaf
let pem: Uint8Array

beforeAll(async () => {
  pki = await createPki('cachet-crl-import')
  revoked = await pki.issue('mallory', { key: 'rsa2048', revoked: true })
  pem = new Uint8Array(await readFile(pki.crlPath()))
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
})

describe('importing CRL files', () => {
  it('tells a CRL file from a certificate file by its name or its PEM label', async () => {
    const der = new Uint8Array(await openssl(['crl', '-in', pki.crlPath(), '-outform', 'DER']))
    expect(isCrlFile('ca.crl', der)).toBe(true)
    expect(isCrlFile('ca.pem', pem)).toBe(true)
    expect(isCrlFile('bob.pem', new Uint8Array(await readFile(revoked.certPath)))).toBe(false)
    expect(isCrlFile('bob.cer', revoked.certDer)).toBe(false)
  })

  it('reads every CRL of a PEM file, and a DER one, keyed by issuer; refuses a file without one', async () => {
    const now = new Date()
    const records = await crlRecordsFrom(pem, now)
    expect(records.length).toBeGreaterThanOrEqual(2)
    for (const r of records) {
      expect(r.url).toBe(importedCrlKey(r.issuer))
      expect(r.fetchedAt).toBe(now.toISOString())
      expect(r.thisUpdate).not.toBeNull()
    }
    const der = new Uint8Array(await openssl(['crl', '-in', pki.crlPath(), '-outform', 'DER']))
    expect((await crlRecordsFrom(der, now)).map((r) => r.url)).toEqual([records[0]!.url])
    await expect(crlRecordsFrom(revoked.certDer, now)).rejects.toThrow()
  })

  it('a certificate the imported CRL revokes is revoked when the message is opened with the stored CRLs', async () => {
    const eml = withHeaders({ from: `<${revoked.email}>`, to: 'bob@example.test', subject: 'revoked' }, await opensslSign(pki.dir, revoked, textEntity('hi\r\n')))
    const keyring = { identities: [], trustAnchors: [pki.root.certDer], certificates: [pki.intermediate.certDer], crls: [] as Uint8Array[] }
    const before = await openMessage(eml, keyring, crypto)
    expect(before.report.verdict.signature).toBe('valid')
    const stored = (await crlRecordsFrom(pem, new Date())).map((r) => r.der)
    const after = await openMessage(eml, { ...keyring, crls: stored }, crypto)
    expect(after.report.verdict.signature).toBe('revoked')
    const signer = after.report.layers[0]!.kind === 'signed' ? after.report.layers[0]!.signers[0] : undefined
    expect(signer?.revocation).toBe('revoked')
  })
})
