/**
 * Resource abuse (issue #3): every input returns a report within a hang bound (20 s,
 * generous: a bound against hangs, not a speed claim), names a clear error code, and
 * never throws. Deep CMS nesting uses real signatures from a PKI made by OpenSSL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage, MAX_LAYERS } from '../../../src/core/message'
import { makeCorpusPki, type CorpusPki } from '../../hostile-corpus/build'
import * as R from '../../hostile-corpus/resource'

const crypto = globalThis.crypto
const HANG_BOUND_MS = 20_000
let pki: CorpusPki

beforeAll(async () => {
  pki = await makeCorpusPki()
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
})

async function open(raw: Uint8Array) {
  const started = performance.now()
  const r = await openMessage(raw, pki.keyring(), crypto)
  const elapsed = performance.now() - started
  expect(elapsed).toBeLessThan(HANG_BOUND_MS)
  expect(process.memoryUsage().rss).toBeLessThan(3 * 1024 ** 3)
  return r
}

const codes = (r: Awaited<ReturnType<typeof open>>) => r.report.errors.map((e) => e.code)

describe('resource abuse is bounded', () => {
  it('10,000 nested multiparts: parsed to the depth limit, reported', async () => {
    const r = await open(R.nestedMultipart(10_000))
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(r.report.errors.some((e) => e.code === 'mime' && /depth|nest/i.test(e.message))).toBe(true)
  })

  it('10,000 nested message/rfc822 entities', async () => {
    const r = await open(R.nestedRfc822(10_000))
    expect(r.report.errors.some((e) => e.code === 'mime' && /depth|nest/i.test(e.message))).toBe(true)
  })

  it('50,000 parts: stops at the part limit', async () => {
    const r = await open(R.manyParts(50_000))
    expect(r.report.errors.some((e) => e.code === 'mime' && /part/i.test(e.message))).toBe(true)
    expect(r.view.attachments.length).toBeLessThan(5000)
  })

  it('a 100 MB single line: refused as too large before parsing', async () => {
    const r = await open(R.hugeLine(100 * 1024 * 1024))
    expect(codes(r)).toContain('limit-exceeded')
    expect(r.report.verdict.signature).not.toBe('valid')
    expect(r.report.text).toBeNull()
  })

  it('a 20 MB single line inside the size limit opens', async () => {
    const r = await open(R.hugeLine(20 * 1024 * 1024))
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(r.report.text?.length).toBe(20 * 1024 * 1024)
  })

  it('a 10 MB header line is cut, not turned into a string', async () => {
    const r = await open(R.hugeHeader(10 * 1024 * 1024))
    expect(codes(r)).toContain('mime')
    expect((r.report.subject ?? '').length).toBeLessThan(1024 * 1024)
  })

  it('base64 expansion (30 MB of zeros) and a quoted-printable escape bomb', async () => {
    const a = await open(R.base64Expansion(30 * 1024 * 1024))
    expect(a.report.attachments[0]?.size).toBe(30 * 1024 * 1024)
    const q = await open(R.quotedPrintableBomb(8 * 1024 * 1024))
    expect(q.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
  })

  it('a compressed-data bomb (100 MB of zeros as zlib) is not inflated: unsupported', async () => {
    const raw = R.compressedBomb(100 * 1024 * 1024)
    expect(raw.length).toBeLessThan(1024 * 1024)
    const r = await open(raw)
    expect(r.report.verdict.encryption).toBe('unsupported')
    expect(codes(r)).toContain('unsupported-algorithm')
    expect(r.report.text).toBeNull()
  })

  it('100,000 encoded-words in a Subject', async () => {
    const r = await open(R.encodedWordBomb(100_000))
    expect(r.report.verdict.signature).toBe('none')
  })

  it('huge declared ASN.1 lengths (2^32-1, 2^64-1): a clean CMS error', async () => {
    for (const octets of [4, 8] as const) {
      for (const signed of [false, true]) {
        const r = await open(R.hugeDeclaredLength(octets, signed))
        expect(codes(r).some((c) => c === 'asn1' || c === 'limit-exceeded' || c === 'signature-invalid'), `${octets} ${signed}`).toBe(true)
        expect(codes(r)).not.toContain('internal')
        expect(r.report.verdict.signature).not.toBe('valid')
        if (!signed) expect(r.report.verdict.encryption).toBe('corrupt')
      }
    }
  })

  it('indefinite-length bombs (100,000 nested) and element floods (300,000) hit the ASN.1 limits', async () => {
    for (const signed of [false, true]) {
      const r = await open(R.indefiniteBomb(100_000, signed))
      expect(codes(r).some((c) => c === 'asn1' || c === 'limit-exceeded'), `${signed}: ${codes(r)}`).toBe(true)
      expect(r.report.verdict.signature).not.toBe('valid')
    }
    const f = await open(R.elementFlood(300_000))
    expect(codes(f).some((c) => c === 'asn1' || c === 'limit-exceeded')).toBe(true)
    expect(f.report.verdict.signature).toBe('invalid')
  })

  it(`signed inside signed, 100 levels (real signatures): stops after ${MAX_LAYERS} layers, not valid`, async () => {
    const raw = await R.nestedSigned(100, pki.alice, crypto)
    const r = await open(raw)
    expect(codes(r)).toContain('limit-exceeded')
    expect(r.report.layers.length).toBe(MAX_LAYERS)
    expect(r.report.verdict.signature).toBe('invalid')
    // The same construction at 3 levels is an honest triple signature: valid.
    const ok = await open(await R.nestedSigned(3, pki.alice, crypto))
    expect(ok.report.verdict.signature).toBe('valid')
  }, 120_000)
})
