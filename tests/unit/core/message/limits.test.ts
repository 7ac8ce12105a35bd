/**
 * Issue 11: compose accepted 35 MB of attachments, sealing grew them past the bridge's
 * 50 MB, and the message waited in the Outbox for a Retry that could never succeed. One
 * table (core/message/limits.ts) now says what fits, and compose refuses before sealing.
 */
import { describe, expect, it } from 'vitest'
import { MAX_RAW_BYTES } from '../../../../src/contract/index'
import { MAX_MESSAGE_BYTES } from '../../../../src/mailstack/submission'
import { base64Size, checkSealedSize, sealedSizeBound, WIRE_LIMIT_BYTES } from '../../../../src/core/message/limits'
import { sealMessage } from '../../../../src/core/message'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
const MB = 1024 * 1024
let f: Fixture
withFixture((made) => (f = made))

/** A draft with one attachment of `n` random bytes, base64 as compose writes it. */
function draftWith(n: number): Uint8Array {
  const bytes = new Uint8Array(n)
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(bytes.subarray(o, Math.min(n, o + 65536)))
  const head = new TextEncoder().encode(
    `From: ${f.leaves.alice.email}\r\nTo: ${f.leaves.bob.email}\r\nSubject: big\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\n` +
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n' +
      'Content-Type: application/octet-stream; name="a.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n',
  )
  const body = toBase64Lines(bytes)
  const tail = new TextEncoder().encode('\r\n--b--\r\n')
  const out = new Uint8Array(head.length + body.length + tail.length)
  out.set(head)
  out.set(body, head.length)
  out.set(tail, head.length + body.length)
  return out
}

describe('message size limits', () => {
  it('the wire limit is the bridge\'s and the SMTP service\'s', () => {
    expect(WIRE_LIMIT_BYTES).toBe(MAX_RAW_BYTES)
    expect(WIRE_LIMIT_BYTES).toBe(MAX_MESSAGE_BYTES)
  })

  it('base64Size is the length of MIME base64 with its line breaks', () => {
    for (const n of [0, 1, 2, 3, 56, 57, 58, 1000, 123_457]) expect(base64Size(n), String(n)).toBe(toBase64Lines(new Uint8Array(n)).length)
  })

  it.each([
    { sign: true, encrypt: true },
    { sign: true, encrypt: false },
    { sign: false, encrypt: true },
  ])('bounds what sealing really makes, closely (%o)', async (o) => {
    const draft = draftWith(2 * MB)
    const sealed = await sealMessage(draft, { identity: f.ids.alice, ...o, recipients: [f.leaves.bob.certDer] }, crypto)
    const bound = sealedSizeBound(draft.length, { ...o, recipients: 2 })
    expect(sealed.length).toBeLessThanOrEqual(bound)
    expect(bound - sealed.length).toBeLessThan(256 * 1024)
  })

  it('35 MB of attachments fit plain or signed but not encrypted (the Outbox trap); 26 MB encrypted fit', () => {
    const draft35 = base64Size(35 * MB) + 2048
    expect(checkSealedSize(draft35, { sign: false, encrypt: false })).toBeNull()
    expect(checkSealedSize(draft35, { sign: true, encrypt: false })).toBeNull()
    expect(checkSealedSize(draft35, { sign: true, encrypt: true })).toMatchObject({ code: 'limit-exceeded', limit: WIRE_LIMIT_BYTES })
    expect(checkSealedSize(base64Size(26 * MB) + 2048, { sign: true, encrypt: true })).toBeNull()
  })
})
