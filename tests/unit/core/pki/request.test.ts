import { spawnSync } from 'node:child_process'
import { writeFileSync, readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { certificateHasKey, createCertificateRequest, type RequestKeyType } from '../../../../src/core/pki'
import { openMessage, sealMessage } from '../../../../src/core/message'
import { pemBlocks } from '../../../../src/core/util/base64'
import { openssl, Workdir } from './gen'

const crypto = globalThis.crypto
const work = new Workdir()
afterAll(() => work.dispose())

/** A CA made by OpenSSL that copies the request's extensions, as an organisation CA does. */
function makeCa(): { cert: string; key: string } {
  const key = work.path('ca.key')
  const cert = work.path('ca.pem')
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=Request Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  return { cert, key }
}
const ca = makeCa()

function issue(csrPem: string, name: string): Uint8Array {
  const csr = work.path(`${name}.csr`)
  const out = work.path(`${name}.pem`)
  writeFileSync(csr, csrPem)
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '10', '-copy_extensions', 'copy', '-out', out])
  return pemBlocks(readFileSync(out, 'utf8'))[0]!.der
}

/** `openssl req -verify` says its verdict on stderr and exits 0 either way (OpenSSL 3.0). */
function verifyRequest(file: string, form: 'PEM' | 'DER'): string {
  const r = spawnSync('openssl', ['req', '-in', file, '-inform', form, '-verify', '-noout'], { encoding: 'utf8' })
  return r.stderr.trim()
}

describe.each<RequestKeyType>(['rsa-3072', 'p-256'])('certificate request (%s)', (keyType) => {
  it('is a PKCS#10 request that OpenSSL verifies, for the address and nothing else', async () => {
    const r = await createCertificateRequest('Dave@Example.com', keyType, crypto)
    const file = work.path(`${keyType}.csr`)
    writeFileSync(file, r.pem)
    const text = openssl(['req', '-in', file, '-verify', '-noout', '-text']).toString()
    expect(text).toMatch(/Subject: CN\s*=\s*dave@example\.com, emailAddress\s*=\s*dave@example\.com/)
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s*\n\s*email:dave@example\.com\s*\n/)
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s*E-mail Protection\s*\n/)
    if (keyType === 'rsa-3072') {
      expect(text).toMatch(/Public-Key: \(3072 bit\)/)
      expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\s*\n/)
    } else {
      expect(text).toMatch(/NIST CURVE: P-256/)
      expect(text).toMatch(/X509v3 Key Usage: critical\s*\n\s*Digital Signature, Key Agreement\s*\n/)
    }
    expect(verifyRequest(file, 'PEM')).toBe('Certificate request self-signature verify OK')
    // The check above can fail: a request whose signature does not match is refused.
    const tampered = new Uint8Array(r.der)
    tampered[tampered.length - 5]! ^= 0x01
    const bad = work.path(`${keyType}-bad.der`)
    writeFileSync(bad, tampered)
    expect(verifyRequest(bad, 'DER')).toBe('Certificate request self-signature verify failure')
  })

  it('makes a key that signs and decrypts once the CA has issued its certificate', async () => {
    const r = await createCertificateRequest('dave@example.com', keyType, crypto)
    const cert = issue(r.pem, `issued-${keyType}`)
    expect(certificateHasKey(cert, r.spki)).toBe(true)
    const other = await createCertificateRequest('dave@example.com', keyType, crypto)
    expect(certificateHasKey(cert, other.spki)).toBe(false)

    const identity = { certificate: cert, chain: [pemBlocks(readFileSync(ca.cert, 'utf8'))[0]!.der], privateKey: r.privateKey }
    const draft = new TextEncoder().encode(
      'From: dave@example.com\r\nTo: dave@example.com\r\nSubject: first mail\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\nMade with a key from the browser.\r\n',
    )
    const sealed = await sealMessage(draft, { identity, sign: true, encrypt: true, recipients: [] }, crypto)
    const opened = await openMessage(
      sealed,
      { identities: [identity], trustAnchors: [identity.chain[0]!], certificates: [], crls: [] },
      crypto,
    )
    expect(opened.report.verdict).toMatchObject({ signature: 'valid', encryption: 'decrypted' })
    expect(opened.report.text).toContain('Made with a key from the browser.')
  })
})

it('refuses what is not an ASCII email address', async () => {
  for (const bad of ['', 'dave', 'dave@', 'a b@example.com', 'dave@example.com\r\nBcc: x@y.z', 'dävé@example.com', 'x*)(mail=*@example.com']) {
    await expect(createCertificateRequest(bad, 'p-256', crypto), bad).rejects.toMatchObject({ code: 'bad-input' })
  }
})
