import PostalMime from 'postal-mime'
import { describe, expect, it } from 'vitest'
import { buildMessage, formatRfc5322Date } from '../../../../src/web/compose/build'

const text = (b: Uint8Array) => new TextDecoder('latin1').decode(b)

describe('compose/build', () => {
  const attachment = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff)
  const built = buildMessage({
    from: { name: '', address: 'alice@example.com' },
    to: [{ name: 'Bob Müller', address: 'bob@example.com' }],
    cc: [{ name: 'Carol, the "boss"', address: 'carol@example.com' }],
    subject: 'Grüße aus Köln — Quartalsbericht mit einem recht langen Betreff, der umbrochen werden muss',
    text: 'Hello\n.leading dot\nFrom the start\ntrailing space \nÜmlaut ' + 'x'.repeat(120),
    attachments: [{ filename: 'Bericht Q3 €.bin', mimeType: 'application/octet-stream', bytes: attachment }],
    inReplyTo: '<parent@example.com>',
    references: ['<root@example.com>', '<parent@example.com>'],
    date: new Date('2026-11-23T05:00:00Z'),
  })
  const raw = text(built.raw)

  it('writes CRLF line ends only and keeps every line within 998 octets, 7-bit', () => {
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
    expect(raw.split('\r\n').every((l) => l.length <= 998)).toBe(true)
    expect([...built.raw].every((b) => b < 128)).toBe(true)
  })

  it('round-trips through a MIME parser: headers, text, attachment bytes', async () => {
    const e = await PostalMime.parse(built.raw)
    expect(e.subject).toBe('Grüße aus Köln — Quartalsbericht mit einem recht langen Betreff, der umbrochen werden muss')
    expect(e.from).toEqual({ name: '', address: 'alice@example.com' })
    expect(e.to).toEqual([{ name: 'Bob Müller', address: 'bob@example.com' }])
    expect(e.cc).toEqual([{ name: 'Carol, the "boss"', address: 'carol@example.com' }])
    expect(e.text?.replace(/\r\n/g, '\n')).toBe('Hello\n.leading dot\nFrom the start\ntrailing space \nÜmlaut ' + 'x'.repeat(120) + '\n')
    expect(e.messageId).toBe(built.messageId)
    expect(e.inReplyTo).toBe('<parent@example.com>')
    expect(e.references).toBe('<root@example.com> <parent@example.com>')
    expect(e.attachments).toHaveLength(1)
    expect(e.attachments[0]!.filename).toBe('Bericht Q3 €.bin')
    expect(new Uint8Array(e.attachments[0]!.content as ArrayBuffer)).toEqual(attachment)
  })

  it('never writes a Bcc header and refuses CR/LF in header values', () => {
    expect(raw).not.toMatch(/^bcc:/im)
    const evil = buildMessage({
      from: { name: '', address: 'alice@example.com' },
      to: [{ name: 'x\r\nBcc: eve@example.com', address: 'bob@example.com' }],
      cc: [],
      subject: 'hi\r\nBcc: eve@example.com',
      text: '',
      attachments: [],
    })
    expect(text(evil.raw)).not.toMatch(/^bcc:/im)
  })

  it('formats RFC 5322 dates', () => {
    expect(formatRfc5322Date(new Date('2026-11-23T05:00:00Z'))).toMatch(/^Mon, 23 Nov 2026 \d\d:\d\d:\d\d [+-]\d{4}$/)
  })
})
