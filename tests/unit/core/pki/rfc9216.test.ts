import { TESTDATA } from '../../../testdata'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { certificateEmails, readCertificates, summarizeCertificate, validateCertificate } from '../../../../src/core/pki'

// RFC 9216 sample PKI (IETF LAMPS): an RSA root and an Ed25519 root, each cross-signed by the other.
const DIR = `${TESTDATA}/rfc9216`
const cert = (name: string) => readCertificates(readFileSync(join(DIR, name)))[0]!
const rsaRoot = cert('Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem')
const edRoot = cert('Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem')
const rsaCross = cert('Sample_LAMPS_RSA_Certification_Authority.crosssigned.pem')
const edCross = cert('Sample_LAMPS_Ed25519_Certification_Authority.crosssigned.pem')
const aliceSig = cert('alice@smime.example.sig.pem')
const aliceEnc = cert('alice@smime.example.enc.pem')
const carlosSig = cert('carlos@smime.example.sig.pem')
const danaEnc = cert('dana@smime.example.enc.pem')
const at = new Date('2030-01-01T00:00:00Z')
const crypto = globalThis.crypto
const none = { intermediates: [], crls: [] }

describe('RFC 9216 sample PKI', () => {
  it('reads only the certificate from a PEM file that also holds a private key', () => {
    expect(readCertificates(readFileSync(join(DIR, 'alice@smime.example.sig.pem')))).toHaveLength(1)
  })

  it('summarizes Alice’s signing certificate in readable form', async () => {
    const s = await summarizeCertificate(aliceSig, crypto)
    expect(s.subject).toBe('CN=Alice Lovelace, OU=LAMPS WG, O=IETF')
    expect(s.issuer).toBe('CN=Sample LAMPS RSA Certification Authority, OU=LAMPS WG, O=IETF')
    expect(s.emails).toEqual(['alice@smime.example'])
    expect(s.keyAlgorithm).toBe('RSA')
    expect(s.keySize).toBe(2048)
    expect(s.keyUsage).toEqual(['digitalSignature', 'nonRepudiation'])
    expect(s.extendedKeyUsage).toEqual(['emailProtection'])
    expect(s.selfSigned).toBe(false)
    expect(s.isCA).toBe(false)
    expect(s.serial).toMatch(/^[0-9a-f]+$/)
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(s.notAfter).toBe('2052-09-27T06:54:18.000Z')
  })

  it('summarizes the Ed25519 root as a self-signed CA', async () => {
    const s = await summarizeCertificate(edRoot, crypto)
    expect(s).toMatchObject({ keyAlgorithm: 'Ed25519', selfSigned: true, isCA: true })
    expect(s.keyUsage).toEqual(['keyCertSign', 'cRLSign'])
  })

  it('validates alice@smime.example.sig to the RSA root', async () => {
    const v = await validateCertificate(
      aliceSig,
      { anchors: [rsaRoot], ...none, at, purpose: 'email-signing', email: 'Alice@SMIME.example' },
      crypto,
    )
    expect(v.status).toBe('valid')
    expect(v.reasons).toEqual([])
    expect(v.chain.map((c) => c.subject)).toEqual([
      'CN=Alice Lovelace, OU=LAMPS WG, O=IETF',
      'CN=Sample LAMPS RSA Certification Authority, OU=LAMPS WG, O=IETF',
    ])
    expect(v.anchor?.subject).toBe('CN=Sample LAMPS RSA Certification Authority, OU=LAMPS WG, O=IETF')
    expect(v.revocation).toBe('unknown')
  })

  it('validates Carlos’s Ed25519 signing certificate to the Ed25519 root', async () => {
    const v = await validateCertificate(carlosSig, { anchors: [edRoot], ...none, at, purpose: 'email-signing' }, crypto)
    expect(v.status).toBe('valid')
    expect(v.chain).toHaveLength(2)
  })

  it('follows the cross-certificate from Alice (RSA CA) to a trusted Ed25519 root', async () => {
    const v = await validateCertificate(
      aliceSig,
      { anchors: [edRoot], intermediates: [rsaCross, edCross], crls: [], at, purpose: 'email-signing' },
      crypto,
    )
    expect(v.status).toBe('valid')
    expect(v.chain.map((c) => c.issuer.split(',')[0])).toEqual([
      'CN=Sample LAMPS RSA Certification Authority',
      'CN=Sample LAMPS Ed25519 Certification Authority',
      'CN=Sample LAMPS Ed25519 Certification Authority',
    ])
    expect(v.anchor?.keyAlgorithm).toBe('Ed25519')
  })

  it('follows the cross-certificate from Carlos (Ed25519 CA) to a trusted RSA root', async () => {
    const v = await validateCertificate(
      carlosSig,
      { anchors: [rsaRoot], intermediates: [edCross], crls: [], at, purpose: 'email-signing' },
      crypto,
    )
    expect(v.status).toBe('valid')
    expect(v.chain).toHaveLength(3)
    expect(v.anchor?.keyAlgorithm).toBe('RSA')
  })

  it('is untrusted without the cross-certificate', async () => {
    const v = await validateCertificate(carlosSig, { anchors: [rsaRoot], ...none, at, purpose: 'email-signing' }, crypto)
    expect(v.status).toBe('untrusted')
    expect(v.anchor).toBeNull()
    expect(v.reasons.join(' ')).toMatch(/No chain to a trusted certificate/)
  })

  it('reports an address the certificate does not carry as email-mismatch', async () => {
    const v = await validateCertificate(
      aliceSig,
      { anchors: [rsaRoot], ...none, at, purpose: 'email-signing', email: 'bob@smime.example' },
      crypto,
    )
    expect(v.status).toBe('email-mismatch')
    expect(v.reasons[0]).toMatch(/alice@smime\.example, not for bob@smime\.example/)
  })

  it('never matches a substring of the certificate address', async () => {
    const v = await validateCertificate(
      aliceSig,
      { anchors: [rsaRoot], ...none, at, purpose: 'email-signing', email: 'ice@smime.example' },
      crypto,
    )
    expect(v.status).toBe('email-mismatch')
  })

  it('checks key usage for the purpose: signing cert is not an encryption cert and vice versa', async () => {
    const opts = { anchors: [rsaRoot, edRoot], ...none, at }
    expect((await validateCertificate(aliceSig, { ...opts, purpose: 'email-encryption' }, crypto)).status).toBe('not-email-cert')
    expect((await validateCertificate(aliceEnc, { ...opts, purpose: 'email-encryption' }, crypto)).status).toBe('valid')
    expect((await validateCertificate(aliceEnc, { ...opts, purpose: 'email-signing' }, crypto)).status).toBe('not-email-cert')
    expect((await validateCertificate(danaEnc, { ...opts, purpose: 'email-encryption' }, crypto)).status).toBe('valid')
  })

  it('is expired after notAfter and before notBefore', async () => {
    const late = await validateCertificate(aliceSig, { anchors: [rsaRoot], ...none, at: new Date('2060-01-01'), purpose: 'email-signing' }, crypto)
    expect(late.status).toBe('expired')
    expect(late.reasons.join(' ')).toMatch(/expired on 2052/)
    const early = await validateCertificate(aliceSig, { anchors: [rsaRoot], ...none, at: new Date('2019-01-01'), purpose: 'email-signing' }, crypto)
    expect(early.status).toBe('expired')
    expect(early.reasons.join(' ')).toMatch(/not valid before/)
  })

  it('lists the email of each sample certificate', () => {
    expect(certificateEmails(carlosSig)).toEqual(['carlos@smime.example'])
  })
})
