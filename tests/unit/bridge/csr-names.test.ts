/**
 * Issue #9, the registration authority's reading of a PKCS#10 request (enrol/csr.ts) and
 * its one judgement (enrol/names.ts): requests made by OpenSSL over the key types,
 * hashes and signature schemes, and requests built here field by field (asn1js, signed
 * with node:crypto) for the shapes OpenSSL will not make.
 */
import { execFileSync } from 'node:child_process'
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as asn1js from 'asn1js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { certificateCommonName } from '../../../src/bridge/enrol/asn1'
import { readCsr, type CsrNames } from '../../../src/bridge/enrol/csr'
import { checkCsrNames } from '../../../src/bridge/enrol/names'
import { derToPem, pemToDer } from '../../../src/bridge/enrol/pem'

let work: string
let n = 0
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cachet-csr-test-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

function openssl(keyArgs: string[], args: string[]): { pem: string; keyPem: string } {
  const i = n++
  execFileSync('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', join(work, `${i}.key`), '-out', join(work, `${i}.csr`), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  return { pem: readFileSync(join(work, `${i}.csr`), 'utf8'), keyPem: readFileSync(join(work, `${i}.key`), 'utf8') }
}
const rsa = ['-newkey', 'rsa:2048']
const ec = (curve: string) => ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${curve}`]
const ALICE = ['-subj', '/CN=alice@example.com/emailAddress=alice@example.com', '-addext', 'subjectAltName=email:alice@example.com']

const spkiOf = (keyPem: string) => createPublicKey(keyPem).export({ type: 'spki', format: 'der' })
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
    return undefined
  } catch (e) {
    return (e as { code?: string }).code
  }
}

describe('readCsr: requests made by OpenSSL', () => {
  it('reads the names, the key type and the key of an RSA request, and keeps its bytes', () => {
    const { pem, keyPem } = openssl(rsa, ['-subj', '/CN=alice@example.com/emailAddress=alice@example.com', '-addext', 'subjectAltName=email:alice@example.com,DNS:x.example.com,URI:https://x.example.com/,IP:192.0.2.1'])
    const csr = readCsr(pem)
    expect(csr).toMatchObject({
      keyType: 'rsa',
      signature: 'rsa',
      subjectEmails: ['alice@example.com'],
      subjectCommonNames: ['alice@example.com'],
      otherSubjectAttributes: [],
      altNames: [
        { kind: 'email', value: 'alice@example.com' },
        { kind: 'dns', value: 'x.example.com' },
        { kind: 'uri', value: 'https://x.example.com/' },
        { kind: 'ip', value: '192.0.2.1' },
      ],
    })
    expect(csr.spki.equals(spkiOf(keyPem))).toBe(true)
    expect(csr.der.equals(pemToDer(pem, ['CERTIFICATE REQUEST'])!)).toBe(true)
    expect(csr.pem).toBe(derToPem('CERTIFICATE REQUEST', csr.der))
  })

  it.each([
    ['P-256 / SHA-256', ec('P-256'), []],
    ['P-384 / SHA-384', ec('P-384'), ['-sha384']],
    ['P-521 / SHA-512', ec('P-521'), ['-sha512']],
  ])('verifies ECDSA requests: %s', (_, key, args) => {
    const csr = readCsr(openssl(key, [...ALICE, ...args]).pem)
    expect(csr.keyType).toBe('ec')
    expect(csr.signature).toBe('ecdsa')
  })

  it.each([
    ['SHA-256', ['-sha256']],
    ['SHA-384', ['-sha384']],
    ['SHA-512', ['-sha512']],
  ])('verifies RSASSA-PKCS1-v1_5 requests: %s', (_, args) => {
    expect(readCsr(openssl(rsa, [...ALICE, ...args]).pem).signature).toBe('rsa')
  })

  it.each([
    ['SHA-256, salt 32', ['-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32']],
    ['SHA-512, salt = digest length', ['-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest']],
  ])('verifies RSASSA-PSS requests: %s', (_, args) => {
    const { pem } = openssl(rsa, [...ALICE, ...args])
    expect(readCsr(pem).signature).toBe('rsa-pss')
    const der = pemToDer(pem, ['CERTIFICATE REQUEST'])!
    der[der.length - 3]! ^= 0x40
    expect(codeOf(() => readCsr(derToPem('CERTIFICATE REQUEST', der)))).toBe('csr_invalid')
  })

  it('takes the NEW CERTIFICATE REQUEST label and CRLF line ends; refuses text around the block', () => {
    const { pem } = openssl(rsa, ALICE)
    expect(readCsr(pem.replace(/CERTIFICATE REQUEST/g, 'NEW CERTIFICATE REQUEST')).keyType).toBe('rsa')
    expect(readCsr(pem.replace(/\n/g, '\r\n')).keyType).toBe('rsa')
    expect(codeOf(() => readCsr(`Certificate Request:\n  Data: …\n${pem}`))).toBe('csr_invalid')
    expect(codeOf(() => readCsr(pem.replace('-----END CERTIFICATE REQUEST-----', '-----END CERTIFICATE-----')))).toBe('csr_invalid')
    expect(codeOf(() => readCsr(pem.replace(/^(-----BEGIN[^\n]+\n)(.)/, '$1!')))).toBe('csr_invalid')
  })

  it.each([
    ['a SHA-1 signature', rsa, ['-sha1']],
    ['a 1024-bit RSA key', ['-newkey', 'rsa:1024'], []],
    ['a secp256k1 key', ec('secp256k1'), []],
    ['an Ed25519 key', ['-newkey', 'ed25519'], []],
    ['a CA request', rsa, ['-addext', 'basicConstraints=critical,CA:TRUE']],
  ])('refuses %s: csr_invalid', (_, key, args) => {
    expect(codeOf(() => readCsr(openssl(key, [...ALICE, ...args]).pem))).toBe('csr_invalid')
  })

  it('takes a request that says CA:FALSE', () => {
    expect(readCsr(openssl(rsa, [...ALICE, '-addext', 'basicConstraints=CA:FALSE']).pem).keyType).toBe('rsa')
  })

  it('refuses a request whose signature or signed content was altered', () => {
    const der = pemToDer(openssl(ec('P-256'), ALICE).pem, ['CERTIFICATE REQUEST'])!
    const sig = Buffer.from(der)
    sig[sig.length - 2]! ^= 0x01
    expect(codeOf(() => readCsr(derToPem('CERTIFICATE REQUEST', sig)))).toBe('csr_invalid')
    const content = Buffer.from(der.toString('latin1').replace('alice@', 'alicf@'), 'latin1')
    expect(codeOf(() => readCsr(derToPem('CERTIFICATE REQUEST', content)))).toBe('csr_invalid')
  })

  it('refuses a BER (not DER) encoding of a validly signed request', () => {
    // The same request with the outer SEQUENCE's length in a longer form than needed: the
    // signature (over the inner info) still verifies, the encoding is no longer DER.
    const der = pemToDer(openssl(rsa, ALICE).pem, ['CERTIFICATE REQUEST'])!
    expect(der[0]).toBe(0x30)
    expect(der[1]).toBe(0x82)
    const ber = Buffer.concat([Buffer.from([0x30, 0x83, 0x00]), der.subarray(2)])
    expect(codeOf(() => readCsr(derToPem('CERTIFICATE REQUEST', ber)))).toBe('csr_invalid')
  })
})

// Requests built field by field, for shapes OpenSSL does not make.
const OIDS = { cn: '2.5.4.3', email: '1.2.840.113549.1.9.1', o: '2.5.4.10', extReq: '1.2.840.113549.1.9.14', san: '2.5.29.17', bc: '2.5.29.19', challenge: '1.2.840.113549.1.9.7' }

function built(o: {
  subject?: asn1js.AsnType[][]
  extensions?: asn1js.Sequence[] | null
  extraAttributes?: asn1js.Sequence[]
  version?: number
  key?: { publicKey: KeyObject; privateKey: KeyObject }
}): string {
  const key = o.key ?? generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const spki = asn1js.fromBER(key.publicKey.export({ type: 'spki', format: 'der' })).result
  const subject = new asn1js.Sequence({
    value: (o.subject ?? [[new asn1js.ObjectIdentifier({ value: OIDS.email }), new asn1js.IA5String({ value: 'alice@example.com' })]]).map(
      (atv) => new asn1js.Set({ value: [new asn1js.Sequence({ value: atv })] }),
    ),
  })
  const attributes: asn1js.Sequence[] = [...(o.extraAttributes ?? [])]
  if (o.extensions !== null) {
    attributes.push(
      new asn1js.Sequence({
        value: [new asn1js.ObjectIdentifier({ value: OIDS.extReq }), new asn1js.Set({ value: [new asn1js.Sequence({ value: o.extensions ?? [] })] })],
      }),
    )
  }
  const info = new asn1js.Sequence({
    value: [
      new asn1js.Integer({ value: o.version ?? 0 }),
      subject,
      spki,
      new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: attributes }),
    ],
  })
  const infoDer = Buffer.from(info.toBER())
  const signature = sign('sha256', infoDer, key.privateKey)
  const csr = new asn1js.Sequence({
    value: [
      info,
      new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: key.publicKey.asymmetricKeyType === 'ec' ? '1.2.840.10045.4.3.2' : '1.2.840.113549.1.1.11' }), ...(key.publicKey.asymmetricKeyType === 'ec' ? [] : [new asn1js.Null()])] }),
      new asn1js.BitString({ valueHex: signature }),
    ],
  })
  return derToPem('CERTIFICATE REQUEST', new Uint8Array(csr.toBER()))
}

const extension = (oid: string, value: asn1js.AsnType, critical = false) =>
  new asn1js.Sequence({
    value: [new asn1js.ObjectIdentifier({ value: oid }), ...(critical ? [new asn1js.Boolean({ value: true })] : []), new asn1js.OctetString({ valueHex: value.toBER() })],
  })
const sanOf = (...names: asn1js.AsnType[]) => extension(OIDS.san, new asn1js.Sequence({ value: names }))
const rfc822 = (address: string) => new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 1 }, valueHex: new TextEncoder().encode(address) })

describe('readCsr: requests built field by field', () => {
  it('reads a minimal request (subject emailAddress, empty extensionRequest) and one without any attribute', () => {
    expect(readCsr(built({})).subjectEmails).toEqual(['alice@example.com'])
    expect(readCsr(built({ extensions: null })).altNames).toEqual([])
  })

  it('reads a CN in any directory string type, and ignores attributes other than extensionRequest', () => {
    const csr = readCsr(
      built({
        subject: [
          [new asn1js.ObjectIdentifier({ value: OIDS.cn }), new asn1js.BmpString({ value: 'Alice Ünicode' })],
          [new asn1js.ObjectIdentifier({ value: OIDS.cn }), new asn1js.PrintableString({ value: 'Alice' })],
        ],
        extensions: [sanOf(rfc822('alice@example.com'))],
        extraAttributes: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OIDS.challenge }), new asn1js.Set({ value: [new asn1js.Utf8String({ value: 'secret' })] })] })],
      }),
    )
    expect(csr.subjectCommonNames).toEqual(['Alice Ünicode', 'Alice'])
    expect(csr.altNames).toEqual([{ kind: 'email', value: 'alice@example.com' }])
  })

  it('reads the other GeneralName kinds (so they can be refused)', () => {
    const csr = readCsr(
      built({
        extensions: [
          sanOf(
            new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.ObjectIdentifier({ value: '1.3.6.1.5.5.7.8.9' }), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Utf8String({ value: 'alice@example.com' })] })] }),
            new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 4 }, value: [new asn1js.Sequence({ value: [] })] }),
            new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 8 }, valueHex: new asn1js.ObjectIdentifier({ value: '1.2.3' }).valueBlock.toBER() }),
            new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 7 }, valueHex: new Uint8Array(16).fill(0xfe) }),
          ),
        ],
      }),
    )
    expect(csr.altNames.map((a) => a.kind)).toEqual(['otherName', 'directoryName', 'registeredID', 'ip'])
    expect(csr.altNames[3]!.value).toBe('fefe:fefe:fefe:fefe:fefe:fefe:fefe:fefe')
  })

  it('refuses a second subjectAltName extension, a second extensionRequest, version 2, and an RSA key under ECDSA', () => {
    const san = sanOf(rfc822('alice@example.com'))
    const extReq = new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OIDS.extReq }), new asn1js.Set({ value: [new asn1js.Sequence({ value: [] })] })] })
    expect(codeOf(() => readCsr(built({ extensions: [san, sanOf(rfc822('bob@example.com'))] })))).toBe('csr_invalid')
    expect(codeOf(() => readCsr(built({ extraAttributes: [extReq] })))).toBe('csr_invalid')
    expect(codeOf(() => readCsr(built({ version: 1 })))).toBe('csr_invalid')
    expect(codeOf(() => readCsr(built({ extensions: [extension(OIDS.san, new asn1js.Utf8String({ value: 'not GeneralNames' }))] })))).toBe('csr_invalid')
    expect(codeOf(() => readCsr(built({ extensions: [extension(OIDS.bc, new asn1js.Sequence({ value: [new asn1js.Boolean({ value: true })] }), true)] })))).toBe('csr_invalid')
    expect(readCsr(built({ key: generateKeyPairSync('rsa', { modulusLength: 2048 }) })).keyType).toBe('rsa')
  })
})

describe('checkCsrNames', () => {
  const names = (o: Partial<CsrNames>): CsrNames => ({ subjectEmails: [], subjectCommonNames: [], otherSubjectAttributes: [], altNames: [], ...o })
  const email = (value: string) => ({ kind: 'email' as const, value })
  const ok = (o: Partial<CsrNames>) => expect(codeOf(() => checkCsrNames(names(o), 'alice@example.com'))).toBeUndefined()
  const mismatch = (o: Partial<CsrNames>) => expect(codeOf(() => checkCsrNames(names(o), 'alice@example.com'))).toBe('csr_address_mismatch')

  it('accepts the address in any of its places, in any case, trimmed', () => {
    ok({ altNames: [email('alice@example.com')] })
    ok({ subjectEmails: ['Alice@Example.COM'] })
    ok({ subjectCommonNames: [' alice@example.com '] })
    ok({ subjectCommonNames: ['Alice Example'], altNames: [email('ALICE@EXAMPLE.COM'), email('alice@example.com')] })
    ok({ subjectCommonNames: ['alice@example.com'], subjectEmails: ['alice@example.com'], altNames: [email('alice@example.com')] })
  })

  it('refuses a request with no address at all', () => {
    mismatch({})
    mismatch({ subjectCommonNames: ['Alice Example'] })
  })

  it('refuses any other address, anywhere', () => {
    mismatch({ altNames: [email('bob@example.com')] })
    mismatch({ altNames: [email('alice@example.com'), email('bob@example.com')] })
    mismatch({ subjectEmails: ['bob@example.com'], altNames: [email('alice@example.com')] })
    mismatch({ subjectCommonNames: ['bob@example.com'], altNames: [email('alice@example.com')] })
    mismatch({ altNames: [email('alice@example.com.evil.test')] })
    mismatch({ altNames: [email('alice@example.com\u0000')] })
    mismatch({ altNames: [email('')] })
  })

  it.each(['dns', 'uri', 'ip', 'otherName', 'directoryName', 'registeredID', 'x400Address', 'ediPartyName'] as const)(
    'refuses a %s subjectAltName next to the address',
    (kind) => mismatch({ altNames: [email('alice@example.com'), { kind, value: '' }] }),
  )

  it('refuses subject attributes other than CN and emailAddress', () => {
    mismatch({ subjectEmails: ['alice@example.com'], otherSubjectAttributes: ['2.5.4.10'] })
  })

  it("names the account in the message, so the person knows which address is theirs", () => {
    expect(() => checkCsrNames(names({ altNames: [email('bob@example.com')] }), 'alice@example.com')).toThrow(/alice@example\.com/)
  })
})

describe('certificateCommonName', () => {
  it("reads a certificate's subject CN, and null for anything else", () => {
    const i = n++
    execFileSync('openssl', ['req', '-x509', ...ec('P-256'), '-nodes', '-keyout', join(work, `${i}.key`), '-out', join(work, `${i}.pem`), '-subj', '/O=Example/CN=Example Issuing CA', '-days', '1'], { stdio: 'ignore' })
    const der = pemToDer(readFileSync(join(work, `${i}.pem`), 'utf8'), ['CERTIFICATE'])!
    expect(certificateCommonName(der)).toBe('Example Issuing CA')
    expect(certificateCommonName(Buffer.from('not a certificate'))).toBeNull()
    expect(certificateCommonName(new Uint8Array(0))).toBeNull()
  })
})
