import { describe, expect, it } from 'vitest'
import { signData, verifySigned } from '../../../../../src/core/cms/signed'
import { isCoreError } from '../../../../../src/core/errors'
import { parseMime } from '../../../../../src/core/mime'
import { utf8 } from '../../../../../src/core/util/bytes'
import { makeIdentity } from './helpers'

/** A small deterministic PRNG so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x80000000
  }
}

describe('hostile SignedData', () => {
  it('mutated signatures never crash: a result with no ok signer, or CoreError', async () => {
    const crypto = globalThis.crypto
    const content = utf8('Content-Type: text/plain\r\n\r\nx\r\n')
    const id = await makeIdentity('P-256')
    const good = await signData(content, { identity: id, detached: true }, crypto)
    const rand = rng(42)
    let results = 0
    for (let n = 0; n < 600; n++) {
      const m = good.slice()
      const flips = 1 + Math.floor(rand() * 4)
      for (let k = 0; k < flips; k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256)
      const cut = rand() < 0.2 ? m.subarray(0, Math.floor(rand() * m.length)) : m
      try {
        const r = await verifySigned(cut, content, crypto)
        results++
        // a mutation may leave the signed bytes intact (e.g. in the unsigned certificate
        // or an ignored field); then ok is fine, but never with problems
        for (const s of r.signers) if (s.ok) expect(r.problems).toEqual([])
      } catch (e) {
        expect(isCoreError(e), String(e)).toBe(true)
      }
    }
    expect(results).toBeGreaterThan(0)
  })

  it('random bytes and hostile MIME never make parseMime throw', () => {
    const rand = rng(7)
    for (let n = 0; n < 300; n++) {
      const b = new Uint8Array(Math.floor(rand() * 2000)).map(() => Math.floor(rand() * 256))
      expect(() => parseMime(b)).not.toThrow()
    }
    const hostile = [
      'Content-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n--\r\n',
      'Content-Type: multipart/mixed\r\n\r\nno boundary',
      'Content-Type: message/rfc822\r\n\r\n',
      'Content-Type: multipart/mixed; boundary=a\r\n\r\n--a--',
      'Content-Type: multipart/mixed; boundary*0=a; boundary*1=b\r\n\r\n--ab\r\n\r\nx\r\n--ab--\r\n',
      ':\r\n\r\n',
      '\r\n\r\n',
      'A'.repeat(200_000),
    ]
    for (const h of hostile) expect(() => parseMime(utf8(h))).not.toThrow()
    expect(parseMime(utf8(hostile[4]!)).children).toHaveLength(1)
  })
})
