/**
 * Issue 16: ciphers with no real confidentiality. Content encrypted (by OpenSSL's legacy
 * provider, during the test) with 40-bit RC2 or single DES is refused and nothing of it is
 * returned, unless the caller explicitly asks (allowWeakCiphers); 64/128-bit RC2 and 3DES
 * stay readable, the weakness named.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { readWithoutConfidentiality, refusedAsNotConfidential } from '../../../../src/core/message/verdict'
import { textEntity, withHeaders } from '../../../interop/harness/eml'
import { encryptExact, envOf } from './careful'
import { dec, withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

const SECRET = 'The vault code is 4471'
const encrypted = async (cipher: string, to = [f.leaves.bob]) => withHeaders(envOf(f.leaves.alice, f.leaves.bob), await encryptExact(f, to, textEntity(SECRET), cipher))

describe('ciphers with no real confidentiality', () => {
  const refused: [string, RegExp][] = [
    ['rc2-40-cbc', /40-bit RC2 \(export grade\)/],
    ['des-cbc', /single DES/],
  ]
  for (const [cipher, why] of refused) {
    it(`${cipher} is refused: unsupported, named and why, nothing of the content returned; readable only on explicit request`, async () => {
      const eml = await encrypted(cipher)
      const r = await openMessage(eml, f.keyring(['bob']), crypto)
      expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'unsupported' })
      expect(r.report.layers[0]).toMatchObject({ kind: 'enveloped', status: 'unsupported', contentEncryptionAlgorithm: cipher, weak: [cipher], noConfidentiality: expect.stringMatching(why) })
      const err = r.report.errors.find((e) => e.code === 'unsupported-algorithm')
      expect(err?.message).toMatch(why)
      expect(err?.message).toMatch(/not confidential/)
      expect(r.report.text).toBeNull()
      expect(r.report.attachments).toEqual([])
      expect(r.view.text).toBeNull()
      expect(r.view.html).toBeNull()
      const everything = JSON.stringify(r.report) + dec(r.inner)
      expect(everything).not.toContain(SECRET)
      expect(everything).not.toContain(Buffer.from(SECRET).toString('base64').slice(0, 16))

      const anyway = await openMessage(eml, f.keyring(['bob']), crypto, { allowWeakCiphers: true })
      expect(anyway.report.verdict.encryption).toBe('decrypted')
      expect(anyway.report.text).toBe(SECRET)
      expect(anyway.report.layers[0]).toMatchObject({ contentEncryptionAlgorithm: cipher, weak: [cipher], noConfidentiality: expect.stringMatching(why) })
    })
  }

  it('a weak message not for us is still not-for-you (the recipients are said first)', async () => {
    const r = await openMessage(await encrypted('rc2-40-cbc', [f.leaves.alice]), f.keyring(['bob']), crypto)
    expect(r.report.verdict.encryption).toBe('not-for-you')
  })

  for (const [cipher, name] of [['rc2-64-cbc', 'rc2-64-cbc'], ['rc2-cbc', 'rc2-128-cbc'], ['des-ede3-cbc', 'des-ede3-cbc']]) {
    it(`${cipher} stays readable as legacy, the weakness named (${name})`, async () => {
      const r = await openMessage(await encrypted(cipher!), f.keyring(['bob']), crypto)
      expect(r.report.verdict.encryption).toBe('decrypted')
      expect(r.report.layers[0]).toMatchObject({ contentEncryptionAlgorithm: name, weak: [name] })
      expect(r.report.layers[0]!.kind !== 'signed' && r.report.layers[0]!.noConfidentiality).toBeUndefined()
      expect(r.report.text).toBe(SECRET)
    })
  }
})

describe('reading a refused message as unprotected text (the reading pane\'s button)', () => {
  it('is offered only for content refused for its cipher, and once read it is said to be without confidentiality', async () => {
    const eml = await encrypted('rc2-40-cbc')
    const refused = await openMessage(eml, f.keyring(['bob']), crypto)
    expect(refusedAsNotConfidential(refused.report)).toBe(true)
    expect(readWithoutConfidentiality(refused.report)).toBe(false)
    const anyway = await openMessage(eml, f.keyring(['bob']), crypto, { allowWeakCiphers: true })
    expect(refusedAsNotConfidential(anyway.report)).toBe(false)
    expect(readWithoutConfidentiality(anyway.report)).toBe(true)
  })

  it('is not offered for a weak message not for us, nor for legacy ciphers that stay readable', async () => {
    const notOurs = await openMessage(await encrypted('rc2-40-cbc', [f.leaves.alice]), f.keyring(['bob']), crypto)
    expect(refusedAsNotConfidential(notOurs.report)).toBe(false)
    const legacy = await openMessage(await encrypted('des-ede3-cbc'), f.keyring(['bob']), crypto)
    expect(refusedAsNotConfidential(legacy.report)).toBe(false)
    expect(readWithoutConfidentiality(legacy.report)).toBe(false)
  })
})
