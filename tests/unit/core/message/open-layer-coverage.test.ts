/**
 * Issue 16: each signed layer judged for what it covers. A signature over the ciphertext
 * only (encrypt-then-sign) does not sign the content; the inner signature of a triple wrap
 * counts; a broken outer signature around a validly signed message is reported while the
 * inner one is the verdict, and nothing only the broken one covers is ever valid.
 * Messages made by OpenSSL during the test.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { ENVELOPE_ONLY_REASON, OUTER_SIGNATURE_CODE } from '../../../../src/core/message/verdict'
import { opensslEncrypt, opensslSign } from '../../../interop/harness/openssl-cms'
import { textEntity, withHeaders } from '../../../interop/harness/eml'
import { envOf, plainEntity, signersOf, TEXT } from './careful'
import { withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

describe('a signature over the encrypted envelope only (encrypt-then-sign)', () => {
  it('proves who sent the ciphertext, not who wrote it: signature none, the signer listed as signing the envelope only', async () => {
    const enc = await opensslEncrypt(f.pki.dir, [f.leaves.bob, f.leaves.alice], textEntity('Secret plan\r\n'))
    const eml = withHeaders(envOf(f.leaves.alice, f.leaves.bob), await opensslSign(f.pki.dir, f.leaves.alice, enc))
    const r = await openMessage(eml, f.keyring(['bob']), crypto)
    expect(r.report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped'])
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    const s = signersOf(r.report.layers)[0]!
    expect(s).toMatchObject({ status: 'valid', coversEnvelopeOnly: true, email: f.leaves.alice.email })
    expect(s.reasons).toContain(ENVELOPE_ONLY_REASON)
    expect(r.report.text).toBe('Secret plan\r\n')
  })

  it('the same signer also signed inside the encryption: that inner signature counts', async () => {
    const inner = await opensslSign(f.pki.dir, f.leaves.alice, textEntity('Triple\r\n'), { opaque: true })
    const enc = await opensslEncrypt(f.pki.dir, [f.leaves.bob, f.leaves.alice], inner)
    const eml = withHeaders(envOf(f.leaves.alice, f.leaves.bob), await opensslSign(f.pki.dir, f.leaves.alice, enc))
    const r = await openMessage(eml, f.keyring(['bob']), crypto)
    expect(r.report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped', 'signed'])
    expect(r.report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    const [outer, innerSigner] = signersOf(r.report.layers)
    expect(outer!.coversEnvelopeOnly).toBe(true)
    expect(innerSigner!.coversEnvelopeOnly).toBeUndefined()
  })
})

describe('a broken outer signature around a validly signed message', () => {
  const PREAMBLE = 'This is an S/MIME signed message'

  async function nested(): Promise<string> {
    const inner = await opensslSign(f.pki.dir, f.leaves.alice, plainEntity())
    return withHeaders(envOf(f.leaves.alice, f.leaves.bob), await opensslSign(f.pki.dir, f.leaves.alice, inner)).toString('latin1')
  }

  it('the inner signature is the verdict; the broken outer one is in its layer and in the errors', async () => {
    const eml = await nested()
    const second = eml.indexOf(PREAMBLE, eml.indexOf(PREAMBLE) + 1)
    expect(second).toBeGreaterThan(0)
    // The inner message's preamble: covered by the outer signature only (a list that rewrote it).
    const broken = Buffer.from(eml.slice(0, second) + 'This is an S/MIME signed massage' + eml.slice(second + PREAMBLE.length), 'latin1')
    const r = await openMessage(broken, f.keyring([]), crypto)
    expect(r.report.layers.map((l) => l.kind)).toEqual(['signed', 'signed'])
    expect(signersOf(r.report.layers).map((s) => s.status)).toEqual(['invalid', 'valid'])
    expect(r.report.verdict.signature).toBe('valid')
    expect(r.report.errors.map((e) => e.code)).toContain(OUTER_SIGNATURE_CODE)
    expect(r.report.text).toBe(TEXT)
  })

  it('never valid for what the broken signature alone covers: the inner content altered breaks both', async () => {
    const eml = await nested()
    const r = await openMessage(Buffer.from(eml.replace('Pay 100 EUR', 'Pay 900 EUR'), 'latin1'), f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('invalid')
    expect(signersOf(r.report.layers).map((s) => s.status)).toEqual(['invalid', 'invalid'])
  })
})
