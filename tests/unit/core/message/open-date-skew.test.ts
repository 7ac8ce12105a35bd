/**
 * Issue 16, "Time": a Date header more than an hour from the signer's signingTime (a
 * replayed or re-dated message) is said, naming both times; the signature's own status
 * is unchanged. Signed by OpenSSL during the test.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { opensslSign } from '../../../interop/harness/openssl-cms'
import { withHeaders } from '../../../interop/harness/eml'
import { envOf, plainEntity, signersOf } from './careful'
import { withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

/** Signed now, with this Date header. */
async function dated(date: Date): Promise<Buffer> {
  const eml = withHeaders(envOf(f.leaves.alice, f.leaves.bob), await opensslSign(f.pki.dir, f.leaves.alice, plainEntity())).toString('latin1')
  return Buffer.from(eml.replace(/^Date: .*$/m, `Date: ${date.toUTCString()}`), 'latin1')
}

describe('a Date header far from the signing time', () => {
  it('more than an hour off, either way: the signer says so, naming both times; the signature itself still verifies', async () => {
    for (const offset of [-3 * 3600_000, 26 * 3600_000]) {
      const date = new Date(Math.floor((Date.now() + offset) / 1000) * 1000)
      const r = await openMessage(await dated(date), f.keyring([]), crypto)
      const s = signersOf(r.report.layers)[0]!
      expect(s.status).toBe('valid')
      expect(s.dateSkew).toMatchObject({ date: date.toISOString(), signingTime: s.signingTime })
      expect(s.dateSkew!.seconds).toBeGreaterThan(3600)
      expect(s.reasons.join(' ')).toContain(date.toISOString())
      expect(s.reasons.join(' ')).toContain(s.signingTime!)
    }
  })

  it('within an hour, or without a Date header: nothing is said', async () => {
    const near = await openMessage(await dated(new Date(Date.now() - 40 * 60_000)), f.keyring([]), crypto)
    expect(signersOf(near.report.layers)[0]!.dateSkew).toBeUndefined()
    expect(signersOf(near.report.layers)[0]!.reasons).toEqual([])
    const none = (await dated(new Date())).toString('latin1').replace(/^Date: .*\r\n/m, '')
    const r = await openMessage(Buffer.from(none, 'latin1'), f.keyring([]), crypto)
    expect(signersOf(r.report.layers)[0]!.dateSkew).toBeUndefined()
  })
})
