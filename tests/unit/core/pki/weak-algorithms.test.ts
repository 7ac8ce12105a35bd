/**
 * Weak and broken algorithms in a path (src/core/pki/algorithms.ts), on PKIs OpenSSL
 * makes during the test: `openssl ca -md sha1` / `-md md5` sign for real, short RSA keys
 * come from `openssl genpkey`. MD2 is gone from OpenSSL 3, so that certificate is an
 * OpenSSL-made one re-signed here with MD2 (RFC 1319, implemented below) and the
 * issuer's real key (PKCS#1 v1.5 over a DigestInfo).
 */
import { privateEncrypt, constants } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateCertificate, type ValidateOptions } from '../../../../src/core/pki'
import { makeIntermediate, makeLeaf, makeRoot, Workdir, type TestCa } from './gen'

const crypto = globalThis.crypto
const at = new Date('2030-01-01T00:00:00Z')
const opts = (anchors: Uint8Array[], intermediates: Uint8Array[], crls: Uint8Array[] = []): ValidateOptions => ({
  anchors,
  intermediates,
  crls,
  at,
  purpose: 'email-signing',
})

let work: Workdir
let root: TestCa
beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'Algorithms Root', 'rsa')
})
afterAll(() => work.dispose())

describe('SHA-1 in the path: accepted, reported as weak', () => {
  it('a SHA-1-signed intermediate and leaf validate, each reported weak with its position', async () => {
    const int = makeIntermediate(root, 'SHA1 CA', 'rsa', undefined, { startDate: '20200101000000Z', endDate: '20390101000000Z', md: 'sha1' })
    const leaf = makeLeaf(int, { md: 'sha1' })
    const v = await validateCertificate(leaf.der, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.reasons).toEqual([])
    expect(v.weak.map((w) => [w.index, w.kind, w.algorithm])).toEqual([
      [0, 'signature', 'sha1'],
      [1, 'signature', 'sha1'],
    ])
    expect(v.weak[1]!.subject).toBe('CN=SHA1 CA, O=Cachet Test')
    expect(v.weak[0]!.reason).toMatch(/"Test User" is signed with SHA-1, which is no longer safe/)
  })

  it("the trust anchor's own SHA-1 self-signature is not reported", async () => {
    const sha1Root = makeRoot(work, 'SHA1 Self-signed Root', 'rsa', undefined, 'sha1')
    const int = makeIntermediate(sha1Root, 'Under SHA1 Root', 'rsa')
    const leaf = makeLeaf(int)
    const v = await validateCertificate(leaf.der, opts([sha1Root.der], [int.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.weak).toEqual([])
  })

  it('SHA-256 throughout reports nothing weak', async () => {
    const int = makeIntermediate(root, 'SHA256 CA', 'rsa')
    const v = await validateCertificate(makeLeaf(int).der, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.weak).toEqual([])
  })
})

describe('MD5 and MD2 in the path: not acceptable', () => {
  it('an MD5-signed leaf is untrusted, and the reason names it and MD5', async () => {
    const int = makeIntermediate(root, 'Signs With MD5', 'rsa')
    const leaf = makeLeaf(int, { md: 'md5' })
    const v = await validateCertificate(leaf.der, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/"Test User" is signed with MD5 \(md5WithRSAEncryption\), which is broken/)
    expect(v.reasons.join(' ')).not.toMatch(/does not verify|No chain/)
  })

  it('an MD5-signed intermediate makes the path untrusted, naming the intermediate', async () => {
    const int = makeIntermediate(root, 'MD5 Signed CA', 'rsa', undefined, { startDate: '20200101000000Z', endDate: '20390101000000Z', md: 'md5' })
    const leaf = makeLeaf(int)
    const v = await validateCertificate(leaf.der, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/"MD5 Signed CA" is signed with MD5/)
  })

  it("an MD5 self-signed trust anchor is fine: its self-signature does not matter", async () => {
    const md5Root = makeRoot(work, 'MD5 Self-signed Root', 'rsa', undefined, 'md5')
    const int = makeIntermediate(md5Root, 'Under MD5 Root', 'rsa')
    const v = await validateCertificate(makeLeaf(int).der, opts([md5Root.der], [int.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.weak).toEqual([])
  })

  it('an MD5-signed CRL from the issuer makes the path untrusted, naming the CRL and MD5', async () => {
    const int = makeIntermediate(root, 'MD5 CRL CA', 'rsa')
    const leaf = makeLeaf(int)
    const good = await validateCertificate(leaf.der, opts([root.der], [int.der], [int.crl()]), crypto)
    expect(good.status).toBe('valid')
    const v = await validateCertificate(leaf.der, opts([root.der], [int.der], [int.crl([], 'md5')]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/A CRL naming "MD5 CRL CA" as its issuer is signed with MD5/)
  })

  it('an MD2-signed leaf (re-signed for real with the CA key) is untrusted, naming MD2', async () => {
    const int = makeIntermediate(root, 'Signs With MD2', 'rsa')
    const md5Leaf = makeLeaf(int, { md: 'md5' })
    const md2Leaf = resignWithMd2(md5Leaf.der, readFileSync(int.keyFile, 'utf8'))
    const v = await validateCertificate(md2Leaf, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/"Test User" is signed with MD2 \(md2WithRSAEncryption\), which is broken/)
  })
})

describe('RSA key sizes in the path', () => {
  it('a 1024-bit intermediate key is accepted and reported weak', async () => {
    const int = makeIntermediate(root, 'RSA1024 CA', 'rsa-1024')
    const leaf = makeLeaf(int, { keyType: 'rsa' })
    const v = await validateCertificate(leaf.der, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('valid')
    expect(v.weak.map((w) => [w.index, w.kind, w.algorithm])).toEqual([[1, 'key', 'rsa-1024']])
    expect(v.weak[0]!.reason).toMatch(/"RSA1024 CA" has a 1024-bit RSA key, which is no longer safe/)
  })

  it('a 768-bit leaf key is not acceptable', async () => {
    const int = makeIntermediate(root, 'Issues Short Keys', 'rsa')
    const leaf = makeLeaf(int, { keyType: 'rsa-768' })
    const v = await validateCertificate(leaf.der, opts([root.der], [int.der]), crypto)
    expect(v.status).toBe('untrusted')
    expect(v.reasons.join(' ')).toMatch(/"Test User" has a 768-bit RSA key, which can be broken/)
  })
})

// --- MD2 (RFC 1319), only to sign a test certificate with it -----------------------

const PI_SUBST = [
  41, 46, 67, 201, 162, 216, 124, 1, 61, 54, 84, 161, 236, 240, 6, 19, 98, 167, 5, 243, 192, 199, 115, 140, 152, 147, 43, 217, 188, 76, 130, 202,
  30, 155, 87, 60, 253, 212, 224, 22, 103, 66, 111, 24, 138, 23, 229, 18, 190, 78, 196, 214, 218, 158, 222, 73, 160, 251, 245, 142, 187, 47, 238, 122,
  169, 104, 121, 145, 21, 178, 7, 63, 148, 194, 16, 137, 11, 34, 95, 33, 128, 127, 93, 154, 90, 144, 50, 39, 53, 62, 204, 231, 191, 247, 151, 3,
  255, 25, 48, 179, 72, 165, 181, 209, 215, 94, 146, 42, 172, 86, 170, 198, 79, 184, 56, 210, 150, 164, 125, 182, 118, 252, 107, 226, 156, 116, 4, 241,
  69, 157, 112, 89, 100, 113, 135, 32, 134, 91, 207, 101, 230, 45, 168, 2, 27, 96, 37, 173, 174, 176, 185, 246, 28, 70, 97, 105, 52, 64, 126, 15,
  85, 71, 163, 35, 221, 81, 175, 58, 195, 92, 249, 206, 186, 197, 234, 38, 44, 83, 13, 110, 133, 40, 132, 9, 211, 223, 205, 244, 65, 129, 77, 82,
  106, 220, 55, 200, 108, 193, 171, 250, 36, 225, 123, 8, 12, 189, 177, 74, 120, 136, 149, 139, 227, 99, 232, 109, 233, 203, 213, 254, 59, 0, 29, 57,
  242, 239, 183, 14, 102, 88, 208, 228, 166, 119, 114, 248, 235, 117, 75, 10, 49, 68, 80, 180, 143, 237, 31, 26, 219, 153, 141, 51, 159, 17, 131, 20,
]

function md2(input: Uint8Array): Uint8Array {
  const padLen = 16 - (input.length % 16)
  const msg = new Uint8Array(input.length + padLen + 16)
  msg.set(input)
  msg.fill(padLen, input.length, input.length + padLen)
  const n = input.length + padLen
  const checksum = new Uint8Array(16)
  let l = 0
  for (let i = 0; i < n / 16; i++) {
    for (let j = 0; j < 16; j++) {
      checksum[j]! ^= PI_SUBST[msg[i * 16 + j]! ^ l]!
      l = checksum[j]!
    }
  }
  msg.set(checksum, n)
  const x = new Uint8Array(48)
  for (let i = 0; i < msg.length / 16; i++) {
    for (let j = 0; j < 16; j++) {
      x[16 + j] = msg[i * 16 + j]!
      x[32 + j] = x[16 + j]! ^ x[j]!
    }
    let t = 0
    for (let j = 0; j < 18; j++) {
      for (let k = 0; k < 48; k++) t = x[k]! ^= PI_SUBST[t]!
      t = (t + j) & 0xff
    }
  }
  return x.slice(0, 16)
}

/** DER length octets. */
function derLen(n: number): number[] {
  if (n < 0x80) return [n]
  const out: number[] = []
  for (let v = n; v > 0; v >>= 8) out.unshift(v & 0xff)
  return [0x80 | out.length, ...out]
}

/** Header length of the DER TLV at `off`. */
function headerLen(b: Uint8Array, off: number): number {
  const first = b[off + 1]!
  return first < 0x80 ? 2 : 2 + (first & 0x7f)
}

function tlvLength(b: Uint8Array, off: number): number {
  const first = b[off + 1]!
  if (first < 0x80) return 2 + first
  let n = 0
  for (let i = 0; i < (first & 0x7f); i++) n = n * 256 + b[off + 2 + i]!
  return headerLen(b, off) + n
}

/**
 * Turn an md5WithRSAEncryption certificate into an md2WithRSAEncryption one: the two
 * OIDs differ only in their last arc (…1.1.4 → …1.1.2), in TBSCertificate.signature
 * and in the outer signatureAlgorithm; then sign the new TBS with MD2 for real.
 */
function resignWithMd2(der: Uint8Array, issuerKeyPem: string): Uint8Array {
  const md5Oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x04]
  const cert = Uint8Array.from(der)
  for (let i = 0; i + md5Oid.length <= cert.length; i++) {
    if (md5Oid.every((v, k) => cert[i + k] === v)) cert[i + md5Oid.length - 1] = 0x02
  }
  const tbsOff = headerLen(cert, 0)
  const tbs = cert.subarray(tbsOff, tbsOff + tlvLength(cert, tbsOff))
  const algOff = tbsOff + tbs.length
  const alg = cert.subarray(algOff, algOff + tlvLength(cert, algOff))
  // DigestInfo ::= SEQUENCE { AlgorithmIdentifier md2 (1.2.840.113549.2.2) NULL, OCTET STRING digest }
  const digestInfo = Uint8Array.from([0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x02, 0x05, 0x00, 0x04, 0x10, ...md2(tbs)])
  const sig = privateEncrypt({ key: issuerKeyPem, padding: constants.RSA_PKCS1_PADDING }, digestInfo)
  const bitString = [0x03, ...derLen(sig.length + 1), 0x00, ...sig]
  const body = [...tbs, ...alg, ...bitString]
  return Uint8Array.from([0x30, ...derLen(body.length), ...body])
}

describe('the MD2 used above', () => {
  it('matches the RFC 1319 test vectors', () => {
    const hex = (s: string) => Buffer.from(md2(new TextEncoder().encode(s))).toString('hex')
    expect(hex('')).toBe('8350e5a3e24c153df2275c9f80692773')
    expect(hex('abc')).toBe('da853b0d3f88d99b30283a69e6ded6bb')
    expect(hex('message digest')).toBe('ab4f496bfb2a530b219ff33031fe06b0')
  })
})
