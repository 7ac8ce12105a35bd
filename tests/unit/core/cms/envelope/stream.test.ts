/**
 * decryptEnvelopeBase64 (issue #5): the base64 body of an application/pkcs7-mime part
 * decoded and AES-CBC-decrypted in one pass must give exactly what decoding it whole and
 * calling decryptEnvelope gives: the same status, error, report and content, for good
 * messages, for every slice boundary, and for damaged ones (truncated, altered header,
 * altered trailer, altered ciphertext or padding: RFC 3218, no oracle of its own).
 */
import { describe, expect, it } from 'vitest'
import { decryptEnvelope, decryptEnvelopeBase64, encryptEnvelope, type EnvelopeResult } from '../../../../../src/core/cms/envelope'
import { openContentInfo, parseEnvelope } from '../../../../../src/core/cms/envelope/parse'
import { toBase64Lines } from '../../../../../src/core/util/base64'
import { concat, toHex, utf8 } from '../../../../../src/core/util/bytes'
import type { Identity } from '../../../../../src/core/types'
import { parseEnvelopeHead } from '../../../../../src/core/cms/envelope/parse'
import { aliceCert, bob } from './helpers'

const crypto = globalThis.crypto

function content(n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 131 + (i >>> 7)) & 0xff
  return concat([utf8('Content-Type: application/octet-stream\r\n\r\n'), b])
}

/** Everything a caller can see of a result, or of a throw. */
async function outcome(f: () => Promise<EnvelopeResult>): Promise<unknown> {
  try {
    const r = await f()
    return { ...r, content: r.content ? toHex(r.content) : null }
  } catch (e) {
    return { threw: (e as { code?: string }).code ?? String(e) }
  }
}

async function both(der: Uint8Array, ids: Identity[], slice: number) {
  const streamed = await outcome(() => decryptEnvelopeBase64(toBase64Lines(der), ids, crypto, { streamSlice: slice }))
  const whole = await outcome(() => decryptEnvelope(der.slice(), ids, crypto))
  return { streamed, whole }
}

function encryptedContent(der: Uint8Array): { start: number; end: number } {
  const { reader, kind, body } = openContentInfo(der)
  const ec = parseEnvelope(reader, kind, body).encryptedContent!
  return { start: ec.contentStart, end: ec.contentEnd }
}

describe('decryptEnvelopeBase64 ≡ base64 decode + decryptEnvelope', () => {
  for (const cipher of ['aes-128-cbc', 'aes-256-cbc'] as const) {
    for (const oaep of [false, true]) {
      it(`${cipher}, ${oaep ? 'OAEP' : 'PKCS#1 v1.5'}: every length around the slice boundaries decrypts the same`, async () => {
        for (const n of [0, 1, 15, 16, 17, 47, 48, 49, 200, 1000]) {
          const der = await encryptEnvelope(content(n), { recipients: [{ certificate: bob().certificate, oaep }], cipher }, crypto)
          for (const slice of [16, 48, 64, 4096]) {
            const { streamed, whole } = await both(der, [bob()], slice)
            expect(streamed, `${n} bytes, slices of ${slice}`).toEqual(whole)
            expect(streamed).toMatchObject({ status: 'decrypted', content: toHex(content(n)) })
          }
        }
      })
    }
  }

  it('reads the head of what Cachet writes from its first bytes (the one-pass path is taken)', async () => {
    const der = await encryptEnvelope(content(100_000), { recipients: [{ certificate: bob().certificate }], cipher: 'aes-256-cbc' }, crypto)
    const { start, end } = encryptedContent(der)
    const head = parseEnvelopeHead(der, start)
    expect(head?.encryptedContent).toMatchObject({ contentStart: start, contentEnd: end })
    expect(parseEnvelopeHead(der, start - 3)).toBeNull()
  })

  it('a large message in the default slices (several MiB, several WebCrypto calls in flight)', async () => {
    const big = content(5 * 1024 * 1024 + 77)
    const der = await encryptEnvelope(big, { recipients: [{ certificate: bob().certificate }], cipher: 'aes-256-cbc' }, crypto)
    const r = await decryptEnvelopeBase64(toBase64Lines(der), [bob()], crypto)
    expect(r.status).toBe('decrypted')
    expect(Buffer.from(r.content!).equals(Buffer.from(big))).toBe(true)
  })

  it('not for us, several recipients, GCM: the same result as decryptEnvelope', async () => {
    const cases = [
      await encryptEnvelope(content(100), { recipients: [{ certificate: aliceCert() }], cipher: 'aes-256-cbc' }, crypto),
      await encryptEnvelope(content(100), { recipients: [{ certificate: aliceCert() }, { certificate: bob().certificate }], cipher: 'aes-256-cbc' }, crypto),
      await encryptEnvelope(content(100), { recipients: [{ certificate: bob().certificate }], cipher: 'aes-256-gcm' }, crypto),
    ]
    for (const der of cases) {
      const { streamed, whole } = await both(der, [bob()], 32)
      expect(streamed).toEqual(whole)
    }
    // Two identities that both match (the same one twice): two attempts, decoded whole first.
    const { streamed, whole } = await both(cases[0]!, [bob(), bob()], 32)
    expect(streamed).toEqual(whole)
  })
})

