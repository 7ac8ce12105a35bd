import { describe, expect, it } from 'vitest'
import {
  bodyText,
  buildBodyPart,
  buildMessage,
  buildMultipart,
  decodeBody,
  decodeHeaderValue,
  filename,
  header,
  isAttachment,
  parseAddressList,
  parseHeaderParams,
  parseMime,
  splitHeaders,
  type MimeEntity,
} from '../../../../src/core/mime'
import { decodeQuotedPrintable, encodeBase64Lines, encodeQuotedPrintable } from '../../../../src/core/mime/encodings'
import { equal, fromUtf8, latin1, utf8 } from '../../../../src/core/util/bytes'

const enc = (s: string) => utf8(s)

function leaves(e: MimeEntity): MimeEntity[] {
  return e.children.length ? e.children.flatMap(leaves) : [e]
}

describe('parseMime', () => {
  it('keeps exact byte offsets of multipart parts (CRLF)', () => {
    const raw = enc('Content-Type: multipart/signed; boundary="b1"; protocol="application/pkcs7-signature"\r\n\r\npre\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello \r\n\r\n--b1\r\nContent-Type: application/pkcs7-signature\r\n\r\nSIG\r\n--b1--\r\nepilogue\r\n')
    const m = parseMime(raw)
    expect(m.problems).toEqual([])
    expect(m.children).toHaveLength(2)
    expect(latin1(m.children[0]!.raw)).toBe('Content-Type: text/plain\r\n\r\nhello \r\n')
    expect(latin1(m.children[0]!.body)).toBe('hello \r\n')
    expect(latin1(m.children[1]!.body)).toBe('SIG')
    expect(m.children[0]!.raw).toEqual(raw.subarray(m.children[0]!.start, m.children[0]!.end))
  })

  it('tolerates bare LF line ends', () => {
    const m = parseMime(enc('Subject: x\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\n\nA\n--zz\nContent-Type: text/html\n\n<b>B</b>\n--zz--\n'))
    expect(header(m, 'subject')).toBe('x')
    expect(m.children.map((c) => latin1(c.body))).toEqual(['A', '<b>B</b>'])
    expect(m.children[1]!.contentType.subtype).toBe('html')
  })

  it('ignores lines that only start like the boundary', () => {
    const m = parseMime(enc('Content-Type: multipart/mixed; boundary=ab\r\n\r\n--ab\r\n\r\n--abc\r\n--ab--\r\n'))
    expect(latin1(m.children[0]!.body)).toBe('--abc')
  })

  it('records a missing closing boundary without throwing', () => {
    const m = parseMime(enc('Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\nbody'))
    expect(m.problems).toContain('missing closing boundary')
    expect(latin1(m.children[0]!.body)).toBe('body')
  })

  it('records bad header lines and defaults to text/plain us-ascii', () => {
    const m = parseMime(enc('X: y\r\nthis is no header\r\n\r\nbody'))
    expect(m.problems[0]).toMatch(/bad header line/)
    expect(m.contentType).toEqual({ type: 'text', subtype: 'plain', params: { charset: 'us-ascii' } })
  })

  it('bounds nesting depth and part count', () => {
    let s = 'leaf'
    for (let i = 0; i < 50; i++) s = `Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n${s}\r\n--b${i}--\r\n`
    const deep = parseMime(enc(s))
    let d = 0
    let e: MimeEntity | undefined = deep
    const all: string[] = []
    while (e) {
      all.push(...e.problems)
      e = e.children[0]
      d++
    }
    expect(d).toBeLessThanOrEqual(33)
    expect(all.some((p) => p.includes('nesting deeper'))).toBe(true)
    const many = 'Content-Type: multipart/mixed; boundary=x\r\n\r\n' + '--x\r\n\r\np\r\n'.repeat(5000) + '--x--\r\n'
    const m = parseMime(enc(many), { maxParts: 100 })
    expect(m.children.length).toBeLessThan(100)
    expect(m.problems.some((p) => p.includes('more than 100'))).toBe(true)
  })

  it('reads a part with no header block as all body', () => {
    const m = parseMime(enc('Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\njust text, no headers\r\n--q--\r\n'))
    expect(latin1(m.children[0]!.body)).toBe('just text, no headers')
    expect(m.children[0]!.problems).toEqual(['entity without a header block'])
  })

  it('bounds a huge header block', () => {
    const m = parseMime(enc('Subject: ' + 'x'.repeat(400_000) + '\r\nX: y\r\n\r\nbody'))
    expect(m.problems.join()).toMatch(/header block larger/)
    expect(latin1(m.body)).toBe('body')
  })

  it('parses message/rfc822 bodies as one child', () => {
    const m = parseMime(enc('Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ntext'))
    expect(m.children).toHaveLength(1)
    expect(header(m.children[0]!, 'Subject')).toBe('inner')
  })
})

