import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isCoreError } from '../../../../src/core/errors'
import { validateCertificate, type ValidateOptions } from '../../../../src/core/pki'
import { CA_EXT, makeIntermediate, makeLeaf, makeRoot, Workdir, type KeyType } from './gen'

const crypto = globalThis.crypto
const at = new Date('2030-01-01T00:00:00Z')
const signing = (anchors: Uint8Array[], intermediates: Uint8Array[], extra: Partial<ValidateOptions> = {}): ValidateOptions => ({
  anchors,
  intermediates,
  crls: [],
  at,
  purpose: 'email-signing',
  ...extra,
})

let work: Workdir
beforeAll(() => {
  work = new Workdir()
})
afterAll(() => work.dispose())

describe.each<[KeyType, string]>([
  ['rsa', 'RSA'],
  ['rsa-pss', 'RSA-PSS'],
  ['ec-p256', 'EC P-256'],
  ['ec-p384', 'EC P-384'],
  ['ed25519', 'Ed25519'],
])('root → intermediate → leaf with %s keys', (keyType, keyAlgorithm) => {
  it('validates to the root and reports the chain leaf first', async () => {
    const root = makeRoot(work, `Root ${keyType}`, keyType)
    const int = makeIntermediate(root, `Intermediate ${keyType}`, keyType)
    const leaf = makeLeaf(int, { email: 'Alice@Example.test' })
    const v = await validateCertificate(leaf.der, signing([root.der], [int.der], { email: 'alice@example.TEST' }), crypto)
    expect(v.reasons).toEqual([])
    expect(v.status).toBe('valid')
    expect(v.chain.map((c) => c.subject)).toEqual([
      'CN=Test User, O=Cachet Test',
      `CN=Intermediate ${keyType}, O=Cachet Test`,
      `CN=Root ${keyType}, O=Cachet Test`,
    ])
    expect(v.chain[0]!.keyAlgorithm).toBe(keyAlgorithm)
    expect(v.anchor?.selfSigned).toBe(true)
  })
})

