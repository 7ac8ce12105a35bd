import { describe, expect, it } from 'vitest'
import { detectRoot, findEmbedded, sniffContentType } from '../../../../src/core/message/detect'
import { parseMime } from '../../../../src/core/mime'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { concat } from '../../../../src/core/util/bytes'
import { enc } from './fixture'

// The first bytes of ContentInfo for SignedData / EnvelopedData / AuthEnvelopedData (DER and BER).
const SIGNED = new Uint8Array([0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80])
const ENVELOPED = new Uint8Array([0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03])
const AUTH = new Uint8Array([0x30, 0x82, 0x01, 0x00, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17])

const p7m = (ct: string, der: Uint8Array) => parseMime(concat([enc(`Content-Type: ${ct}\r\nContent-Transfer-Encoding: base64\r\n\r\n`), toBase64Lines(der)]))

describe('sniffContentType', () => {
  it('reads the CMS type from the first bytes, DER or BER', () => {
    expect(sniffContentType(SIGNED)).toBe('signed-data')
    expect(sniffContentType(ENVELOPED)).toBe('enveloped-data')
    expect(sniffContentType(AUTH)).toBe('authEnveloped-data')
    expect(sniffContentType(new Uint8Array([1, 2, 3, 4, 5]))).toBeNull()
    expect(sniffContentType(new Uint8Array(0))).toBeNull()
  })
})

describe('detectRoot', () => {
  it('multipart/signed with pkcs7-signature or x-pkcs7-signature', () => {
    for (const t of ['application/pkcs7-signature', 'application/x-pkcs7-signature']) {
      const e = parseMime(enc(`Content-Type: multipart/signed; protocol="${t}"; micalg=sha-512; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: ${t}\r\n\r\nAAAA\r\n--b--\r\n`))
      const d = detectRoot(e)
      expect(d.kind).toBe('multipart-signed')
      if (d.kind === 'multipart-signed') {
        expect(new TextDecoder().decode(d.content.raw)).toBe('Content-Type: text/plain\r\n\r\nhi')
        expect(d.micalg).toBe('sha-512')
      }
    }
  })
  it('an OpenPGP multipart/signed is foreign; an S/MIME one lacking a part is broken-signed', () => {
    const pgp = parseMime(enc('Content-Type: multipart/signed; protocol="application/pgp-signature"; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b\r\nContent-Type: application/pgp-signature\r\n\r\nx\r\n--b--\r\n'))
    expect(detectRoot(pgp)).toMatchObject({ kind: 'foreign-signed', protocol: 'application/pgp-signature' })
    const one = parseMime(enc('Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=b\r\n\r\n--b\r\n\r\nhi\r\n--b--\r\n'))
    expect(detectRoot(one).kind).toBe('broken-signed')
  })
  it('pkcs7-mime: the CMS type wins over a missing or wrong smime-type', () => {
    const d1 = detectRoot(p7m('application/pkcs7-mime; name=smime.p7m', ENVELOPED))
    expect(d1.kind === 'pkcs7-mime' && d1.smimeType).toBe('enveloped-data')
    const d2 = detectRoot(p7m('application/x-pkcs7-mime; smime-type=enveloped-data', SIGNED))
    expect(d2.kind === 'pkcs7-mime' && d2.smimeType).toBe('signed-data')
    const d3 = detectRoot(p7m('application/pkcs7-mime; smime-type=authEnveloped-data', AUTH))
    expect(d3.kind === 'pkcs7-mime' && d3.smimeType).toBe('authEnveloped-data')
  })
  it('application/octet-stream named *.p7m is pkcs7-mime; other octet-streams are plain', () => {
    expect(detectRoot(p7m('application/octet-stream; name="SMIME.P7M"', SIGNED)).kind).toBe('pkcs7-mime')
    expect(detectRoot(p7m('application/octet-stream; name="x.bin"', SIGNED)).kind).toBe('plain')
  })
  it('anything else is plain', () => {
    expect(detectRoot(parseMime(enc('Subject: x\r\n\r\nhello'))).kind).toBe('plain')
  })
})

describe('findEmbedded (EFAIL: nested S/MIME is listed, never processed)', () => {
  it('lists signed and encrypted parts under an unprotected multipart with their paths', () => {
    const raw = enc(
      'Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: text/html\r\n\r\n<img src="http://x/\r\n--o\r\n' +
        'Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n\r\nAAAA\r\n--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n--i\r\n' +
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; boundary=s\r\n\r\n--s\r\n\r\nx\r\n--s\r\nContent-Type: application/pkcs7-signature\r\n\r\nAA\r\n--s--\r\n--i--\r\n--o--\r\n',
    )
    const found = findEmbedded(parseMime(raw))
    expect(found).toEqual([
      { path: [1], kind: 'encrypted', contentType: 'application/pkcs7-mime' },
      { path: [2, 0], kind: 'signed', contentType: 'multipart/signed' },
    ])
  })
})
