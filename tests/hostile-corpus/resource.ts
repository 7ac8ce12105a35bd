/**
 * Resource abuse (issue #3): inputs built to exhaust a parser — deep MIME and CMS
 * nesting, huge declared ASN.1 lengths, indefinite-length bombs, thousands of parts,
 * 100 MB lines, expansion through transfer encodings. Each generator returns a whole
 * message; sizes are parameters so the browser suite can use smaller ones.
 */
import type { CryptoLike } from '../../src/core/crypto'
import { signData } from '../../src/core/cms/signed'
import type { Identity } from '../../src/core/types'
import { concat, utf8 } from '../../src/core/util/bytes'
import { encodeBase64Lines } from '../../src/core/mime/encodings'
import { deflateSync } from 'node:zlib'
import { DATE } from './mime'
import { tlv } from './der'

const HEAD = `From: Mallory <mallory@evil.test>\r\nTo: bob@example.test\r\nSubject: resource\r\n${DATE}\r\nMIME-Version: 1.0\r\n`

function withHead(body: Uint8Array, contentType: string, extra = ''): Uint8Array {
  return concat([utf8(`${HEAD}Content-Type: ${contentType}\r\n${extra}\r\n`), body])
}

/** multipart/mixed nested `levels` deep, every level properly closed. */
export function nestedMultipart(levels: number): Uint8Array {
  const open: string[] = []
  const close: string[] = []
  for (let i = 0; i < levels; i++) {
    open.push(`--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`)
    close.push(`\r\n--b${i}--\r\n`)
  }
  const body = open.join('') + `--b${levels}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n--b${levels}--` + close.reverse().join('')
  return withHead(utf8(body), 'multipart/mixed; boundary="b0"')
}

/** message/rfc822 inside message/rfc822 ... `levels` deep. */
export function nestedRfc822(levels: number): Uint8Array {
  return withHead(utf8('Content-Type: message/rfc822\r\n\r\n'.repeat(levels) + 'Content-Type: text/plain\r\n\r\ndeep\r\n'), 'message/rfc822')
}

/** A multipart/mixed with `n` small parts. */
export function manyParts(n: number): Uint8Array {
  const part = utf8('--x\r\nContent-Type: text/plain\r\n\r\np\r\n')
  const out = new Uint8Array(part.length * n + 5)
  for (let i = 0; i < n; i++) out.set(part, i * part.length)
  out.set(utf8('--x--'), part.length * n)
  return withHead(out, 'multipart/mixed; boundary="x"')
}

/** One line of `bytes` octets (no line break) as a text/plain body. */
export function hugeLine(bytes: number): Uint8Array {
  return withHead(new Uint8Array(bytes).fill(0x61), 'text/plain')
}

/** A header line of `bytes` octets (a Subject that never ends). */
export function hugeHeader(bytes: number): Uint8Array {
  return concat([utf8('From: Mallory <mallory@evil.test>\r\nSubject: '), new Uint8Array(bytes).fill(0x61), utf8('\r\n\r\nbody\r\n')])
}

/** base64 of `bytes` zero octets as an attachment: the decoder expands little to much work. */
export function base64Expansion(bytes: number): Uint8Array {
  return withHead(encodeBase64Lines(new Uint8Array(bytes)), 'application/octet-stream; name="zeros.bin"', 'Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="zeros.bin"\r\n')
}

/** quoted-printable made only of soft line breaks and =3D escapes. */
export function quotedPrintableBomb(bytes: number): Uint8Array {
  const unit = utf8('=3D=3D=3D=\r\n')
  const out = new Uint8Array(Math.floor(bytes / unit.length) * unit.length)
  for (let i = 0; i < out.length; i += unit.length) out.set(unit, i)
  return withHead(out, 'text/plain', 'Content-Transfer-Encoding: quoted-printable\r\n')
}

/** `n` RFC 2047 encoded-words in the Subject. */
export function encodedWordBomb(n: number): Uint8Array {
  return concat([utf8('From: Mallory <mallory@evil.test>\r\nSubject: '), utf8('=?utf-8?q?=41?= '.repeat(n)), utf8('\r\n\r\nbody\r\n')])
}

