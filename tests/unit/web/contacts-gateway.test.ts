import { describe, expect, it } from 'vitest'
import type { CertificateRecord } from '../../../src/web/storage/db'
import { encryptionCertificateFor, gatewayCertificateFor, gatewayDomains } from '../../../src/web/stores/contacts'

const now = new Date('2026-06-01T00:00:00.000Z')
function cert(over: Partial<CertificateRecord>): CertificateRecord {
  return {
    sha256: 'x',
    der: new Uint8Array([1]),
    subject: 'CN=x',
    issuer: 'CN=ca',
    serial: '01',
    emails: [],
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    selfSigned: false,
    isCA: false,
    keyAlgorithm: 'RSA',
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extendedKeyUsage: ['emailProtection'],
    source: 'import',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    capabilities: null,
    capabilitiesSeen: null,
    ...over,
  }
}

describe('mail gateway certificates (domain certificates)', () => {
  const gw = cert({ sha256: 'gw', emails: ['gateway@partner.example'], gatewayFor: 'partner.example', notBefore: '2026-02-01T00:00:00.000Z' })
  const oldGw = cert({ sha256: 'old-gw', emails: ['gateway@partner.example'], gatewayFor: 'partner.example' })
  const notAccepted = cert({ sha256: 'other', emails: ['relay@other.example'] })

  it('stands in for anyone at its accepted domain, the newest usable one', () => {
    expect(gatewayCertificateFor([oldGw, gw, notAccepted], 'Pat@Partner.Example', {}, now)?.sha256).toBe('gw')
    expect(gatewayCertificateFor([oldGw, gw], 'pat@partner.example', { gw: { status: 'revoked', reasons: [], revocation: 'revoked' } }, now)?.sha256).toBe('old-gw')
  })

  it('never for another domain, a sub-domain, or a certificate only named for the domain but not accepted', () => {
    expect(gatewayCertificateFor([gw, notAccepted], 'pat@other.example', {}, now)).toBeNull()
    expect(gatewayCertificateFor([gw], 'pat@sub.partner.example', {}, now)).toBeNull()
    expect(gatewayCertificateFor([gw], 'pat@example', {}, now)).toBeNull()
  })

  it('not when expired or without an encryption usage', () => {
    expect(gatewayCertificateFor([cert({ ...gw, notAfter: '2026-03-01T00:00:00.000Z' })], 'pat@partner.example', {}, now)).toBeNull()
    expect(gatewayCertificateFor([cert({ ...gw, keyUsage: ['digitalSignature'] })], 'pat@partner.example', {}, now)).toBeNull()
  })

  it('is no personal certificate: encryptionCertificateFor does not return it for the people of the domain', () => {
    expect(encryptionCertificateFor([gw], 'pat@partner.example', {}, now)).toBeNull()
  })

  it('may be accepted only for a domain the certificate names', () => {
    expect(gatewayDomains(cert({ emails: ['gateway@partner.example', 'smime@partner.example', 'x@mail.partner.example'] }))).toEqual(['partner.example', 'mail.partner.example'])
  })
})