describe('certificate problems', () => {
  let root: ReturnType<typeof makeRoot>
  let int: ReturnType<typeof makeIntermediate>
  beforeAll(() => {
    root = makeRoot(work, 'Problem Root', 'ec-p256')
    int = makeIntermediate(root, 'Problem CA', 'ec-p256')
  })

  it('reports an expired leaf as expired', async () => {
    const leaf = makeLeaf(int, { startDate: '20210101000000Z', endDate: '20220101000000Z' })
    const v = await validateCertificate(leaf.der, signing([root.der], [int.der]), crypto)
    expect(v.status).toBe('expired')
    expect(v.reasons.join(' ')).toMatch(/expired on 2022-01-01/)
    expect(v.anchor).not.toBeNull()
  })

  it('reports a not-yet-valid leaf as expired, saying when it starts', async () => {
    const leaf = makeLeaf(int, { startDate: '20350101000000Z', endDate: '20380101000000Z' })
    const v = await validateCertificate(leaf.der, signing([root.der], [int.der]), crypto)
    expect(v.status).toBe('expired')
    expect(v.reasons.join(' ')).toMatch(/not valid before 2035-01-01/)
  })

  it('reports an expired intermediate as expired', async () => {
    const old = makeIntermediate(root, 'Old CA', 'ec-p256', CA_EXT, { startDate: '20200101000000Z', endDate: '20250101000000Z' })
    const leaf = makeLeaf(old)
    const v = await validateCertificate(leaf.der, signing([root.der], [old.der]), crypto)
    expect(v.status).toBe('expired')
    expect(v.reasons.join(' ')).toMatch(/issuing certificate "Old CA" expired/)
  })

  it('accepts a leaf without an EKU extension (RFC 8550 §4.4.4)', async () => {
    const leaf = makeLeaf(int, { eku: null })
    expect((await validateCertificate(leaf.der, signing([root.der], [int.der]), crypto)).status).toBe('valid')
  })

  it('accepts an EKU that includes emailProtection among others', async () => {
    const leaf = makeLeaf(int, { eku: 'clientAuth, emailProtection' })
    expect((await validateCertificate(leaf.der, signing([root.der], [int.der]), crypto)).status).toBe('valid')
  })

  it('rejects a leaf whose EKU is serverAuth only as not-email-cert', async () => {
    const leaf = makeLeaf(int, { eku: 'serverAuth' })
    const v = await validateCertificate(leaf.der, signing([root.der], [int.der]), crypto)
    expect(v.status).toBe('not-email-cert')
    expect(v.reasons.join(' ')).toMatch(/allows serverAuth, not emailProtection/)
  })

  it('rejects signing with a key whose key usage is keyAgreement only', async () => {
    const leaf = makeLeaf(int, { keyUsage: 'critical, keyAgreement' })
    expect((await validateCertificate(leaf.der, signing([root.der], [int.der]), crypto)).status).toBe('not-email-cert')
    const enc = await validateCertificate(leaf.der, signing([root.der], [int.der], { purpose: 'email-encryption' }), crypto)
    expect(enc.status).toBe('valid')
  })

  it('matches the whole address case-insensitively, from SAN or subject emailAddress', async () => {
    const leaf = makeLeaf(int, { email: 'bob@example.test', subjectEmail: true })
    const ok = await validateCertificate(leaf.der, signing([root.der], [int.der], { email: 'BOB@example.test' }), crypto)
    expect(ok.status).toBe('valid')
    for (const email of ['ob@example.test', 'bob@example.tes', 'bob', 'Bob <bob@example.test>']) {
      const v = await validateCertificate(leaf.der, signing([root.der], [int.der], { email }), crypto)
      expect(v.status, email).toBe('email-mismatch')
    }
  })

  it('puts email-mismatch before not-email-cert, expired and untrusted, and lists every problem', async () => {
    const leaf = makeLeaf(int, { eku: 'serverAuth', endDate: '20220101000000Z' })
    const v = await validateCertificate(leaf.der, signing([], [], { email: 'mallory@example.test' }), crypto)
    expect(v.status).toBe('email-mismatch')
    const all = v.reasons.join(' ')
    expect(all).toMatch(/not for mallory@example.test/)
    expect(all).toMatch(/serverAuth/)
    expect(all).toMatch(/expired/)
    expect(all).toMatch(/No chain to a trusted certificate/)
  })

  it('is untrusted when the intermediate is missing, naming the unknown issuer', async () => {
    const leaf = makeLeaf(int)
    const v = await validateCertificate(leaf.der, signing([root.der], []), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.chain).toHaveLength(1)
    expect(v.anchor).toBeNull()
    expect(v.reasons.join(' ')).toMatch(/CN=Problem CA, O=Cachet Test/)
  })

  it('is untrusted when no anchors are given at all', async () => {
    const leaf = makeLeaf(int)
    const v = await validateCertificate(leaf.der, signing([], [int.der, root.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.chain).toHaveLength(3)
  })

  it('rejects an issuing CA without basicConstraints', async () => {
    const noBc = makeIntermediate(root, 'No BC CA', 'ec-p256', ['keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'])
    const leaf = makeLeaf(noBc)
    const v = await validateCertificate(leaf.der, signing([root.der], [noBc.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/"No BC CA" .* is not a CA certificate/)
  })

  it('rejects an issuing CA whose key usage lacks keyCertSign', async () => {
    const noSign = makeIntermediate(root, 'No Sign CA', 'ec-p256', ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, cRLSign'])
    const leaf = makeLeaf(noSign)
    const v = await validateCertificate(leaf.der, signing([root.der], [noSign.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/keyCertSign/)
  })

  it('honours pathLenConstraint', async () => {
    const tight = makeRoot(work, 'Tight Root', 'ec-p256', ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign'])
    const sub = makeIntermediate(tight, 'Sub CA', 'ec-p256')
    const leaf = makeLeaf(sub)
    const v = await validateCertificate(leaf.der, signing([tight.der], [sub.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/at most 0 intermediate/)
    const direct = makeLeaf(tight)
    expect((await validateCertificate(direct.der, signing([tight.der], []), crypto)).status).toBe('valid')
  })

  it('trusts a self-signed leaf the user put in the anchors, and only then', async () => {
    const self = makeRoot(work, 'Self Signed Person', 'ed25519', [
      'basicConstraints = CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'subjectAltName = email:self@example.test',
      'extendedKeyUsage = emailProtection',
    ])
    const trusted = await validateCertificate(self.der, signing([self.der], [], { email: 'self@example.test' }), crypto)
    expect(trusted.status).toBe('valid')
    expect(trusted.chain).toHaveLength(1)
    expect(trusted.anchor?.subject).toBe('CN=Self Signed Person, O=Cachet Test')
    expect((await validateCertificate(self.der, signing([], []), crypto)).status).toBe('untrusted')
  })

  it('tries several candidate issuers with the same name and uses the one whose key verifies', async () => {
    // Same subject name, different key, no key identifiers to tell them apart
    const bare = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign']
    const real = makeIntermediate(root, 'Twin CA', 'ec-p256', bare)
    const impostor = makeIntermediate(root, 'Twin CA', 'ec-p256', bare)
    const leaf = makeLeaf(real)
    const v = await validateCertificate(leaf.der, signing([root.der], [impostor.der, real.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.chain[1]!.sha256).not.toBe(v.chain[0]!.sha256)
  })

  it('skips unreadable extra certificates and CRLs', async () => {
    const leaf = makeLeaf(int)
    const junk = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])
    const v = await validateCertificate(leaf.der, { ...signing([root.der, junk], [junk, int.der]), crls: [junk] }, crypto)
    expect(v.status).toBe('valid')
  })

  it('throws CoreError asn1 only when the leaf itself is not a certificate', async () => {
    await expect(validateCertificate(new Uint8Array([1, 2, 3]), signing([], []), crypto)).rejects.toSatisfy((e) => isCoreError(e, 'asn1'))
  })
})

describe('cross-signed roots', () => {
  it('reaches either root: directly or through the cross-certificate', async () => {
    const oldRoot = makeRoot(work, 'Old Root', 'rsa')
    const newRoot = makeRoot(work, 'New Root', 'ec-p384')
    // New Root's name and key, certified by Old Root
    const cross = oldRoot.issue({
      subject: '/O=Cachet Test/CN=New Root',
      keyType: 'ec-p384',
      extensions: CA_EXT,
      keyFile: newRoot.keyFile,
      csrFile: newRoot.csrFile,
      name: 'cross',
      startDate: '20200101000000Z',
      endDate: '20400101000000Z',
    })
    const int = makeIntermediate(newRoot, 'Issuing CA', 'ec-p256')
    const leaf = makeLeaf(int)
    const viaNew = await validateCertificate(leaf.der, signing([newRoot.der], [int.der, cross.der]), crypto)
    expect(viaNew.status).toBe('valid')
    expect(viaNew.chain).toHaveLength(3)
    const viaOld = await validateCertificate(leaf.der, signing([oldRoot.der], [int.der, cross.der]), crypto)
    expect(viaOld.status).toBe('valid')
    expect(viaOld.chain.map((c) => c.subject.split(',')[0])).toEqual(['CN=Test User', 'CN=Issuing CA', 'CN=New Root', 'CN=Old Root'])
    expect(viaOld.anchor?.keyAlgorithm).toBe('RSA')
  })
})

describe('choosing among several paths', () => {
  it('prefers a current cross-certificate over an expired one for the same CA', async () => {
    const oldRoot = makeRoot(work, 'Choice Old Root', 'rsa')
    const newRoot = makeRoot(work, 'Choice New Root', 'ec-p256')
    const cross = (name: string, endDate: string) =>
      oldRoot.issue({
        subject: '/O=Cachet Test/CN=Choice New Root',
        keyType: 'ec-p256',
        extensions: CA_EXT,
        keyFile: newRoot.keyFile,
        csrFile: newRoot.csrFile,
        name,
        startDate: '20200101000000Z',
        endDate,
      })
    const expired = cross('cross-expired', '20250101000000Z')
    const current = cross('cross-current', '20390101000000Z')
    const leaf = makeLeaf(newRoot)
    const v = await validateCertificate(leaf.der, signing([oldRoot.der], [expired.der, current.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.chain[1]!.notAfter).toBe('2039-01-01T00:00:00.000Z')
    // With only the expired cross-certificate, the path exists but is expired
    const only = await validateCertificate(leaf.der, signing([oldRoot.der], [expired.der]), crypto)
    expect(only.status).toBe('expired')
  })
})

describe('name constraints (RFC 5280 §4.2.1.10)', () => {
  const constrained = (name: string, constraint: string[]) => {
    const root = makeRoot(work, `NC Root ${name}`, 'ec-p256')
    const int = makeIntermediate(root, `NC CA ${name}`, 'ec-p256', [...CA_EXT, ...constraint])
    return { root, int }
  }

  it('permits only addresses at the named host', async () => {
    const { root, int } = constrained('host', ['nameConstraints = critical, permitted;email:example.test'])
    const ok = makeLeaf(int, { email: 'alice@example.test' })
    expect((await validateCertificate(ok.der, signing([root.der], [int.der]), crypto)).status).toBe('valid')
    const out = makeLeaf(int, { email: 'mallory@evil.test' })
    const v = await validateCertificate(out.der, signing([root.der], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/mallory@evil.test is outside the names its CA may certify/)
    const sub = makeLeaf(int, { email: 'alice@sub.example.test' })
    expect((await validateCertificate(sub.der, signing([root.der], [int.der]), crypto)).status).toBe('untrusted')
  })

  it('permits any host below a ".domain" constraint, but not the domain itself', async () => {
    const { root, int } = constrained('domain', ['nameConstraints = critical, permitted;email:.example.test'])
    const sub = makeLeaf(int, { email: 'bob@mail.example.test' })
    expect((await validateCertificate(sub.der, signing([root.der], [int.der]), crypto)).status).toBe('valid')
    const top = makeLeaf(int, { email: 'bob@example.test' })
    expect((await validateCertificate(top.der, signing([root.der], [int.der]), crypto)).status).toBe('untrusted')
  })

  it('refuses excluded addresses, also in the subject emailAddress attribute', async () => {
    const { root, int } = constrained('excluded', ['nameConstraints = critical, excluded;email:bad.example.test'])
    const bad = makeLeaf(int, { email: 'eve@bad.example.test', subjectEmail: true })
    const v = await validateCertificate(bad.der, signing([root.der], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/forbidden/)
    const good = makeLeaf(int, { email: 'eve@good.example.test' })
    expect((await validateCertificate(good.der, signing([root.der], [int.der]), crypto)).status).toBe('valid')
  })

  it('keeps subjects under a permitted directory name', async () => {
    const { root, int } = constrained('dn', ['nameConstraints = critical, permitted;dirName:nc_dn', '[ nc_dn ]', 'O = Cachet Test'])
    const ok = makeLeaf(int)
    expect((await validateCertificate(ok.der, signing([root.der], [int.der]), crypto)).status).toBe('valid')
    const { root: root2, int: int2 } = constrained('dn2', ['nameConstraints = critical, permitted;dirName:nc_dn', '[ nc_dn ]', 'O = Other Org'])
    const out = makeLeaf(int2)
    const v = await validateCertificate(out.der, signing([root2.der], [int2.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/the subject name is outside/)
  })
})
