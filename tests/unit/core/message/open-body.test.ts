/**
 * openMessage({ body: false }) (issue #5): the crypto worker's open, whose page reads the
 * body from `inner` itself. Everything about security — layers, verdict, errors, the
 * unwrapped entity — must be exactly what a full open gives; only text and attachments
 * are left out.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { sealMessage } from '../../../../src/core/message/seal'
import { concat } from '../../../../src/core/util/bytes'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { enc, withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

/** A draft with a text part and a 300 KB attachment. */
function withAttachment(): Uint8Array {
  const data = new Uint8Array(300_000).map((_, i) => (i * 7919) & 0xff)
  return concat([
    enc(
      `From: Alice <${f.leaves.alice.email}>\r\nTo: ${f.leaves.bob.email}\r\nSubject: Report\r\nDate: Mon, 23 Nov 2026 05:00:00 +0000\r\nMessage-ID: <b@example.test>\r\n` +
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\n' +
        'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="r.bin"\r\n\r\n',
    ),
    toBase64Lines(data),
    enc('--b1--\r\n'),
  ])
}

describe('openMessage with body: false', () => {
  for (const [name, opts] of [
    ['signed then encrypted (CBC)', { sign: true, encrypt: true }],
    ['signed then encrypted (GCM)', { sign: true, encrypt: true, cipher: 'aes-256-gcm' as const }],
    ['signed only', { sign: true, encrypt: false }],
    ['encrypted only', { sign: false, encrypt: true }],
  ] as const) {
    it(`${name}: the same report and inner bytes as a full open, without text or attachments`, async () => {
      const raw = await sealMessage(withAttachment(), { identity: f.ids.alice, recipients: [f.leaves.bob.certDer], ...opts }, crypto)
      const full = await openMessage(raw, f.keyring(['bob']), crypto)
      const lean = await openMessage(raw, f.keyring(['bob']), crypto, { body: false })
      expect(full.report.text).toContain('See attached.')
      expect(full.report.attachments).toHaveLength(1)
      expect(lean.report).toEqual({ ...full.report, text: null, attachments: [] })
      expect(Buffer.from(lean.inner).equals(Buffer.from(full.inner))).toBe(true)
      expect(lean.view).toMatchObject({ text: null, html: null, attachments: [], embedded: full.view.embedded, integrity: full.view.integrity })
    })
  }

  it('a message for someone else: the same report', async () => {
    const raw = await sealMessage(withAttachment(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const full = await openMessage(raw, f.keyring(['erin']), crypto)
    const lean = await openMessage(raw, f.keyring(['erin']), crypto, { body: false })
    expect(lean.report).toEqual(full.report)
    expect(lean.report.verdict.encryption).toBe('not-for-you')
  })
})
