/**
 * Issue 16: canonical form before the digest (RFC 8551 §3.1.1). A multipart/signed whose
 * signed part reached us with bare LF line ends (an .eml saved on Unix, a signed part
 * inside an encryption written with LF) verifies as OpenSSL and Thunderbird verify it:
 * never by weakening the comparison, never for binary parts, and the exact bytes first.
 * Messages made by OpenSSL during the test.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { opensslSign, opensslVerify } from '../../../interop/harness/openssl-cms'
import { withHeaders } from '../../../interop/harness/eml'
import { encryptExact, envOf, lf, plainEntity, signExact, signersOf, TEXT } from './careful'
import { dec, withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

const aliceSigned = async (content = plainEntity()) => withHeaders(envOf(f.leaves.alice, f.leaves.bob), await opensslSign(f.pki.dir, f.leaves.alice, content))

describe('canonical form before the digest (RFC 8551 §3.1.1)', () => {
  it('a whole .eml saved with LF line ends verifies, as openssl cms -verify verifies it, and shows the signed text', async () => {
    const saved = lf(await aliceSigned())
    expect(saved.includes(Buffer.from('\r\n'))).toBe(false)
    expect((await opensslVerify(f.pki.dir, saved, f.pki.root.certPath)).status).toBe(0)
    const r = await openMessage(saved, f.keyring([]), crypto)
    expect(r.report.verdict).toEqual({ signature: 'valid', encryption: 'none' })
    expect(r.report.text).toBe(TEXT)
    // What was verified is what is returned: the canonical form.
    expect(dec(r.inner)).toContain('Pay 100 EUR to Bob.\r\n')
  })

  it('a signed part with LF line ends inside an enveloped message verifies after decryption', async () => {
    const signed = lf(await opensslSign(f.pki.dir, f.leaves.alice, plainEntity()))
    const eml = withHeaders(envOf(f.leaves.alice, f.leaves.bob), await encryptExact(f, [f.leaves.bob, f.leaves.alice], signed))
    const r = await openMessage(eml, f.keyring(['bob']), crypto)
    expect(r.report.layers.map((l) => l.kind)).toEqual(['enveloped', 'signed'])
    expect(r.report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(r.report.text).toBe(TEXT)
  })

  it('a tampered LF message still fails: the comparison is not weakened', async () => {
    const saved = lf(await aliceSigned())
    const evil = Buffer.from(saved.toString('latin1').replace('Pay 100 EUR', 'Pay 900 EUR'), 'latin1')
    expect(evil.equals(saved)).toBe(false)
    const r = await openMessage(evil, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('invalid')
    expect(signersOf(r.report.layers)[0]!.reasons).toContain('message digest mismatch')
    // An added line breaks it too: only line ends are canonicalised.
    const extra = Buffer.from(saved.toString('latin1').replace('Thanks, Alice\n', 'Thanks, Alice\n\n'), 'latin1')
    expect((await openMessage(extra, f.keyring([]), crypto)).report.verdict.signature).toBe('invalid')
  })

  it('never for a binary part: Content-Transfer-Encoding: binary is signed as its exact bytes', async () => {
    const eml = await aliceSigned(plainEntity(TEXT, 'binary'))
    expect((await openMessage(eml, f.keyring([]), crypto)).report.verdict.signature).toBe('valid')
    const r = await openMessage(lf(eml), f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('invalid')
    expect(signersOf(r.report.layers)[0]!.reasons).toContain('message digest mismatch')
  })

  it('a signature over the exact LF bytes (not the canonical form) verifies over them, first', async () => {
    const smime = await signExact(f, f.leaves.alice, lf(plainEntity()))
    // withHeaders would turn the LF content into CRLF: the headers are put on by hand.
    const eml = Buffer.concat([Buffer.from(`From: <${f.leaves.alice.email}>\r\nTo: ${f.leaves.bob.email}\r\nSubject: x\r\nDate: ${new Date().toUTCString()}\r\n`), smime])
    const r = await openMessage(eml, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('valid')
    expect(dec(r.inner)).toContain('Pay 100 EUR to Bob.\nThanks')
  })
})
