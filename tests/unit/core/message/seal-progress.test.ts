/**
 * sealMessage's progress (issue #4, large attachments): reports are cumulative (never
 * backwards, one fixed total, the last one at total), come in the order of the steps
 * actually taken, move inside the long steps, and stay few however large the message.
 * Without a listener the sealed bytes are exactly the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { sealMessage, type SealOptions } from '../../../../src/core/message/seal'
import { SealMeter, type SealProgress } from '../../../../src/core/message/seal-progress'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { concat, equal } from '../../../../src/core/util/bytes'
import type { CryptoLike } from '../../../../src/core/crypto'
import { enc, makeFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture
let big: Uint8Array

/** A draft with an attachment of `n` random bytes, base64 in 76-character lines, as the composer writes it. */
function draftWithAttachment(from: string, to: string, n: number): Uint8Array {
  const file = new Uint8Array(n)
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(file.subarray(o, Math.min(n, o + 65536)))
  const head = enc(
    `From: ${from}\r\nTo: ${to}\r\nSubject: Big\r\nDate: Mon, 23 Nov 2026 05:00:00 +0000\r\nMessage-ID: <big@example.test>\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe file.\r\n` +
      `--b1\r\nContent-Type: application/octet-stream; name="f.bin"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="f.bin"\r\n\r\n`,
  )
  return concat([head, toBase64Lines(file), enc('--b1--\r\n')])
}

beforeAll(async () => {
  f = await makeFixture()
  big = draftWithAttachment(f.leaves.alice.email, f.leaves.bob.email, 6 * 1024 * 1024)
}, 120_000)
afterAll(async () => {
  await f?.pki.cleanup()
})

async function sealWithProgress(draft: Uint8Array, opts: Omit<SealOptions, 'onProgress'>): Promise<{ out: Uint8Array; reports: SealProgress[] }> {
  const reports: SealProgress[] = []
  const out = await sealMessage(draft, { ...opts, onProgress: (p) => reports.push({ ...p }) }, crypto)
  return { out, reports }
}

/** The invariants every seal's reports keep. */
function expectCumulative(reports: SealProgress[]): void {
  expect(reports.length).toBeGreaterThan(1)
  const total = reports[0]!.total
  expect(total).toBeGreaterThan(0)
  for (let i = 0; i < reports.length; i++) {
    expect(reports[i]!.total).toBe(total)
    expect(reports[i]!.done).toBeGreaterThanOrEqual(i ? reports[i - 1]!.done : 0)
    expect(reports[i]!.done).toBeLessThanOrEqual(total)
  }
  expect(reports[0]!.done).toBe(0)
  expect(reports.at(-1)!.done).toBe(total)
}

/** Phases in order of first appearance, each appearing in one run. */
function phases(reports: SealProgress[]): string[] {
  const out: string[] = []
  for (const r of reports) if (out.at(-1) !== r.phase) out.push(r.phase)
  return out
}

/** Reports strictly inside a phase (after its start, before the next phase). */
const inside = (reports: SealProgress[], phase: string) => {
  const ofPhase = reports.filter((r) => r.phase === phase)
  return ofPhase.filter((r) => r.done > ofPhase[0]!.done && r.done < reports.at(-1)!.total)
}

