/**
 * Header protection (RFC 9788, issue 13): what sealMessage builds (hp="cipher" / hp="clear",
 * HP-Outer, the Legacy Display Element, `Subject: [...]` outside) and what openMessage reads
 * (both hp forms and the older protected-headers="v1"), with a real OpenSSL-made PKI.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { sealMessage } from '../../../../src/core/message/seal'
import { stripLegacyHtml, stripLegacyText, withoutLegacyDisplay } from '../../../../src/core/message/hp'
import { encryptEnvelope } from '../../../../src/core/cms/envelope'
import { parseMime, header } from '../../../../src/core/mime'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { dec, enc, withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture
withFixture((made) => (f = made))

const SUBJECT = 'Biopsy results – appointment Tuesday'

function draft(opts: { subject?: string; body?: string; contentType?: string; from?: string } = {}): Uint8Array {
  const subject = opts.subject ?? 'Biopsy results'
  return enc(
    `From: ${opts.from ?? `Alice <${f.leaves.alice.email}>`}\r\nTo: ${f.leaves.bob.email}\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\n` +
      `Message-ID: <hp@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: ${opts.contentType ?? 'text/plain; charset=utf-8'}\r\n\r\n${opts.body ?? 'The results are fine.\r\n'}`,
  )
}

/** The header block of a message or entity, as text. */
const headOf = (b: Uint8Array) => {
  const t = dec(b)
  return t.slice(0, t.indexOf('\r\n\r\n') + 2)
}

describe('sealing with header protection (RFC 9788)', () => {
  it('encrypting with Protect subject: [...] outside, every field inside with hp="cipher", HP-Outer, and the legacy display', async () => {
    const out = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: true, protectSubject: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const outer = headOf(out)
    expect(outer).toMatch(/^Subject: \[\.\.\.\]\r\n/m)
    expect(dec(out)).not.toMatch(/Biopsy/)
    const opened = await openMessage(out, f.keyring(['bob']), crypto)
    expect(opened.report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    const payload = parseMime(opened.inner)
    // The payload's own header section: the real fields, then what the outside shows.
    expect(header(payload, 'subject')).toBe('Biopsy results')
    expect(header(payload, 'from')).toBe(`Alice <${f.leaves.alice.email}>`)
    expect(payload.contentType.params.hp).toBe('cipher')
    const hpOuter = payload.headers.filter((h) => h.name === 'HP-Outer').map((h) => h.value)
    expect(hpOuter).toEqual([
      `From: Alice <${f.leaves.alice.email}>`,
      `To: ${f.leaves.bob.email}`,
      'Subject: [...]',
      expect.stringMatching(/^Date: /),
      'Message-ID: <hp@example.test>',
    ])
    // The main body part begins with the Legacy Display Element, marked as such.
    expect(payload.contentType.params['hp-legacy-display']).toBe('1')
    expect(dec(opened.inner)).toMatch(/\r\n\r\nSubject: Biopsy results\r\n\r\nThe results are fine\.\r\n$/)
    // What Cachet reports and shows: the protected subject, the body without the legacy display.
    expect(opened.report.subject).toBe('Biopsy results')
    expect(opened.report.text).toBe('The results are fine.\r\n')
    expect(opened.report.protectedHeaders).toMatchObject({ source: 'rfc9788-cipher', hidden: ['subject'], legacyDisplay: true })
    expect(opened.report.protectedHeaders?.outer).toContainEqual({ name: 'Subject', value: '[...]' })
    expect(opened.report.protectedHeaders?.fromMismatch).toBeUndefined()
  })

  it('a non-ASCII subject is encoded outside the payload and decoded when read; HTML gets the legacy display div', async () => {
    const b = '=_alt'
    const body = `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain.\r\n--${b}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Html.</p></body></html>\r\n--${b}--\r\n`
    const raw = draft({ subject: `=?utf-8?B?${btoa(String.fromCharCode(...enc(SUBJECT)))}?=`, body, contentType: `multipart/alternative; boundary="${b}"` })
    const out = await sealMessage(raw, { identity: f.ids.alice, sign: false, encrypt: true, protectSubject: true, recipients: [f.leaves.bob.certDer] }, crypto)
    expect(headOf(out)).toMatch(/^Subject: \[\.\.\.\]\r\n/m)
    const opened = await openMessage(out, f.keyring(['bob']), crypto)
    expect(opened.report.subject).toBe(SUBJECT)
    const payload = parseMime(opened.inner)
    expect(payload.contentType.params.hp).toBe('cipher')
    const [plain, html] = payload.children
    expect(plain!.contentType.params['hp-legacy-display']).toBe('1')
    expect(html!.contentType.params['hp-legacy-display']).toBe('1')
    // As an older client shows it: the subject on top (decoded from quoted-printable).
    const shownByOthers = await openMessage(opened.inner, f.keyring([]), crypto)
    expect(shownByOthers.report.text).toBe(`Subject: ${SUBJECT}\r\n\r\nPlain.`)
    expect(shownByOthers.view.html).toContain('<div class="header-protection-legacy-display">')
    // As Cachet shows it: neither element.
    expect(opened.report.text).toBe('Plain.')
    expect(opened.view.html).not.toContain('header-protection-legacy-display')
    expect(opened.view.html).toContain('<p>Html.</p>')
  })

  it('attachments are left alone: only the main body part carries the legacy display', async () => {
    const b = '=_mix'
    const body = `--${b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n--${b}\r\nContent-Type: text/plain; name="notes.txt"\r\nContent-Disposition: attachment; filename="notes.txt"\r\n\r\nA note\r\n--${b}--\r\n`
    const out = await sealMessage(draft({ body, contentType: `multipart/mixed; boundary="${b}"` }), { identity: f.ids.alice, sign: true, encrypt: true, protectSubject: true, recipients: [] }, crypto)
    const opened = await openMessage(out, f.keyring(['alice']), crypto)
    const payload = parseMime(opened.inner)
    expect(payload.children[0]!.contentType.params['hp-legacy-display']).toBe('1')
    expect(payload.children[1]!.contentType.params['hp-legacy-display']).toBeUndefined()
    expect(dec(payload.children[1]!.body)).toBe('A note')
    expect(opened.report.text).toBe('See attached.')
    expect(opened.report.attachments.map((a) => a.filename)).toEqual(['notes.txt'])
  })

  it('encrypting without Protect subject: hp="cipher" and HP-Outer, the Subject readable outside, no legacy display', async () => {
    const out = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [] }, crypto)
    expect(headOf(out)).toMatch(/^Subject: Biopsy results\r\n/m)
    const opened = await openMessage(out, f.keyring(['alice']), crypto)
    const payload = parseMime(opened.inner)
    expect(payload.contentType.params.hp).toBe('cipher')
    expect(payload.contentType.params['hp-legacy-display']).toBeUndefined()
    expect(payload.headers.filter((h) => h.name === 'HP-Outer').map((h) => h.value)).toContain('Subject: Biopsy results')
    expect(opened.report.protectedHeaders).toMatchObject({ source: 'rfc9788-cipher', hidden: [], legacyDisplay: false })
  })

  it('signing only: the header fields inside the signature with hp="clear", no HP-Outer, nothing obscured', async () => {
    const out = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: false, protectSubject: true, recipients: [] }, crypto)
    expect(headOf(out)).toMatch(/^Subject: Biopsy results\r\n/m)
    const opened = await openMessage(out, f.keyring([]), crypto)
    expect(opened.report.verdict.signature).toBe('valid')
    const payload = parseMime(opened.inner)
    expect(payload.contentType.params.hp).toBe('clear')
    expect(header(payload, 'subject')).toBe('Biopsy results')
    expect(payload.headers.some((h) => h.name === 'HP-Outer')).toBe(false)
    expect(opened.report.protectedHeaders).toMatchObject({ source: 'rfc9788-clear', hidden: [], legacyDisplay: false })
  })

  it('headerProtection false keeps the RFC 8551 form: only the delivery headers outside, none of them inside', async () => {
    const out = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: false, headerProtection: false, recipients: [] }, crypto)
    const opened = await openMessage(out, f.keyring([]), crypto)
    expect(parseMime(opened.inner).contentType.params.hp).toBeUndefined()
    expect(opened.report.protectedHeaders).toBeUndefined()
  })
})

