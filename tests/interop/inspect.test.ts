/**
 * Issue #5 matrix, through the public command: `bin/cachet-smime.js inspect` opens
 * what OpenSSL (cms and smime), NSS cmsutil and gpgsm produce on the fly, and says the
 * right thing about it. Nothing here is written to match our own output.
 *
 * Peer limits found by running them (Debian 12): NSS 3.87 cmsutil envelops to RSA
 * recipients only (no ECDH) and picks its own cipher; gpgsm 2.2.40 imports only legacy
 * (3DES) RSA PKCS#12 (EC import crashes), so gpgsm signs and encrypts with RSA only.
 * OpenSSL 3.0 cannot sign CMS with Ed25519, and uses the 3DES key wrap (which
 * cms/envelope does not read) for ECDH with 3DES content, so neither is in the matrix.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { TESTDATA } from '../testdata'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { identityArgs, inspect } from './harness/cli'
import { detachedMessage, mixedEntity, opaqueMessage, textEntity, withHeaders, type Envelope } from './harness/eml'
import { createGpgsmHome, type GpgsmHome } from './harness/gpgsm'
import { createNssDb, type NssDb } from './harness/nss'
import { opensslEncrypt, opensslSign, type Digest } from './harness/openssl-cms'
import { createPki, type Leaf, type Pki } from './harness/pki'

let pki: Pki
let dir: string
let L: Record<string, Leaf>
let nss: NssDb
let gpg: GpgsmHome
let trust: string[]

const TEXT = 'Grüße aus dem Interop-Test — S/MIME ✓\r\nSecond line.\r\n'

beforeAll(async () => {
  pki = await createPki('cachet-inspect')
  dir = join(pki.dir, 'cases')
  await mkdir(dir)
  const specs: [string, Parameters<Pki['issue']>[1]][] = [
    ['alice', { key: 'rsa2048' }],
    ['bob', { key: 'rsa2048' }],
    ['carol', { key: 'rsa3072' }],
    ['dave', { key: 'rsa4096' }],
    ['erin', { key: 'p256' }],
    ['frank', { key: 'p384' }],
    ['gina', { key: 'p521' }],
    ['old', { key: 'rsa2048', expired: true }],
    ['rev', { key: 'p256', revoked: true }],
    ['srv', { key: 'rsa2048', eku: 'serverAuth', emailInSubject: true }],
  ]
  const leaves = await Promise.all(specs.map(([n, o]) => pki.issue(n, o)))
  L = Object.fromEntries(leaves.map((l) => [l.name, l]))
  trust = ['--trust', pki.root.certPath]
  nss = await createNssDb(pki)
  for (const n of ['alice', 'erin']) await nss.importIdentity(L[n]!)
  for (const n of ['bob', 'carol']) await nss.addCertificate(L[n]!)
  gpg = await createGpgsmHome(pki)
  await gpg.importIdentity(L.alice!)
  await gpg.importCertificate(L.bob!.certPath)
}, 300_000)

afterAll(async () => {
  await gpg?.stop()
  await pki?.cleanup()
})

const env = (from: Leaf, to: Leaf = L.bob!, subject = 'interop'): Envelope => ({ from: `${from.name} <${from.email}>`, to: to.email, subject })

let n = 0
async function save(eml: Uint8Array): Promise<string> {
  const p = join(dir, `case-${n++}.eml`)
  await writeFile(p, eml)
  return p
}

describe('signed by OpenSSL: every signature algorithm × digest', () => {
  // knownGap: a limitation of cms/signed, kept visible with it.fails so that the test
  // flips to failing (and must be moved back to `it`) the day it is lifted.
  const rows: { signer: string; md: Digest; pss?: boolean; alg: RegExp; weak?: boolean; opaque?: boolean; legacy?: boolean; knownGap?: string }[] = [
    { signer: 'alice', md: 'sha1', alg: /rsa.*sha1/i, weak: true },
    { signer: 'carol', md: 'sha224', alg: /rsa.*sha224/i, opaque: true },
    { signer: 'dave', md: 'sha256', alg: /rsa.*sha256/i, legacy: true },
    { signer: 'alice', md: 'sha384', alg: /rsa.*sha384/i },
    { signer: 'carol', md: 'sha512', alg: /rsa.*sha512/i, opaque: true },
    { signer: 'alice', md: 'sha1', pss: true, alg: /pss.*sha1/i, weak: true },
    { signer: 'dave', md: 'sha224', pss: true, alg: /pss.*sha224/i },
    { signer: 'carol', md: 'sha256', pss: true, alg: /pss.*sha256/i, opaque: true },
    { signer: 'alice', md: 'sha384', pss: true, alg: /pss.*sha384/i },
    { signer: 'dave', md: 'sha512', pss: true, alg: /pss.*sha512/i },
    { signer: 'erin', md: 'sha1', alg: /ecdsa.*sha1/i, weak: true },
    { signer: 'frank', md: 'sha224', alg: /ecdsa.*sha224/i },
    { signer: 'erin', md: 'sha256', alg: /ecdsa.*sha256/i, opaque: true },
    { signer: 'frank', md: 'sha384', alg: /ecdsa.*sha384/i, legacy: true },
    { signer: 'gina', md: 'sha512', alg: /ecdsa.*sha512/i },
  ]
  for (const r of rows) {
    const name = `${r.signer} ${r.pss ? 'RSASSA-PSS' : r.signer.match(/erin|frank|gina/) ? 'ECDSA' : 'RSASSA-PKCS1-v1_5'} ${r.md}${r.opaque ? ' opaque' : r.legacy ? ' (openssl smime, x-pkcs7-signature)' : ' detached'}`
    ;(r.knownGap ? it.fails : it)(`${name} → valid${r.knownGap ? ` (known gap: ${r.knownGap})` : ''}`, async () => {
      const leaf = L[r.signer]!
      const smime = await opensslSign(dir, leaf, textEntity(TEXT), { md: r.md, pss: r.pss, opaque: r.opaque, legacySmime: r.legacy })
      const file = await save(withHeaders(env(leaf), smime))
      const { status, report } = await inspect(file, trust)
      expect(report.verdict).toEqual({ signature: 'valid', encryption: 'none' })
      expect(status).toBe(0)
      const layer = report.layers[0]!
      expect(layer.kind).toBe('signed')
      if (layer.kind !== 'signed') return
      expect(layer.detached).toBe(!r.opaque)
      const s = layer.signers[0]!
      expect(s.digestAlgorithm).toBe(r.md)
      expect(s.signatureAlgorithm).toMatch(r.alg)
      expect(s.email).toBe(leaf.email)
      expect(s.signingTime).not.toBeNull()
      if (r.weak) expect(s.weak).toContain('sha1')
      expect(report.text).toBe(TEXT)
      expect(report.from).toBe(`${leaf.name} <${leaf.email}>`)
    })
  }

  // Ed25519 (RFC 8419): no peer here can produce it. OpenSSL 3.0 fails in CMS_final
  // ("eddsa_digest_signverify_init: invalid digest"; fixed only in 3.2) and gpgsm 2.2
  // has no EdDSA for CMS; the reading is covered by cms/signed's unit tests instead.

  it('opaque signed-data without smime-type, as application/octet-stream smime.p7m → sniffed and valid', async () => {
    const der = await opensslSign(dir, L.alice!, textEntity(TEXT), { opaque: true, der: true })
    const file = await save(opaqueMessage(env(L.alice!), der, { smimeType: null, octetStream: true }))
    const innerFile = join(dir, 'inner-octet.eml')
    const { status, report } = await inspect(file, [...trust, '--inner', innerFile])
    expect(report.verdict.signature).toBe('valid')
    expect(status).toBe(0)
    expect(Buffer.compare(await readFile(innerFile), textEntity(TEXT))).toBe(0)
  })

  it('x-pkcs7-mime opaque signed-data → valid', async () => {
    const der = await opensslSign(dir, L.erin!, textEntity(TEXT), { opaque: true, der: true })
    const { report } = await inspect(await save(opaqueMessage(env(L.erin!), der, { smimeType: 'signed-data', xPrefix: true })), trust)
    expect(report.verdict.signature).toBe('valid')
  })

  it('a multipart/mixed with an attachment: text, filename, size and SHA-256 reported', async () => {
    const data = new Uint8Array(1024).map((_, i) => (i * 7) & 0xff)
    const inner = mixedEntity(TEXT, { filename: 'report.bin', contentType: 'application/octet-stream', data })
    const smime = await opensslSign(dir, L.alice!, inner, {})
    const { report } = await inspect(await save(withHeaders(env(L.alice!), smime)), trust)
    expect(report.verdict.signature).toBe('valid')
    expect(report.text).toBe(TEXT)
    expect(report.attachments).toHaveLength(1)
    const { createHash } = await import('node:crypto')
    expect(report.attachments[0]).toEqual({ filename: 'report.bin', contentType: 'application/octet-stream', size: 1024, sha256: createHash('sha256').update(data).digest('hex') })
  })

  it('two signers (RSA and ECDSA) in one SignedData → each reported, valid', async () => {
    const input = join(dir, 'two-signers.txt')
    await writeFile(input, textEntity(TEXT))
    const { openssl } = await import('./harness/run')
    const smime = await openssl(['cms', '-sign', '-binary', '-in', input, '-signer', L.alice!.certPath, '-inkey', L.alice!.keyPath, '-signer', L.erin!.certPath, '-inkey', L.erin!.keyPath, '-certfile', L.alice!.chainPath])
    // Both certificates must match From to be valid: with two different people only one can.
    const { report } = await inspect(await save(withHeaders(env(L.alice!), smime)), trust)
    const layer = report.layers[0]!
    expect(layer.kind === 'signed' && layer.signers.map((s) => s.status).sort()).toEqual(['email-mismatch', 'valid'])
    expect(report.verdict.signature).toBe('email-mismatch')
  })
})

describe('encrypted by OpenSSL: every key transport / agreement × content cipher', () => {
  const rows: { to: string; cipher: 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm'; oaep?: 'sha1' | 'sha256'; kdf?: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'; cofactor?: boolean; key: RegExp }[] = [
    { to: 'bob', cipher: 'aes-128-cbc', key: /rsaEncryption/ },
    { to: 'carol', cipher: 'aes-192-cbc', key: /rsaEncryption/ },
    { to: 'dave', cipher: 'aes-256-cbc', key: /rsaEncryption/ },
    { to: 'bob', cipher: 'des-ede3-cbc', key: /rsaEncryption/ },
    { to: 'carol', cipher: 'aes-128-gcm', key: /rsaEncryption/ },
    { to: 'bob', cipher: 'aes-256-gcm', key: /rsaEncryption/ },
    { to: 'bob', cipher: 'aes-256-cbc', oaep: 'sha1', key: /oaep/i },
    { to: 'dave', cipher: 'aes-128-gcm', oaep: 'sha256', key: /oaep/i },
    { to: 'carol', cipher: 'aes-192-gcm', oaep: 'sha256', key: /oaep/i },
    { to: 'erin', cipher: 'aes-128-cbc', key: /sha1kdf|dh/i },
    { to: 'erin', cipher: 'aes-256-gcm', kdf: 'sha256', key: /sha256kdf|dh/i },
    { to: 'frank', cipher: 'aes-256-cbc', kdf: 'sha384', key: /sha384kdf|dh/i },
    { to: 'gina', cipher: 'aes-192-cbc', kdf: 'sha512', key: /sha512kdf|dh/i },
    { to: 'frank', cipher: 'aes-128-cbc', kdf: 'sha224', key: /sha224kdf|dh/i },
    { to: 'erin', cipher: 'aes-128-gcm', kdf: 'sha256', cofactor: true, key: /cofactor|dh/i },
  ]
  for (const r of rows) {
    const what = r.oaep ? `RSAES-OAEP(${r.oaep})` : r.to.match(/erin|frank|gina/) ? `ECDH ${L ? '' : ''}${r.cofactor ? 'cofactor ' : ''}kdf ${r.kdf ?? 'sha1'}` : 'RSA PKCS#1 v1.5'
    it(`${what} to ${r.to} × ${r.cipher} → decrypted`, async () => {
      const leaf = L[r.to]!
      const smime = await opensslEncrypt(dir, [leaf], textEntity(TEXT), { cipher: r.cipher, oaep: r.oaep, ecdhKdf: r.kdf, cofactor: r.cofactor })
      const { status, report } = await inspect(await save(withHeaders(env(L.alice!, leaf), smime)), identityArgs(leaf))
      expect(report.errors).toEqual([])
      expect(report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
      expect(status).toBe(0)
      const layer = report.layers[0]!
      expect(layer.kind).toBe(r.cipher.endsWith('gcm') ? 'auth-enveloped' : 'enveloped')
      if (layer.kind === 'signed') return
      expect(layer.contentEncryptionAlgorithm.toLowerCase().replace(/_/g, '-')).toMatch(r.cipher === 'des-ede3-cbc' ? /des|3des/ : new RegExp(r.cipher))
      expect(layer.integrity).toBe(r.cipher.endsWith('gcm'))
      if (r.cipher === 'des-ede3-cbc') expect(layer.weak.length).toBeGreaterThan(0)
      expect(layer.recipients.filter((x) => x.ours)).toHaveLength(1)
      expect(layer.recipients[0]!.keyEncryptionAlgorithm).toMatch(r.key)
      expect(report.text).toBe(TEXT)
    })
  }

  it('several recipients (RSA, ECDH, RSA): each one can read it and sees all entries', async () => {
    const smime = await opensslEncrypt(dir, [L.alice!, L.erin!, L.dave!], textEntity(TEXT), { cipher: 'aes-256-cbc' })
    const file = await save(withHeaders(env(L.bob!, L.alice!), smime))
    for (const who of ['alice', 'erin', 'dave']) {
      const { status, report } = await inspect(file, identityArgs(L[who]!))
      expect(report.verdict.encryption).toBe('decrypted')
      expect(status).toBe(0)
      const layer = report.layers[0]!
      expect(layer.kind !== 'signed' && layer.recipients.length).toBe(3)
    }
  })

  it('encrypted for someone else → not-for-you, naming the certificate it is for, exit 1', async () => {
    const smime = await opensslEncrypt(dir, [L.alice!], textEntity(TEXT), {})
    const { status, report } = await inspect(await save(withHeaders(env(L.bob!, L.alice!), smime)), identityArgs(L.bob!))
    expect(report.verdict.encryption).toBe('not-for-you')
    expect(status).toBe(1)
    const layer = report.layers[0]!
    if (layer.kind === 'signed') throw new Error('expected an encryption layer')
    const serial = (await import('node:child_process')).execFileSync('openssl', ['x509', '-in', L.alice!.certPath, '-noout', '-serial']).toString().split('=')[1]!.trim().toLowerCase()
    expect(layer.recipients[0]!.serial).toBe(serial)
    expect(layer.recipients[0]!.issuer).toContain('Cachet Interop Email CA')
    expect(report.text).toBeNull()
  })

  it('no identity at all → not-for-you', async () => {
    const smime = await opensslEncrypt(dir, [L.erin!], textEntity(TEXT), {})
    const { status, report } = await inspect(await save(withHeaders(env(L.bob!, L.erin!), smime)))
    expect(report.verdict.encryption).toBe('not-for-you')
    expect(status).toBe(1)
  })
})

describe('nesting', () => {
  it('signed then encrypted (the usual order) → two layers, encryption first', async () => {
    const signed = await opensslSign(dir, L.alice!, textEntity(TEXT), {})
    const smime = await opensslEncrypt(dir, [L.bob!], signed, { cipher: 'aes-256-gcm' })
    const { status, report } = await inspect(await save(withHeaders(env(L.alice!), smime)), [...trust, ...identityArgs(L.bob!)])
    expect(report.layers.map((l) => l.kind)).toEqual(['auth-enveloped', 'signed'])
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(status).toBe(0)
    expect(report.text).toBe(TEXT)
  })

  it('encrypted then signed → signed outside, enveloped inside; the signature covers the envelope only, so the content is not signed (issue 16)', async () => {
    const enc = await opensslEncrypt(dir, [L.erin!], textEntity(TEXT), {})
    const smime = await opensslSign(dir, L.alice!, enc, {})
    const { report } = await inspect(await save(withHeaders(env(L.alice!, L.erin!), smime)), [...trust, ...identityArgs(L.erin!)])
    expect(report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped'])
    expect(report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    const outer = report.layers[0]!
    expect(outer.kind === 'signed' && outer.signers[0]).toMatchObject({ status: 'valid', coversEnvelopeOnly: true })
    expect(outer.kind === 'signed' && outer.signers[0]!.reasons).toContain('signs the encrypted envelope only')
    expect(report.text).toBe(TEXT)
  })

  it('triple wrap (sign, encrypt, sign) → three layers in order', async () => {
    const s1 = await opensslSign(dir, L.alice!, textEntity(TEXT), { opaque: true })
    const e = await opensslEncrypt(dir, [L.bob!], s1, {})
    const s2 = await opensslSign(dir, L.alice!, e, { md: 'sha384' })
    const innerFile = join(dir, 'triple-inner.eml')
    const { status, report } = await inspect(await save(withHeaders(env(L.alice!), s2)), [...trust, ...identityArgs(L.bob!), '--inner', innerFile])
    expect(report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped', 'signed'])
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(status).toBe(0)
    expect(Buffer.compare(await readFile(innerFile), textEntity(TEXT))).toBe(0)
  })
})

describe('verdicts that are not valid', () => {
  it('tampered signed content → invalid, exit 1', async () => {
    const smime = await opensslSign(dir, L.alice!, textEntity('Pay 100 EUR to Bob.\r\n'), {})
    const eml = withHeaders(env(L.alice!), smime)
    const s = eml.toString('latin1')
    const b64 = Buffer.from('Pay 100 EUR to Bob.\r\n').toString('base64')
    const evil = Buffer.from('Pay 900 EUR to Bob.\r\n').toString('base64')
    expect(s).toContain(b64)
    const { status, report } = await inspect(await save(Buffer.from(s.replace(b64, evil), 'latin1')), trust)
    expect(report.verdict.signature).toBe('invalid')
    expect(status).toBe(1)
  })

  it('tampered opaque signed-data → invalid', async () => {
    const der = await opensslSign(dir, L.erin!, textEntity('Pay 100 EUR to Bob.\r\n'), { opaque: true, der: true })
    const i = der.indexOf(Buffer.from('Content-Type'))
    const bad = Buffer.from(der)
    bad[i + 60] = bad[i + 60]! ^ 1
    const { report } = await inspect(await save(opaqueMessage(env(L.erin!), bad, { smimeType: 'signed-data' })), trust)
    expect(report.verdict.signature).toBe('invalid')
  })

  it('expired signer → expired; valid with --at inside its validity', async () => {
    const smime = await opensslSign(dir, L.old!, textEntity(TEXT), {})
    const file = await save(withHeaders(env(L.old!), smime))
    const now = await inspect(file, trust)
    expect(now.report.verdict.signature).toBe('expired')
    expect(now.status).toBe(1)
    const past = await inspect(file, [...trust, '--at', new Date(Date.now() - 2 * 365 * 86400_000).toISOString()])
    expect(past.report.verdict.signature).toBe('valid')
  })

  it('revoked signer with --crl → revoked', async () => {
    const smime = await opensslSign(dir, L.rev!, textEntity(TEXT), {})
    const { status, report } = await inspect(await save(withHeaders(env(L.rev!), smime)), [...trust, '--crl', pki.crlPath()])
    expect(report.verdict.signature).toBe('revoked')
    expect(report.layers[0]!.kind === 'signed' && report.layers[0]!.signers[0]!.revocation).toBe('revoked')
    expect(status).toBe(1)
  })

  it('not revoked with --crl → valid, revocation good', async () => {
    const smime = await opensslSign(dir, L.erin!, textEntity(TEXT), {})
    const { report } = await inspect(await save(withHeaders(env(L.erin!), smime)), [...trust, '--crl', pki.crlPath()])
    expect(report.verdict.signature).toBe('valid')
    expect(report.layers[0]!.kind === 'signed' && report.layers[0]!.signers[0]!.revocation).toBe('good')
  })

  it('no trust anchor given → untrusted', async () => {
    const smime = await opensslSign(dir, L.alice!, textEntity(TEXT), {})
    const { status, report } = await inspect(await save(withHeaders(env(L.alice!), smime)))
    expect(report.verdict.signature).toBe('untrusted')
    expect(status).toBe(1)
  })

  it('From is someone else → email-mismatch, the signer’s real address still reported', async () => {
    const smime = await opensslSign(dir, L.alice!, textEntity(TEXT), {})
    const { report } = await inspect(await save(withHeaders({ from: 'Alice <ceo@example.test>', to: L.bob!.email, subject: 'x' }, smime)), trust)
    expect(report.verdict.signature).toBe('email-mismatch')
    expect(report.layers[0]!.kind === 'signed' && report.layers[0]!.signers[0]!.email).toBe(L.alice!.email)
  })

  it('two From headers → never valid', async () => {
    const smime = await opensslSign(dir, L.alice!, textEntity(TEXT), {})
    const { report } = await inspect(await save(withHeaders({ ...env(L.alice!), extra: ['From: mallory@example.test'] }, smime)), trust)
    expect(report.verdict.signature).toBe('email-mismatch')
  })

  it('certificate without emailProtection → not-email-cert', async () => {
    const smime = await opensslSign(dir, L.srv!, textEntity(TEXT), {})
    const { status, report } = await inspect(await save(withHeaders(env(L.srv!), smime)), trust)
    expect(report.verdict.signature).toBe('not-email-cert')
    expect(status).toBe(1)
  })

  it('a validly signed part inside an unsigned multipart is not the message’s signature (EFAIL / wrapping)', async () => {
    const signed = await opensslSign(dir, L.alice!, textEntity(TEXT), {})
    const b = 'outer-wrap'
    const eml = Buffer.concat([
      Buffer.from(`From: ${L.alice!.email}\r\nTo: ${L.bob!.email}\r\nSubject: wrapped\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\nContent-Type: text/plain\r\n\r\nAttacker text\r\n--${b}\r\n`),
      Buffer.from(signed.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1'),
      Buffer.from(`\r\n--${b}--\r\n`),
    ])
    const { status, report } = await inspect(await save(eml), trust)
    expect(report.verdict.signature).toBe('none')
    expect(report.layers).toEqual([])
    expect(report.errors.map((e) => e.code)).toContain('embedded-smime')
    expect(status).toBe(0)
  })

  it('OpenSSL test vector with an empty digestAlgorithms set → not valid, no crash', async () => {
    const { status, report } = await inspect(join(TESTDATA, 'openssl-cms', 'pkcs7-empty-digest-set.eml'), trust)
    expect(report.verdict.signature).not.toBe('valid')
    expect(status).toBe(1)
  })

  it('truncated encrypted message → corrupt with an error code, exit 1', async () => {
    const der = await opensslEncrypt(dir, [L.bob!], textEntity(TEXT), { der: true })
    const { status, report } = await inspect(await save(opaqueMessage(env(L.alice!), der.subarray(0, der.length - 40), { smimeType: 'enveloped-data' })), identityArgs(L.bob!))
    expect(['corrupt', 'unsupported']).toContain(report.verdict.encryption)
    expect(report.errors.length).toBeGreaterThan(0)
    expect(status).toBe(1)
  })
})

describe('NSS cmsutil', () => {
  it('RSA detached signature (multipart/signed) → valid', async () => {
    const content = textEntity(TEXT)
    const input = join(dir, 'nss-content.txt')
    await writeFile(input, content)
    const r = await nss.cmsutil(['-S', '-T', '-G', '-P', '-N', L.alice!.nickname, '-H', 'SHA384', '-i', input])
    expect(r.status, r.stderr).toBe(0)
    const { status, report } = await inspect(await save(detachedMessage(env(L.alice!), content, r.stdout, { micalg: 'sha-384' })), trust)
    expect(report.verdict.signature).toBe('valid')
    expect(status).toBe(0)
    expect(report.layers[0]!.kind === 'signed' && report.layers[0]!.signers[0]!.capabilities.length).toBeGreaterThan(0)
  })

  it('ECDSA opaque signature → valid', async () => {
    const input = join(dir, 'nss-opaque.txt')
    await writeFile(input, textEntity(TEXT))
    const r = await nss.cmsutil(['-S', '-G', '-N', L.erin!.nickname, '-H', 'SHA256', '-i', input])
    expect(r.status, r.stderr).toBe(0)
    const { report } = await inspect(await save(opaqueMessage(env(L.erin!), r.stdout, { smimeType: 'signed-data' })), trust)
    expect(report.verdict.signature).toBe('valid')
    expect(report.text).toBe(TEXT)
  })

  it('enveloped to two RSA recipients → each decrypts', async () => {
    const input = join(dir, 'nss-env.txt')
    await writeFile(input, textEntity(TEXT))
    const r = await nss.cmsutil(['-E', '-r', `${L.bob!.email},${L.carol!.email}`, '-i', input])
    expect(r.status, r.stderr).toBe(0)
    const file = await save(opaqueMessage(env(L.alice!), r.stdout, { smimeType: 'enveloped-data' }))
    for (const who of ['bob', 'carol']) {
      const { status, report } = await inspect(file, identityArgs(L[who]!))
      expect(report.verdict.encryption).toBe('decrypted')
      expect(report.text).toBe(TEXT)
      expect(status).toBe(0)
    }
  })

  it('signed then enveloped → valid and decrypted', async () => {
    const input = join(dir, 'nss-se.txt')
    await writeFile(input, textEntity(TEXT))
    const s = await nss.cmsutil(['-S', '-G', '-P', '-N', L.alice!.nickname, '-i', input])
    expect(s.status, s.stderr).toBe(0)
    const signedEntity = opaqueMessage({ from: L.alice!.email, to: L.bob!.email, subject: 'inner' }, s.stdout, { smimeType: 'signed-data' })
    // the inner entity carries only Content-* headers, as clients write it
    const entity = signedEntity.subarray(signedEntity.indexOf('MIME-Version'))
    const input2 = join(dir, 'nss-se2.txt')
    await writeFile(input2, entity)
    const e = await nss.cmsutil(['-E', '-r', L.bob!.email, '-i', input2])
    expect(e.status, e.stderr).toBe(0)
    const { report } = await inspect(await save(opaqueMessage(env(L.alice!), e.stdout, { smimeType: 'enveloped-data' })), [...trust, ...identityArgs(L.bob!)])
    expect(report.layers.map((l) => l.kind)).toEqual(['enveloped', 'signed'])
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
  })
})

describe('gpgsm', () => {
  it('detached signature → valid', async () => {
    const content = textEntity(TEXT)
    const input = join(dir, 'gpgsm-content.txt')
    await writeFile(input, content)
    const r = await gpg.gpgsm(['-u', L.alice!.email, '--detach-sign', '--output', '-', input], L.alice!.password)
    expect(r.status, r.stderr).toBe(0)
    const { status, report } = await inspect(await save(detachedMessage(env(L.alice!), content, r.stdout, { micalg: 'sha-256' })), trust)
    expect(report.verdict.signature).toBe('valid')
    expect(status).toBe(0)
  })

  it('opaque signature → valid', async () => {
    const input = join(dir, 'gpgsm-opaque.txt')
    await writeFile(input, textEntity(TEXT))
    const r = await gpg.gpgsm(['-u', L.alice!.email, '--sign', '--output', '-', input], L.alice!.password)
    expect(r.status, r.stderr).toBe(0)
    const { report } = await inspect(await save(opaqueMessage(env(L.alice!), r.stdout, { smimeType: 'signed-data' })), trust)
    expect(report.verdict.signature).toBe('valid')
    expect(report.text).toBe(TEXT)
  })

  it('encrypted to an RSA recipient → decrypted', async () => {
    const input = join(dir, 'gpgsm-enc.txt')
    await writeFile(input, textEntity(TEXT))
    const r = await gpg.gpgsm(['-r', L.bob!.email, '--encrypt', '--output', '-', input])
    expect(r.status, r.stderr).toBe(0)
    const { status, report } = await inspect(await save(opaqueMessage(env(L.alice!), r.stdout, { smimeType: 'enveloped-data' })), identityArgs(L.bob!))
    expect(report.verdict.encryption).toBe('decrypted')
    expect(report.text).toBe(TEXT)
    expect(status).toBe(0)
  })
})

describe('command contract', () => {
  it('usage error → exit 2', async () => {
    const { cachetSmime } = await import('./harness/cli')
    expect((await cachetSmime(['inspect'])).status).toBe(2)
    expect((await cachetSmime(['inspect', 'x.eml', '--pfx', 'a.pfx'])).status).toBe(2)
    expect((await cachetSmime(['inspect', 'x.eml', '--bogus'])).status).toBe(2)
  })

  it('input that is not a message → exit 2', async () => {
    const p = join(dir, 'garbage.bin')
    await writeFile(p, Buffer.from([0x30, 0x82, 0x01, 0x00, 0xff, 0x00, 0x13]))
    const { cachetSmime } = await import('./harness/cli')
    expect((await cachetSmime(['inspect', p])).status).toBe(2)
  })

  it('runs from another working directory', async () => {
    const smime = await opensslSign(dir, L.alice!, textEntity(TEXT), {})
    const file = await save(withHeaders(env(L.alice!), smime))
    const { cachetSmime } = await import('./harness/cli')
    const r = await cachetSmime(['inspect', file, ...trust], undefined, '/')
    expect(r.status).toBe(0)
  })
})