describe('sealMessage progress', () => {
  it('sign only: preparing then signing, cumulative, ending at total', async () => {
    const { out, reports } = await sealWithProgress(big, { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] })
    expectCumulative(reports)
    expect(phases(reports)).toEqual(['preparing', 'signing'])
    expect((await openMessage(out, f.keyring([]), crypto)).report.verdict.signature).toBe('valid')
  })

  it('encrypt only (AES-CBC): the bar moves inside encrypting, in few reports', async () => {
    const { out, reports } = await sealWithProgress(big, { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer] })
    expectCumulative(reports)
    expect(phases(reports)).toEqual(['preparing', 'encrypting'])
    // 6 MiB of attachment ≈ 8 MiB of DER, reported per MiB written: several steps inside.
    expect(inside(reports, 'encrypting').length).toBeGreaterThanOrEqual(4)
    // Bounded: per MiB and per 1/200 of the total, never per block (8 MiB = 524,288 blocks).
    expect(reports.length).toBeLessThan(40)
    expect((await openMessage(out, f.keyring(['bob']), crypto)).report.verdict.encryption).toBe('decrypted')
  })

  it('sign and encrypt (AES-CBC): preparing, signing, encrypting; most of the bar is covered by reports inside steps', async () => {
    const { out, reports } = await sealWithProgress(big, { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer] })
    expectCumulative(reports)
    expect(phases(reports)).toEqual(['preparing', 'signing', 'encrypting'])
    // No jump larger than the one-call steps (preparing ≈ 4/14.5 of the budget): the bar moves steadily.
    const total = reports[0]!.total
    const jumps = reports.slice(1).map((r, i) => r.done - reports[i]!.done)
    expect(Math.max(...jumps)).toBeLessThanOrEqual(Math.ceil(total * 0.28))
    expect((await openMessage(out, f.keyring(['bob']), crypto)).report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
  })

  it('sign and encrypt with AES-GCM: the base64 output is its own step and moves', async () => {
    const { out, reports } = await sealWithProgress(big, { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer], cipher: 'aes-256-gcm' })
    expectCumulative(reports)
    expect(phases(reports)).toEqual(['preparing', 'signing', 'encrypting', 'encoding'])
    expect(inside(reports, 'encoding').length).toBeGreaterThanOrEqual(4)
    expect((await openMessage(out, f.keyring(['bob']), crypto)).report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
  })

  it('opaque signed-data then encrypted: its base64 is reported before encrypting', async () => {
    const { out, reports } = await sealWithProgress(big, { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer], opaque: true })
    expectCumulative(reports)
    expect(phases(reports)).toEqual(['preparing', 'signing', 'encoding', 'encrypting'])
    expect((await openMessage(out, f.keyring(['bob']), crypto)).report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
  })

  it('a small message still reports its start and its end at total', async () => {
    const small = enc(`From: ${f.leaves.alice.email}\r\nTo: b@example.test\r\nSubject: s\r\nDate: Mon, 23 Nov 2026 05:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nhi\r\n`)
    const { reports } = await sealWithProgress(small, { identity: f.ids.alice, sign: true, encrypt: true, recipients: [] })
    expectCumulative(reports)
    expect(phases(reports)).toEqual(['preparing', 'signing', 'encrypting'])
  })

  it('with a listener or without, the sealed bytes are the same', async () => {
    // The same random bytes for both runs (content key, IV, PKCS#1 padding, boundary).
    const seeded = (): CryptoLike => {
      let x = 0x2545f491
      return new Proxy(crypto, {
        get(target, prop) {
          if (prop === 'getRandomValues') {
            return <T extends ArrayBufferView | null>(a: T): T => {
              const b = new Uint8Array(a!.buffer, a!.byteOffset, a!.byteLength)
              for (let i = 0; i < b.length; i++) {
                x ^= x << 13
                x ^= x >>> 17
                x ^= x << 5
                b[i] = x & 0xff || 1
              }
              return a
            }
          }
          const v = Reflect.get(target, prop, target) as unknown
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
        },
      }) as CryptoLike
    }
    const opts = { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer], signingTime: new Date('2026-11-23T05:00:00Z') }
    const without = await sealMessage(big, opts, seeded())
    let calls = 0
    const withListener = await sealMessage(big, { ...opts, onProgress: () => calls++ }, seeded())
    expect(calls).toBeGreaterThan(2)
    expect(withListener.length).toBe(without.length)
    expect(equal(withListener, without)).toBe(true) // (toEqual walks 8 MB element by element)
  })
})

describe('SealMeter', () => {
  it('never goes backwards, reports at most about 200 times inside steps, and ends at total', () => {
    const seen: SealProgress[] = []
    const m = new SealMeter(
      [
        { phase: 'preparing', work: 1000 },
        { phase: 'encrypting', work: 1_000_000 },
      ],
      (p) => seen.push({ ...p }),
    )
    m.next()
    m.next()
    for (let i = 0; i <= 100_000; i++) m.within(i, 100_000)
    m.within(10, 100_000) // a late, smaller value does not pull the bar back
    m.end()
    expect(seen.length).toBeLessThanOrEqual(2 + 200 + 1)
    expect(seen.length).toBeGreaterThan(150)
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done)
    expect(seen.at(-1)).toEqual({ phase: 'encrypting', done: 1_001_000, total: 1_001_000 })
  })

  it('a step entered early counts the previous one as done', () => {
    const seen: number[] = []
    const m = new SealMeter(
      [
        { phase: 'signing', work: 300 },
        { phase: 'encoding', work: 700 },
      ],
      (p) => seen.push(p.done),
    )
    m.next()
    m.within(1, 10)
    m.next()
    expect(seen.at(-1)).toBe(300)
  })
})