describe('reading protected header fields', () => {
  it('a changed outer Subject of signed mail is ignored in favour of the signed one, and said', async () => {
    const out = dec(await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto))
    const tampered = enc(out.replace('Subject: Biopsy results\r\n', 'Subject: Nothing to see\r\n'))
    const opened = await openMessage(tampered, f.keyring([]), crypto)
    expect(opened.report.verdict.signature).toBe('valid')
    expect(opened.report.subject).toBe('Biopsy results')
    expect(opened.report.protectedHeaders).toMatchObject({ source: 'rfc9788-clear', hidden: ['subject'] })
    expect(opened.report.protectedHeaders?.outer).toEqual([expect.anything(), expect.anything(), { name: 'Subject', value: 'Nothing to see' }, expect.anything(), expect.anything()])
  })

  it('a changed outer From of signed mail: the signer is not the sender', async () => {
    const out = dec(await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto))
    const tampered = enc(out.replace(`From: Alice <${f.leaves.alice.email}>\r\n`, 'From: Alice <ceo@example.test>\r\n'))
    const opened = await openMessage(tampered, f.keyring([]), crypto)
    expect(opened.report.verdict.signature).toBe('email-mismatch')
    expect(opened.report.protectedHeaders?.fromMismatch).toEqual({ protected: f.leaves.alice.email, outer: 'ceo@example.test' })
    expect(opened.report.errors.map((e) => e.code)).toContain('protected-from-mismatch')
  })

  it('a protected From that differs from the outer From of encrypted mail is a warning, never silent', async () => {
    const out = await sealMessage(draft({ from: 'Mallory <mallory@example.test>' }), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const relabelled = enc(dec(out).replace('From: Mallory <mallory@example.test>\r\n', `From: Alice <${f.leaves.alice.email}>\r\n`))
    const opened = await openMessage(relabelled, f.keyring(['bob']), crypto)
    expect(opened.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    expect(opened.report.from).toBe('Mallory <mallory@example.test>')
    expect(opened.report.protectedHeaders?.fromMismatch).toEqual({ protected: 'mallory@example.test', outer: f.leaves.alice.email })
    const warning = opened.report.errors.find((e) => e.code === 'protected-from-mismatch')
    expect(warning?.message).toMatch(/mallory@example\.test.*alice@example\.test/)
  })

  it('reads protected-headers="v1" (Thunderbird, Enigmail): the inner Subject wins, the outer "..." is what the server saw', async () => {
    const payload = enc(
      `Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nSubject: Lab appointment\r\nFrom: Alice <${f.leaves.alice.email}>\r\nTo: ${f.leaves.bob.email}\r\n\r\nSee you at 9.\r\n`,
    )
    const der = await encryptEnvelope(payload, { recipients: [{ certificate: f.leaves.bob.certDer }], cipher: 'aes-256-cbc' }, crypto)
    const raw = enc(
      `From: Alice <${f.leaves.alice.email}>\r\nTo: ${f.leaves.bob.email}\r\nSubject: ...\r\nMIME-Version: 1.0\r\n` +
        `Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n${dec(toBase64Lines(der))}`,
    )
    const opened = await openMessage(raw, f.keyring(['bob']), crypto)
    expect(opened.report.subject).toBe('Lab appointment')
    expect(opened.report.protectedHeaders).toMatchObject({ source: 'protected-headers-v1', hidden: ['subject'], legacyDisplay: false })
    expect(opened.report.protectedHeaders?.outer).toContainEqual({ name: 'Subject', value: '...' })
    expect(opened.report.text).toBe('See you at 9.\r\n')
  })

  it('a plain message claiming hp="cipher" protects nothing: its fields are not protected ones', async () => {
    const raw = enc(`From: a@example.test\r\nSubject: Outer\r\nContent-Type: text/plain; hp="cipher"; hp-legacy-display="1"\r\n\r\nSubject: Fake\r\n\r\nBody\r\n`)
    const opened = await openMessage(raw, f.keyring([]), crypto)
    expect(opened.report.protectedHeaders).toBeUndefined()
    expect(opened.report.subject).toBe('Outer')
    expect(opened.report.text).toBe('Subject: Fake\r\n\r\nBody\r\n')
  })
})