/** application/pkcs7-mime around raw DER (binary transfer encoding: no base64 growth). */
export function pkcs7Binary(der: Uint8Array, smimeType = 'enveloped-data'): Uint8Array {
  return withHead(der, `application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"`, 'Content-Transfer-Encoding: binary\r\n')
}

const ENVELOPED_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03]
const SIGNED_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]

/** ContentInfo claiming a 2^32-1 (or 2^64-1) octet body, with almost nothing after it. */
export function hugeDeclaredLength(octets: 4 | 8, signed = false): Uint8Array {
  const len = [0x80 | octets, ...new Array(octets).fill(0xff)]
  const der = new Uint8Array([0x30, ...len, ...(signed ? SIGNED_OID : ENVELOPED_OID), 0xa0, ...len, 0x30, 0x03, 0x02, 0x01, 0x00])
  return pkcs7Binary(der, signed ? 'signed-data' : 'enveloped-data')
}

/** `depth` nested indefinite-length SEQUENCEs inside a ContentInfo, then as many EOCs. */
export function indefiniteBomb(depth: number, signed = false): Uint8Array {
  const open = new Uint8Array(depth * 2)
  for (let i = 0; i < depth; i++) open.set([0x30, 0x80], i * 2)
  const eoc = new Uint8Array(depth * 2)
  const der = concat([new Uint8Array([0x30, 0x80, ...(signed ? SIGNED_OID : ENVELOPED_OID), 0xa0, 0x80]), open, eoc, new Uint8Array([0, 0, 0, 0])])
  return pkcs7Binary(der, signed ? 'signed-data' : 'enveloped-data')
}

/** Many sibling elements in one indefinite SET: the element-count limit. */
export function elementFlood(n: number): Uint8Array {
  const nulls = new Uint8Array(n * 2)
  for (let i = 0; i < n; i++) nulls.set([0x05, 0x00], i * 2)
  const der = concat([new Uint8Array([0x30, 0x80, ...SIGNED_OID, 0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x80]), nulls, new Uint8Array(8)])
  return pkcs7Binary(der, 'signed-data')
}

/**
 * Opaque signed-data nested `levels` deep, each layer a real SignedData by `identity`
 * over the previous entity (binary transfer encoding so the size grows linearly).
 */
export async function nestedSigned(levels: number, identity: Identity, crypto: CryptoLike): Promise<Uint8Array> {
  let entity = utf8('Content-Type: text/plain\r\n\r\ninnermost\r\n')
  for (let i = 0; i < levels; i++) {
    const der = await signData(entity, { identity, detached: false, digest: 'sha256', capabilities: false }, crypto)
    entity = concat([utf8('Content-Type: application/pkcs7-mime; smime-type=signed-data\r\nContent-Transfer-Encoding: binary\r\n\r\n'), der])
  }
  return concat([utf8(`From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: nested\r\n${DATE}\r\nMIME-Version: 1.0\r\n`), entity])
}

/**
 * S/MIME compressed-data (RFC 3274) holding zlib of `bytes` zero octets: a decompression
 * bomb (100 MB inflates from about 100 KB). Cachet does not read compressed-data at all.
 */
export function compressedBomb(bytes: number): Uint8Array {
  const oid = (v: number[]) => tlv(0x06, new Uint8Array(v))
  const seq = (...p: Uint8Array[]) => tlv(0x30, concat(p))
  const zlib = new Uint8Array(deflateSync(new Uint8Array(bytes), { level: 9 }))
  const ID_DATA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01]
  const ZLIB = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x03, 0x08]
  const COMPRESSED = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x09]
  const cd = seq(tlv(0x02, new Uint8Array([0])), seq(oid(ZLIB)), seq(oid(ID_DATA), tlv(0xa0, tlv(0x04, zlib))))
  return pkcs7Binary(seq(oid(COMPRESSED), tlv(0xa0, cd)), 'compressed-data')
}