describe('headers', () => {
  it('decodes RFC 2047 words, joining adjacent ones', () => {
    expect(decodeHeaderValue('=?utf-8?B?w6TDtsO8?= =?ISO-8859-1?Q?=E9t=E9?= x')).toBe('äöüété x')
    expect(decodeHeaderValue('=?windows-1252?Q?=80_euro?=')).toBe('€ euro')
  })

  it('joins RFC 2231 continuations with their charset', () => {
    const p = parseHeaderParams(`attachment; filename*0*=utf-8''%C3%A4b; filename*1*=c%C3%B6.txt; size=3`)
    expect(p.value).toBe('attachment')
    expect(p.params.filename).toBe('äbcö.txt')
    expect(p.params.size).toBe('3')
  })

  it('parses address lists with quotes, comments, groups and encoded names', () => {
    const list = parseAddressList('"Doe, John" <John@Example.COM>, (Bob) bob@B.org, team: a@x.io, =?utf-8?Q?J=C3=BCrgen?= <j@y.DE>;, <bare@Z.com>')
    expect(list).toEqual([
      { name: 'Doe, John', address: 'John@example.com' },
      { name: 'Bob', address: 'bob@b.org' },
      { name: '', address: 'a@x.io' },
      { name: 'Jürgen', address: 'j@y.de' },
      { name: '', address: 'bare@z.com' },
    ])
  })
})

describe('base64 lines', () => {
  it('matches a reference encoder for every tail length', () => {
    for (let n = 0; n < 240; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 97 + n) & 0xff)
      const ref = Buffer.from(b).toString('base64').replace(/.{1,76}/g, '$&\r\n')
      expect(latin1(encodeBase64Lines(b))).toBe(ref)
    }
  })
})

describe('quoted-printable', () => {
  it('round trips text, escaping trailing space, "From " and dots at line start', () => {
    const text = 'From here\r\n.\r\ntrailing \r\n' + 'x'.repeat(200) + ' é=\r\n'
    const q = encodeQuotedPrintable(utf8(text))
    const lines = latin1(q).split('\r\n')
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(76)
    expect(latin1(q)).toMatch(/^=46rom here\r\n=2E\r\ntrailing=20\r\n/)
    expect(fromUtf8(decodeQuotedPrintable(q))).toBe(text)
  })
})