describe('the Legacy Display Element (RFC 9788 §4.5.3)', () => {
  it('text: the header lines up to the first blank line go; text that does not start with them stays', () => {
    expect(stripLegacyText('Subject: Dinner plans\r\n\r\nLet us meet at 8pm.\r\n')).toBe('Let us meet at 8pm.\r\n')
    expect(stripLegacyText('Dear Bob,\r\n\r\nhello\r\n')).toBe('Dear Bob,\r\n\r\nhello\r\n')
    expect(stripLegacyText('Subject: no blank line')).toBe('Subject: no blank line')
  })

  it('html: the div of class header-protection-legacy-display goes, with what it holds', () => {
    const html = '<html><head><title></title></head><body>\r\n<div class="header-protection-legacy-display">\r\n<pre>Subject: Dinner plans</pre>\r\n</div>\r\n<p>\r\nLet us meet.\r\n</p>\r\n</body>\r\n</html>\r\n'
    expect(stripLegacyHtml(html)).toBe('<html><head><title></title></head><body>\r\n<p>\r\nLet us meet.\r\n</p>\r\n</body>\r\n</html>\r\n')
    expect(stripLegacyHtml('<div class="x"><div>keep</div></div>')).toBe('<div class="x"><div>keep</div></div>')
    // an unclosed div is left alone rather than cutting the rest of the message
    expect(stripLegacyHtml('<div class="header-protection-legacy-display"><pre>S</pre>')).toBe('<div class="header-protection-legacy-display"><pre>S</pre>')
  })

  it('withoutLegacyDisplay keeps the payload header fields and structure and rewrites only the marked parts', () => {
    const inner = enc('Subject: Dinner plans\r\nHP-Outer: Subject: [...]\r\nContent-Type: text/plain; charset="us-ascii"; hp-legacy-display="1";\r\n hp="cipher"\r\n\r\nSubject: Dinner plans\r\n\r\nLet us meet at 8pm.\r\n')
    const e = parseMime(withoutLegacyDisplay(inner))
    expect(header(e, 'subject')).toBe('Dinner plans')
    expect(e.contentType.params.hp).toBe('cipher')
    expect(e.contentType.params['hp-legacy-display']).toBeUndefined()
    expect(dec(e.body)).toBe('Let us meet at 8pm.\r\n')
  })
})
