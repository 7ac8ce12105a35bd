import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isCoreError } from '../../../../src/core/errors'
import { certificateEmails, readCertificates, summarizeCertificate, validateCertificate } from '../../../../src/core/pki'
import { PATH_LIMITS } from '../../../../src/core/pki/path'
import { makeIntermediate, makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from './gen'

const crypto = globalThis.crypto
let work: Workdir
let root: TestCa
let int: TestCa
let leaf: Issued
beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'Hostile Root', 'ec-p256')
  int = makeIntermediate(root, 'Hostile CA', 'ec-p256')
  leaf = makeLeaf(int, { sanExtra: ['otherName.1 = 1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:Jörg@例え.jp'] })
})
afterAll(() => work.dispose())

describe('hostile and unusual input', () => {
  it('reads internationalized addresses (SmtpUTF8Mailbox, RFC 9598) next to rfc822Name', () => {
    expect(certificateEmails(leaf.der)).toEqual(['alice@example.test', 'jörg@例え.jp'])
  })

  it('turns every truncation of a certificate into CoreError, never another exception', async () => {
    for (let n = 1; n < leaf.der.length; n += 7) {
      const cut = leaf.der.subarray(0, n)
      await expect(summarizeCertificate(cut, crypto)).rejects.toSatisfy((e) => isCoreError(e))
      expect(() => readCertificates(cut)).toThrow()
      try {
        readCertificates(cut)
      } catch (e) {
        expect(isCoreError(e)).toBe(true)
      }
    }
  })

  it('rejects a certificate whose validity time is garbled with CoreError, not RangeError', async () => {
    const at = Buffer.from(leaf.der).indexOf('210101000000Z')
    expect(at).toBeGreaterThan(0)
    for (const junk of ['x', '9', ':']) {
      const bad = leaf.der.slice()
      bad[at + 2] = junk.charCodeAt(0) // month "01" → "x1", "91", ":1"
      let caught: unknown
      try {
        const s = await summarizeCertificate(bad, crypto)
        expect(Number.isNaN(Date.parse(s.notBefore))).toBe(false)
      } catch (e) {
        caught = e
      }
      if (caught) expect(isCoreError(caught, 'asn1'), String(caught)).toBe(true)
    }
  })

  it('survives random byte flips: validation returns a status or throws CoreError asn1', async () => {
    let seed = 42
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed)
    for (let i = 0; i < 200; i++) {
      const bad = leaf.der.slice()
      for (let k = 0; k < 3; k++) bad[rand() % bad.length] = rand() & 0xff
      try {
        const v = await validateCertificate(bad, { anchors: [root.der], intermediates: [int.der], crls: [], purpose: 'email-signing' }, crypto)
        expect(['valid', 'untrusted', 'expired', 'revoked', 'email-mismatch', 'not-email-cert']).toContain(v.status)
        // Only a "flip" that left the bytes unchanged may still validate
        if (v.status === 'valid') expect(Buffer.from(bad).equals(Buffer.from(leaf.der))).toBe(true)
      } catch (e) {
        expect(isCoreError(e), String(e)).toBe(true)
      }
    }
  })

  it('bounds the work on a pool of many same-named impostor issuers', async () => {
    const impostors = Array.from({ length: 6 }, () => makeIntermediate(root, 'Hostile CA', 'ec-p256', ['basicConstraints = critical, CA:TRUE']).der)
    const pool = Array.from({ length: 200 }, (_, i) => impostors[i % impostors.length]!)
    const bare = makeIntermediate(root, 'Hostile CA', 'ec-p256', ['basicConstraints = critical, CA:TRUE'])
    const victim = makeLeaf(bare)
    const started = Date.now()
    const v = await validateCertificate(victim.der, { anchors: [root.der], intermediates: [...pool, bare.der], crls: [], purpose: 'email-signing' }, crypto)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(v.status).toBe('valid')
    expect(PATH_LIMITS.maxSignatureChecks).toBeGreaterThan(6)
  })

  it('rejects a certificate whose signature was altered', async () => {
    const bad = leaf.der.slice()
    bad[bad.length - 3]! ^= 0x40
    const v = await validateCertificate(bad, { anchors: [root.der], intermediates: [int.der], crls: [], purpose: 'email-signing' }, crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/does not verify/)
  })
})