describe('damaged messages: the same result or error as decryptEnvelope, never partial plaintext', () => {
  it('truncated anywhere: header, ciphertext, last block, trailer', async () => {
    const der = await encryptEnvelope(content(3000), { recipients: [{ certificate: bob().certificate }], cipher: 'aes-256-cbc' }, crypto)
    const { start, end } = encryptedContent(der)
    for (const cut of [10, start - 1, start + 5, start + 1000, end - 17, end - 1, der.length - 1]) {
      const { streamed, whole } = await both(der.subarray(0, cut), [bob()], 64)
      expect(streamed, `cut at ${cut}`).toEqual(whole)
      expect(streamed).not.toMatchObject({ status: 'decrypted' })
    }
  })

  it('one altered octet anywhere (header lengths, key, IV, ciphertext, padding): the same outcome', async () => {
    const der = await encryptEnvelope(content(700), { recipients: [{ certificate: bob().certificate }], cipher: 'aes-128-cbc' }, crypto)
    const { start, end } = encryptedContent(der)
    const positions = new Set<number>()
    for (let i = 0; i < start + 2; i += i < 12 || i > start - 24 ? 1 : 5) positions.add(i)
    for (const i of [start + 3, start + 200, end - 33, end - 17, end - 1]) positions.add(i)
    for (const p of positions) {
      for (const x of [0x01, 0x80, 0xff]) {
        const m = der.slice()
        m[p]! ^= x
        const { streamed, whole } = await both(m, [bob()], 64)
        expect(streamed, `octet ${p} ^ ${x}`).toEqual(whole)
      }
    }
  })

  it('bytes after the content that are not DER (an unprotectedAttrs that does not hold): no content, the same error', async () => {
    const der = await encryptEnvelope(content(500), { recipients: [{ certificate: bob().certificate }], cipher: 'aes-256-cbc' }, crypto)
    // Lengthen every container by 3 and append a broken [1] element after the encryptedContent.
    const grown = regrow(der, new Uint8Array([0xa1, 0x05, 0x00]))
    const { streamed, whole } = await both(grown, [bob()], 64)
    expect(streamed).toEqual(whole)
    expect(streamed).toMatchObject({ status: 'corrupt', content: null })
  })
})

/**
 * The same ContentInfo with `extra` appended inside the EnvelopedData (after the
 * EncryptedContentInfo), every enclosing definite length grown to match.
 */
function regrow(der: Uint8Array, extra: Uint8Array): Uint8Array {
  const { reader, body } = openContentInfo(der)
  const ci = reader.read(0)
  const wrapper = reader.children(ci)[1]!
  const lenOf = (n: number) => (n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff])
  const tlv = (tag: number, inner: Uint8Array) => concat([new Uint8Array([tag, ...lenOf(inner.length)]), inner])
  const envInner = concat([der.subarray(body.contentStart, body.contentEnd), extra])
  const env = tlv(0x30, envInner)
  const wrap = tlv(0xa0, env)
  return tlv(0x30, concat([der.subarray(ci.contentStart, wrapper.start), wrap]))
}
