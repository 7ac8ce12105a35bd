import { describe, expect, it } from 'vitest'
import type { CertificateRecord } from '../../../src/web/storage/db'
import { encryptionCertificateFor, groupContacts } from '../../../src/web/stores/contacts'
import { assembleAnchors, bundledRoots } from '../../../src/web/stores/trust'
import { recipientsOurs } from '../../../src/web/workers/messages'
import type { SecurityReport } from '../../../src/core/message/report'
import type { IdentityInfo } from '../../../src/web/storage/db'

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
const now = new Date('2026-06-01T00:00:00Z')

describe('groupContacts', () => {
  it('keeps an old and a new certificate of one address side by side, newest first', () => {
    const old = cert({ sha256: 'old', emails: ['bob@example.com'], notBefore: '2025-01-01T00:00:00.000Z' })
    const neu = cert({ sha256: 'new', emails: ['bob@example.com'], notBefore: '2026-03-01T00:00:00.000Z' })
    const root = cert({ sha256: 'root', selfSigned: true, isCA: true })
    const g = groupContacts([old, root, neu])
    expect(g.contacts).toHaveLength(1)
    expect(g.contacts[0]!.certificates.map((c) => c.sha256)).toEqual(['new', 'old'])
    expect(g.authorities.map((c) => c.sha256)).toEqual(['root'])
  })
})

describe('encryptionCertificateFor', () => {
  it('picks the newest certificate that is valid now and may encrypt', () => {
    const expired = cert({ sha256: 'expired', emails: ['bob@example.com'], notBefore: '2026-05-01T00:00:00.000Z', notAfter: '2026-05-30T00:00:00.000Z' })
    const signOnly = cert({ sha256: 'sign', emails: ['bob@example.com'], notBefore: '2026-04-01T00:00:00.000Z', keyUsage: ['digitalSignature'] })
    const tls = cert({ sha256: 'tls', emails: ['bob@example.com'], notBefore: '2026-04-02T00:00:00.000Z', extendedKeyUsage: ['serverAuth'] })
    const good = cert({ sha256: 'good', emails: ['bob@example.com'], notBefore: '2026-02-01T00:00:00.000Z' })
    const older = cert({ sha256: 'older', emails: ['bob@example.com'], notBefore: '2026-01-01T00:00:00.000Z' })
    const list = [older, expired, signOnly, tls, good]
    expect(encryptionCertificateFor(list, 'BOB@example.com', {}, now)?.sha256).toBe('good')
    expect(encryptionCertificateFor(list, 'bob@example.com', { good: { status: 'revoked', reasons: [], revocation: 'revoked' } }, now)?.sha256).toBe('older')
    expect(encryptionCertificateFor(list, 'carol@example.com', {}, now)).toBeNull()
  })
})

describe('trust anchors', () => {
  const bundled = [
    { sha256: 'b1', der: new Uint8Array([1]) },
    { sha256: 'b2', der: new Uint8Array([2]) },
  ]
  it('are the bundled roots minus the distrusted ones plus the user-trusted ones', () => {
    const anchors = assembleAnchors(
      [
        { sha256: 'b2', decision: 'distrusted', der: new Uint8Array([2]) },
        { sha256: 'u1', decision: 'trusted', der: new Uint8Array([9]) },
      ],
      bundled,
    )
    expect(anchors).toEqual([new Uint8Array([1]), new Uint8Array([9])])
  })
  it('include the bundled email roots by default', async () => {
    expect((await bundledRoots()).length).toBeGreaterThan(50)
  })
})

describe('recipientsOurs (key-locked detection)', () => {
  const id = { id: 'me', serial: '0a1b', issuer: 'CN=CA', subjectKeyIdentifier: 'cafe' } as IdentityInfo
  const report = (recipients: object[]): SecurityReport =>
    ({
      verdict: { signature: 'none', encryption: 'not-for-you' },
      layers: [{ kind: 'enveloped', status: 'not-for-you', contentEncryptionAlgorithm: 'aes-256-cbc', integrity: false, weak: [], recipients }],
      from: null,
      subject: null,
      text: null,
      attachments: [],
      errors: [],
    }) as SecurityReport
  it('matches our identity by issuer and serial or by subject key identifier', () => {
    expect(recipientsOurs(report([{ type: 'ktri', keyEncryptionAlgorithm: 'rsa', issuer: 'CN=CA', serial: '0A1B', ours: false }]), [id])).toEqual(['me'])
    expect(recipientsOurs(report([{ type: 'kari', keyEncryptionAlgorithm: 'ecdh', subjectKeyIdentifier: 'CAFE', ours: false }]), [id])).toEqual(['me'])
  })
  it('does not claim messages for someone else', () => {
    expect(recipientsOurs(report([{ type: 'ktri', keyEncryptionAlgorithm: 'rsa', issuer: 'CN=Other', serial: '0a1b', ours: false }]), [id])).toEqual([])
  })
})