describe('buildMessage', () => {
  const attachmentData = new Uint8Array(100_000).map((_, i) => (i * 31) & 0xff)
  const draft = {
    from: { name: 'Zoë Müller, PhD', address: 'zoe@Example.org' },
    to: [{ name: 'Bob "the" Builder', address: 'bob@example.net' }, { address: 'c@example.com' }],
    cc: [{ name: 'Ünïcödé Ñame with a long display name to force folding of encoded words', address: 'u@example.com' }],
    bcc: [{ address: 'secret@example.com' }],
    subject: 'Grüße — ein sehr langer Betreff mit Umlauten, der über mehrere encoded-words gehen muss ✓',
    text: 'Hello Bob,\n\nFrom now on é ü ✓ and a line with trailing space \n.\nbye',
    html: '<p>Hello <b>Bob</b> ✓</p>',
    attachments: [
      { filename: 'Überweisung Ä €.pdf', contentType: 'application/pdf', data: attachmentData },
      { filename: 'a-very-long-file-name-' + 'ä'.repeat(60) + '.bin', contentType: 'application/octet-stream', data: utf8('x') },
      { filename: 'logo.png', contentType: 'image/png', data: utf8('png'), contentId: 'logo@x', inline: true },
    ],
    inReplyTo: 'orig@example.net',
    references: ['a@x', 'orig@example.net'],
    date: new Date('2026-11-23T04:41:14Z'),
  }

  it('round trips through parseMime', () => {
    const raw = buildMessage(draft)
    const m = parseMime(raw)
    expect(m.problems).toEqual([])
    expect(decodeHeaderValue(header(m, 'subject')!)).toBe(draft.subject)
    expect(parseAddressList(header(m, 'from')!)).toEqual([{ name: 'Zoë Müller, PhD', address: 'zoe@example.org' }])
    expect(parseAddressList(header(m, 'to')!)).toEqual([
      { name: 'Bob "the" Builder', address: 'bob@example.net' },
      { name: '', address: 'c@example.com' },
    ])
    expect(parseAddressList(header(m, 'cc')!)[0]!.name).toBe(draft.cc[0]!.name)
    expect(header(m, 'date')).toBe('Mon, 23 Nov 2026 04:41:14 +0000')
    expect(header(m, 'message-id')).toMatch(/^<[0-9a-f]{32}@example\.org>$/)
    expect(header(m, 'in-reply-to')).toBe('<orig@example.net>')
    expect(header(m, 'references')).toBe('<a@x> <orig@example.net>')
    expect(latin1(raw)).not.toMatch(/secret@example\.com/i)
    expect(m.contentType.subtype).toBe('mixed')
    const parts = leaves(m)
    expect(bodyText(parts[0]!)).toBe(draft.text.replace(/\n/g, '\r\n'))
    expect(bodyText(parts[1]!)).toBe(draft.html)
    const files = parts.filter(isAttachment)
    expect(files.map(filename)).toEqual(draft.attachments.map((a) => a.filename))
    expect(equal(decodeBody(files[0]!), attachmentData)).toBe(true)
    expect(header(files[2]!, 'content-id')).toBe('<logo@x>')
  })

  it('is 7-bit with CRLF line ends and no line over 998 octets', () => {
    const raw = buildMessage(draft)
    expect(raw.every((b) => b < 128)).toBe(true)
    const s = latin1(raw)
    expect(s.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
    for (const line of s.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998)
    for (const w of s.match(/=\?[^?]+\?[BQ]\?[^?]*\?=/g) ?? []) expect(w.length).toBeLessThanOrEqual(75)
  })

  it('gives a multipart/signed part back byte for byte', () => {
    const inner = buildBodyPart(draft)
    const signed = buildMultipart('signed', [inner, utf8('Content-Type: application/pkcs7-signature\r\n\r\nAAAA\r\n')], {
      protocol: 'application/pkcs7-signature',
      micalg: 'sha-256',
    })
    const m = parseMime(signed)
    expect(equal(m.children[0]!.raw, inner)).toBe(true)
    expect(splitHeaders(inner).headers.length).toBeGreaterThan(0)
  })

  it('rejects header injection', () => {
    expect(() => buildMessage({ ...draft, subject: 'a\r\nBcc: x@y' })).toThrow(/line break/)
    expect(() => buildMessage({ ...draft, to: [{ address: 'a@b>\r\nX: y' }] })).toThrow()
  })

  it('builds and parses a 25 MB attachment well under a second', () => {
    const big = new Uint8Array(25 * 1024 * 1024)
    for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff
    const t0 = performance.now()
    const raw = buildMessage({ from: { address: 'a@b.c' }, to: [{ address: 'd@e.f' }], subject: 's', text: 't', attachments: [{ filename: 'big.bin', contentType: 'application/octet-stream', data: big }] })
    const t1 = performance.now()
    const m = parseMime(raw)
    const t2 = performance.now()
    const att = leaves(m).find(isAttachment)!
    const back = decodeBody(att)
    const t3 = performance.now()
    expect(equal(back, big)).toBe(true)
    expect(t1 - t0).toBeLessThan(1000)
    expect(t2 - t1).toBeLessThan(1000)
    console.log(`25 MB: build ${(t1 - t0).toFixed(0)} ms, parse ${(t2 - t1).toFixed(0)} ms, decode ${(t3 - t2).toFixed(0)} ms`)
  })
})

describe('obsolete syntax', () => {
  it('reads "Name : value" headers', () => {
    const m = parseMime(utf8('Subject : hi\r\nContent-Type : text/html\r\n\r\nx'))
    expect(header(m, 'subject')).toBe('hi')
    expect(m.contentType.subtype).toBe('html')
  })
})

describe('canonicalizeLineEnds', () => {
  it('turns bare LF into CRLF and leaves CRLF alone', async () => {
    const { canonicalizeLineEnds } = await import('../../../../src/core/mime')
    expect(latin1(canonicalizeLineEnds(utf8('a\nb\r\nc\n\n')))).toBe('a\r\nb\r\nc\r\n\r\n')
    const crlf = utf8('a\r\nb\r\n')
    expect(canonicalizeLineEnds(crlf)).toBe(crlf)
  })
})

describe('line limits', () => {
  it('keeps a subject made of one 5000-char word under 998 octets per line and round trips it', () => {
    const subject = 'x'.repeat(5000)
    const raw = buildMessage({ from: { address: 'a@b.c' }, to: [{ address: 'd@e.f' }], subject, text: 't', extraHeaders: [['X-Long', 'y'.repeat(3000)]] })
    for (const line of latin1(raw).split('\r\n')) expect(line.length).toBeLessThanOrEqual(998)
    const m = parseMime(raw)
    expect(decodeHeaderValue(header(m, 'subject')!)).toBe(subject)
    expect(decodeHeaderValue(header(m, 'x-long')!)).toBe('y'.repeat(3000))
  })
})
