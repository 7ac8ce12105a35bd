import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isCoreError } from '../../../../src/core/errors'
import {
  certificateEmails,
  crlDistributionPoints,
  isIssuerAndSerial,
  readCertificates,
  subjectKeyIdentifier,
  summarizeCertificate,
} from '../../../../src/core/pki'
import { makeIntermediate, makeLeaf, makeRoot, openssl, Workdir, type Issued, type TestCa } from './gen'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

let work: Workdir
let root: TestCa
let int: TestCa
let leaf: Issued
beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'Read Root', 'ec-p256')
  int = makeIntermediate(root, 'Read CA', 'ec-p256')
  leaf = makeLeaf(int, { email: 'Carol@Example.TEST', subjectEmail: true })
})
afterAll(() => work.dispose())

describe('readCertificates', () => {
  it('reads a PEM bundle in order', () => {
    const bundle = Buffer.concat([readFileSync(leaf.pemFile), readFileSync(int.pemFile), readFileSync(root.pemFile)])
    const certs = readCertificates(bundle)
    expect(certs.map(hex)).toEqual([leaf.der, int.der, root.der].map(hex))
    // Each certificate owns its bytes (safe to store without dragging the whole file along)
    for (const c of certs) expect(c.buffer.byteLength).toBe(c.byteLength)
  })

  it('reads a DER certificate', () => {
    expect(readCertificates(leaf.der).map(hex)).toEqual([hex(leaf.der)])
  })

  it('reads a .p7b made by openssl crl2pkcs7, in DER and in PEM', () => {
    const pem = work.path('bundle.p7b.pem')
    const der = work.path('bundle.p7b')
    openssl(['crl2pkcs7', '-nocrl', '-certfile', leaf.pemFile, '-certfile', int.pemFile, '-out', pem])
    openssl(['crl2pkcs7', '-nocrl', '-certfile', leaf.pemFile, '-certfile', int.pemFile, '-outform', 'DER', '-out', der])
    const expected = [leaf.der, int.der].map(hex).sort()
    expect(readCertificates(readFileSync(pem)).map(hex).sort()).toEqual(expected)
    expect(readCertificates(readFileSync(der)).map(hex).sort()).toEqual(expected)
  })

  it('reads an OpenSSL TRUSTED CERTIFICATE (trust settings after the certificate)', () => {
    const f = work.path('trusted.pem')
    writeFileSync(f, openssl(['x509', '-in', root.pemFile, '-addtrust', 'emailProtection', '-trustout']))
    expect(readCertificates(readFileSync(f)).map(hex)).toEqual([hex(root.der)])
  })

  it('says what is wrong with something that is not a certificate', () => {
    const key = readFileSync(leaf.keyFile)
    const attempts: [Uint8Array, RegExp][] = [
      [key, /PRIVATE KEY but no certificate/],
      [new TextEncoder().encode('hello world'), /not a certificate file/],
      [new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]), /not a certificate file/],
      [new Uint8Array(0), /empty/],
    ]
    for (const [bytes, message] of attempts) {
      let caught: unknown
      try {
        readCertificates(bytes)
      } catch (e) {
        caught = e
      }
      expect(isCoreError(caught, 'bad-input')).toBe(true)
      expect((caught as Error).message).toMatch(message)
    }
  })
})

describe('certificate helpers', () => {
  it('lists emails from SAN and subject emailAddress, lowercased and deduplicated', () => {
    expect(certificateEmails(leaf.der)).toEqual(['carol@example.test'])
  })

  it('shows emailAddress in the subject string', async () => {
    const s = await summarizeCertificate(leaf.der, globalThis.crypto)
    expect(s.subject).toBe('emailAddress=Carol@Example.TEST, CN=Test User, O=Cachet Test')
    expect(s.keyAlgorithm).toBe('EC P-256')
    expect(s.keySize).toBe(256)
    expect(s.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'keyAgreement'])
    const serial = openssl(['x509', '-in', leaf.pemFile, '-noout', '-serial']).toString().trim().split('=')[1]!
    expect(s.serial).toBe(serial.toLowerCase().replace(/^0+/, ''))
    const fp = openssl(['x509', '-in', leaf.pemFile, '-noout', '-fingerprint', '-sha256']).toString().trim().split('=')[1]!
    expect(s.sha256).toBe(fp.replace(/:/g, '').toLowerCase())
  })

  it('lists only http(s) CRL distribution points', () => {
    expect(crlDistributionPoints(leaf.der)).toEqual(['http://crl.example.test/ca.crl'])
    expect(crlDistributionPoints(root.der)).toEqual([])
  })

  it('finds a certificate by issuer and serial, and its subject key identifier', () => {
    // Issuer Name DER = the intermediate's subject Name DER, located with OpenSSL's ASN.1 dump
    const subjectName = nameDer(int.pemFile, 'subject')
    const serial = hexToBytes(openssl(['x509', '-in', leaf.pemFile, '-noout', '-serial']).toString().trim().split('=')[1]!)
    expect(isIssuerAndSerial(leaf.der, subjectName, serial)).toBe(true)
    expect(isIssuerAndSerial(leaf.der, subjectName, new Uint8Array([0, ...serial]))).toBe(true)
    expect(isIssuerAndSerial(leaf.der, nameDer(root.pemFile, 'subject'), serial)).toBe(false)
    expect(isIssuerAndSerial(leaf.der, subjectName, new Uint8Array([1]))).toBe(false)
    const ski = openssl(['x509', '-in', leaf.pemFile, '-noout', '-ext', 'subjectKeyIdentifier']).toString().split('\n')[1]!.trim()
    expect(hex(subjectKeyIdentifier(leaf.der)!)).toBe(ski.replace(/:/g, '').toLowerCase())
  })
})

function hexToBytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'))
}

/** DER of a certificate's subject Name, located with `openssl asn1parse` (TBS field 6 counting the [0] version). */
function nameDer(pemFile: string, which: 'subject' | 'issuer'): Uint8Array {
  const der = openssl(['x509', '-in', pemFile, '-outform', 'DER'])
  const lines = openssl(['asn1parse', '-in', pemFile]).toString().split('\n')
  // Top-level TBS children sit at depth d=2; pick the 4th (issuer) or 6th (subject) SEQUENCE child
  const tbsChildren = lines.filter((l) => /d=2/.test(l))
  const index = which === 'issuer' ? 3 : 5
  const m = /^\s*(\d+):d=2\s+hl=(\d+)\s+l=\s*(\d+)/.exec(tbsChildren[index]!)!
  const start = Number(m[1])
  return new Uint8Array(der.subarray(start, start + Number(m[2]) + Number(m[3])))
}
