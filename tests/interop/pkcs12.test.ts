/**
 * PKCS#12 interop: files made on the fly by OpenSSL 3 (`openssl pkcs12 -export` in
 * every mode it offers, `openssl pkcs8 -topk8` for the PBES2 PRFs) and NSS
 * (`pk12util -o`), read by readPfx; and writePfx output read back by OpenSSL and NSS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { readEncryptedPkcs8, readPfx, requireIdentity, writePfx } from '../../src/core/pkcs12'
import { isCoreError } from '../../src/core/errors'
import { pemBlocks } from '../../src/core/util/base64'

const crypto = globalThis.crypto
let dir = ''
const run = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], input })
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)))
const certDer = (name: string) => pemBlocks(readFileSync(join(dir, name), 'utf8'), 'CERTIFICATE')[0]!.der

function spkiOfKey(pkcs8: Uint8Array): Buffer {
  return createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' })
}
function spkiOfCert(der: Uint8Array): Buffer {
  return new X509Certificate(Buffer.from(der)).publicKey.export({ type: 'spki', format: 'der' })
}

/** Sign with the key we read (WebCrypto) and verify with the certificate (Node): the pair really matches. */
async function signsForCert(pkcs8: Uint8Array, cert: Uint8Array, kind: 'rsa' | 'ec'): Promise<boolean> {
  const alg = kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' }
  const key = await crypto.subtle.importKey('pkcs8', pkcs8.slice(), alg, false, ['sign'])
  const msg = new TextEncoder().encode('cachet pkcs12 interop')
  const sig = new Uint8Array(await crypto.subtle.sign({ ...alg, hash: 'SHA-256' }, key, msg))
  const pub = await crypto.subtle.importKey('spki', new Uint8Array(spkiOfCert(cert)), alg, false, ['verify'])
  return crypto.subtle.verify({ ...alg, hash: 'SHA-256' }, pub, sig, msg)
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return isCoreError(e) ? e.code : String(e)
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-p12-'))
  writeFileSync(join(dir, 'ca.ext'), 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n')
  writeFileSync(join(dir, 'ee.ext'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectAltName=email:alice@example.test\n')
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '30', '-subj', '/CN=Cachet Test Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'int.key', '-out', 'int.csr', '-subj', '/CN=Cachet Test Intermediate'])
  run('openssl', ['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '30', '-extfile', 'ca.ext', '-out', 'int.pem'])
  run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.csr', '-subj', '/CN=Alice RSA/emailAddress=alice@example.test'])
  run('openssl', ['x509', '-req', '-in', 'rsa.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '30', '-extfile', 'ee.ext', '-out', 'rsa.pem'])
  run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ec.key', '-out', 'ec.csr', '-subj', '/CN=Alice EC'])
  run('openssl', ['x509', '-req', '-in', 'ec.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '30', '-extfile', 'ee.ext', '-out', 'ec.pem'])
  // chain file deliberately root first: readPfx must order the chain itself
  writeFileSync(join(dir, 'chain.pem'), readFileSync(join(dir, 'root.pem'), 'utf8') + readFileSync(join(dir, 'int.pem'), 'utf8'))
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function exportP12(name: string, kind: 'rsa' | 'ec', pw: string, extra: string[]): Uint8Array {
  run('openssl', ['pkcs12', '-export', '-inkey', `${kind}.key`, '-in', `${kind}.pem`, '-certfile', 'chain.pem', '-name', `alice-${kind}`, '-passout', `pass:${pw}`, '-out', name, ...extra])
  return file(name)
}

async function expectIdentity(der: Uint8Array, pw: string | null, kind: 'rsa' | 'ec'): Promise<string[]> {
  const r = await readPfx(der, pw, crypto)
  const id = requireIdentity(r)
  expect(r.identities).toHaveLength(1)
  expect(Buffer.from(id.certificate).equals(Buffer.from(certDer(`${kind}.pem`)))).toBe(true)
  expect(spkiOfKey(id.privateKey).equals(spkiOfCert(id.certificate))).toBe(true)
  expect(await signsForCert(id.privateKey, id.certificate, kind)).toBe(true)
  expect(id.chain.map((c) => Buffer.from(c).toString('hex'))).toEqual([certDer('int.pem'), certDer('root.pem')].map((c) => Buffer.from(c).toString('hex')))
  expect(r.certificates).toHaveLength(3)
  return r.algorithms
}

describe('OpenSSL 3 `openssl pkcs12 -export` files', () => {
  const variants: [string, 'rsa' | 'ec', string[], string[]][] = [
    ['default (PBES2 AES-256, SHA-256 MAC)', 'rsa', [], ['MAC HMAC-SHA256', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    ['default, EC P-256 key', 'ec', [], ['MAC HMAC-SHA256', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    ['-legacy (RC2-40 certs, 3DES key, SHA-1 MAC)', 'rsa', ['-legacy'], ['MAC HMAC-SHA1', 'pbeWithSHAAnd40BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC']],
    ['-legacy, EC key', 'ec', ['-legacy'], ['MAC HMAC-SHA1', 'pbeWithSHAAnd40BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC']],
    ['-keypbe/-certpbe PBE-SHA1-3DES', 'rsa', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES'], ['MAC HMAC-SHA256', 'pbeWithSHAAnd3-KeyTripleDES-CBC']],
    ['-legacy -certpbe PBE-SHA1-RC2-128', 'rsa', ['-legacy', '-certpbe', 'PBE-SHA1-RC2-128'], ['MAC HMAC-SHA1', 'pbeWithSHAAnd128BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC']],
    ['-legacy -keypbe PBE-SHA1-2DES -certpbe PBE-SHA1-RC4-128', 'rsa', ['-legacy', '-keypbe', 'PBE-SHA1-2DES', '-certpbe', 'PBE-SHA1-RC4-128'], ['MAC HMAC-SHA1', 'pbeWithSHAAnd128BitRC4', 'pbeWithSHAAnd2-KeyTripleDES-CBC']],
    ['-macalg sha512', 'rsa', ['-macalg', 'sha512'], ['MAC HMAC-SHA512', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    ['-keypbe NONE -certpbe NONE (unencrypted safes)', 'rsa', ['-keypbe', 'NONE', '-certpbe', 'NONE'], ['MAC HMAC-SHA256', 'unencrypted certificates', 'unencrypted private key']],
    ['-keypbe AES-256-CBC -certpbe AES-128-CBC -macalg sha512', 'ec', ['-keypbe', 'AES-256-CBC', '-certpbe', 'AES-128-CBC', '-macalg', 'sha512'], ['MAC HMAC-SHA512', 'PBES2 PBKDF2-HMAC-SHA256 AES-128-CBC', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    ['-keypbe DES-EDE3-CBC (PBES2 with 3DES)', 'rsa', ['-keypbe', 'DES-EDE3-CBC', '-certpbe', 'DES-EDE3-CBC'], ['MAC HMAC-SHA256', 'PBES2 PBKDF2-HMAC-SHA256 DES-EDE3-CBC']],
    ['-descert', 'rsa', ['-descert'], ['MAC HMAC-SHA256', 'pbeWithSHAAnd3-KeyTripleDES-CBC', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    // OpenSSL leaves the certificates unencrypted when there is no MAC; the key alone proves the password
    ['-nomac', 'rsa', ['-nomac'], ['unencrypted certificates', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    ['-legacy -nomac', 'rsa', ['-legacy', '-nomac'], ['unencrypted certificates', 'pbeWithSHAAnd3-KeyTripleDES-CBC']],
  ]
  it.each(variants)('%s: key, certificate and chain are read and match', async (_label, kind, extra, algs) => {
    const der = exportP12(`v${variants.findIndex((v) => v[0] === _label)}.p12`, kind, 'S3cret pw', extra)
    expect(await expectIdentity(der, 'S3cret pw', kind)).toEqual(algs)
    expect(await code(readPfx(der, 'wrong', crypto))).toBe('wrong-password')
  })

  it('reads an export with the empty password given as "" and as absent', async () => {
    const der = exportP12('empty.p12', 'rsa', '', ['-legacy'])
    await expectIdentity(der, '', 'rsa')
    await expectIdentity(der, null, 'rsa')
  })

  it('reads a non-ASCII password', async () => {
    const der = exportP12('utf8.p12', 'ec', 'päss wörd ✓', [])
    await expectIdentity(der, 'päss wörd ✓', 'ec')
  })

  it('returns certificates and no identity for a certificates-only file', async () => {
    run('openssl', ['pkcs12', '-export', '-nokeys', '-in', 'rsa.pem', '-certfile', 'chain.pem', '-passout', 'pass:pw', '-out', 'certs.p12'])
    const r = await readPfx(file('certs.p12'), 'pw', crypto)
    expect(r.identities).toEqual([])
    expect(r.certificates).toHaveLength(3)
    expect(() => requireIdentity(r)).toThrow(expect.objectContaining({ code: 'no-private-key' }))
  })
})

describe('OpenSSL `pkcs8 -topk8` encrypted keys (PBES2 PRFs and ciphers OpenSSL pkcs12 cannot choose)', () => {
  const cases: [string, string[]][] = [
    ['hmacWithSHA512 + AES-256-CBC', ['-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512']],
    ['hmacWithSHA1 + AES-128-CBC', ['-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1']],
    ['hmacWithSHA384 + AES-192-CBC', ['-v2', 'aes-192-cbc', '-v2prf', 'hmacWithSHA384']],
    ['hmacWithSHA224 + DES-EDE3-CBC', ['-v2', 'des3', '-v2prf', 'hmacWithSHA224']],
    ['PKCS#12 PBE-SHA1-3DES', ['-v1', 'PBE-SHA1-3DES']],
    ['PBES2 RC2-CBC (legacy provider)', ['-v2', 'rc2-cbc', '-provider', 'legacy', '-provider', 'default']],
    ['PBES2 DES-CBC (legacy provider)', ['-v2', 'des-cbc', '-provider', 'legacy', '-provider', 'default']],
    ['PBES1 PBE-MD5-DES (legacy provider)', ['-v1', 'PBE-MD5-DES', '-provider', 'legacy', '-provider', 'default']],
    ['PBES1 PBE-SHA1-RC2-64 (legacy provider)', ['-v1', 'PBE-SHA1-RC2-64', '-provider', 'legacy', '-provider', 'default']],
  ]
  it.each(cases)('%s decrypts to the original key', async (_label, args) => {
    run('openssl', ['pkcs8', '-topk8', '-in', 'rsa.key', '-outform', 'DER', '-out', 'k.p8', '-passout', 'pass:pw8', ...args])
    const key = await readEncryptedPkcs8(file('k.p8'), 'pw8', crypto)
    expect(spkiOfKey(key).equals(spkiOfCert(certDer('rsa.pem')))).toBe(true)
    expect(await code(readEncryptedPkcs8(file('k.p8'), 'pw9', crypto))).toBe('wrong-password')
  })
})

describe('NSS pk12util', () => {
  function nssDb(name: string): string {
    run('mkdir', ['-p', name])
    run('certutil', ['-N', '-d', `sql:${name}`, '--empty-password'])
    return `sql:${name}`
  }
  const variants: [string, string[]][] = [
    ['default', []],
    ['-c AES-256-CBC -C AES-128-CBC -M SHA-512', ['-c', 'AES-256-CBC', '-C', 'AES-128-CBC', '-M', 'SHA-512']],
    ['-c 3DES -C RC2-40 -M SHA-1 (legacy PBE)', ['-c', 'PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC', '-C', 'PKCS #12 V2 PBE With SHA-1 And 40 Bit RC2 CBC', '-M', 'SHA-1']],
    ['-c DES-EDE3-CBC -C RC2-128', ['-c', 'DES-EDE3-CBC', '-C', 'PKCS #12 V2 PBE With SHA-1 And 128 Bit RC2 CBC']],
  ]
  it.each(variants)('pk12util -o %s: key, certificate and chain are read', async (label, extra) => {
    const db = nssDb(`nss${variants.findIndex((v) => v[0] === label)}`)
    const src = exportP12('for-nss.p12', 'rsa', 'pw', [])
    expect(src.length).toBeGreaterThan(0)
    run('pk12util', ['-i', 'for-nss.p12', '-d', db, '-W', 'pw'])
    run('pk12util', ['-o', 'nss.p12', '-n', 'alice-rsa', '-d', db, '-W', 'nsspw', ...extra])
    const algs = await expectIdentity(file('nss.p12'), 'nsspw', 'rsa')
    expect(algs.length).toBeGreaterThan(0)
    expect(await code(readPfx(file('nss.p12'), 'other', crypto))).toBe('wrong-password')
    console.log(`pk12util ${label}: ${algs.join(', ')}`)
  })
})

describe('writePfx output read by OpenSSL and NSS', () => {
  it.each(['rsa', 'ec'] as const)('%s identity round-trips through openssl pkcs12 and pk12util', async (kind) => {
    const src = await readPfx(exportP12(`rt-${kind}.p12`, kind, 'x', ['-legacy']), 'x', crypto)
    const id = requireIdentity(src)
    const out = await writePfx(id, 'new pässword', crypto, { friendlyName: 'Alice backup', iterations: 10_000 })
    writeFileSync(join(dir, `ours-${kind}.p12`), out)
    const info = run('openssl', ['pkcs12', '-in', `ours-${kind}.p12`, '-info', '-nokeys', '-passin', 'pass:new pässword']).toString() + ''
    expect(info).toContain('Alice backup')
    const pem = run('openssl', ['pkcs12', '-in', `ours-${kind}.p12`, '-nodes', '-nocerts', '-passin', 'pass:new pässword']).toString()
    const keyPem = pem.slice(pem.indexOf('-----BEGIN PRIVATE KEY-----'))
    const fromOpenssl = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' })
    expect(fromOpenssl.equals(spkiOfCert(id.certificate))).toBe(true)
    if (kind === 'rsa') {
      const mod = (s: string) => s.trim()
      writeFileSync(join(dir, 'k.pem'), keyPem)
      expect(mod(run('openssl', ['rsa', '-in', 'k.pem', '-noout', '-modulus']).toString())).toBe(mod(run('openssl', ['x509', '-in', 'rsa.pem', '-noout', '-modulus']).toString()))
    }
    const certs = run('openssl', ['pkcs12', '-in', `ours-${kind}.p12`, '-nokeys', '-passin', 'pass:new pässword']).toString()
    expect(pemBlocks(certs, 'CERTIFICATE')).toHaveLength(3)
    // and back through our reader, chain intact
    await expectIdentity(out, 'new pässword', kind)
    // NSS imports it too
    run('mkdir', ['-p', `nss-rt-${kind}`])
    run('certutil', ['-N', '-d', `sql:nss-rt-${kind}`, '--empty-password'])
    run('pk12util', ['-i', `ours-${kind}.p12`, '-d', `sql:nss-rt-${kind}`, '-W', 'new pässword'])
    expect(run('certutil', ['-K', '-d', `sql:nss-rt-${kind}`]).toString()).toMatch(/Alice backup|alice/i)
  })
})

describe('cachet-smime pfx-info', () => {
  async function pfxInfoRun(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const { pfxInfo } = await import('../../src/cli/commands/pfx-info')
    let out = ''
    let err = ''
    const io = { readFile: async (p: string) => new Uint8Array(readFileSync(join(dir, p))), stdout: (s: string) => void (out += s), stderr: (s: string) => void (err += s) }
    const code = await pfxInfo(args, io, crypto)
    return { code, out, err }
  }

  it('prints the identity, key, chain nearest first and algorithms of an OpenSSL -legacy file', async () => {
    exportP12('info.p12', 'rsa', 'pw', ['-legacy'])
    const r = await pfxInfoRun(['info.p12', '--password', 'pw'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.subject).toContain('CN=Alice RSA')
    expect(j.email).toBe('alice@example.test')
    expect(j.issuer).toContain('Cachet Test Intermediate')
    expect(j.keyAlgorithm).toBe('RSA')
    expect(j.keySize).toBe(2048)
    expect(j.friendlyName).toBe('alice-rsa')
    expect(j.chain.map((c: { subject: string }) => c.subject)).toEqual(['CN=Cachet Test Intermediate', 'CN=Cachet Test Root'])
    expect(j.algorithms).toEqual(['MAC HMAC-SHA1', 'pbeWithSHAAnd40BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC'])
    const serial = run('openssl', ['x509', '-in', 'rsa.pem', '-noout', '-serial']).toString().trim().split('=')[1]!.toLowerCase()
    expect(j.serial.replace(/^0+/, '')).toBe(serial.replace(/^0+/, ''))
  })

  it('names the curve of an EC key', async () => {
    exportP12('info-ec.p12', 'ec', 'pw', [])
    const j = JSON.parse((await pfxInfoRun(['info-ec.p12', '--password', 'pw'])).out)
    expect(j.keyAlgorithm).toBe('EC')
    expect(j.curve).toBe('P-256')
  })

  it('exits 2 with a wrong-password error, a not-pkcs12 error, a missing file and no FILE', async () => {
    const wrong = await pfxInfoRun(['info.p12', '--password', 'nope'])
    expect(wrong.code).toBe(2)
    expect(JSON.parse(wrong.out).errors[0].code).toBe('wrong-password')
    expect(wrong.err).toMatch(/password/)
    const notP12 = await pfxInfoRun(['rsa.pem', '--password', 'x'])
    expect(notP12.code).toBe(2)
    expect(JSON.parse(notP12.out).errors[0].code).toBe('not-pkcs12')
    expect((await pfxInfoRun(['missing.p12', '--password', 'x'])).code).toBe(2)
    expect((await pfxInfoRun([])).code).toBe(2)
    expect((await pfxInfoRun(['info.p12', '--bogus'])).code).toBe(2)
  })

  it('exits 1 for a certificates-only file, listing the certificates', async () => {
    run('openssl', ['pkcs12', '-export', '-nokeys', '-in', 'rsa.pem', '-certfile', 'chain.pem', '-passout', 'pass:pw', '-out', 'certs-only.p12'])
    const r = await pfxInfoRun(['certs-only.p12', '--password', 'pw'])
    expect(r.code).toBe(1)
    const j = JSON.parse(r.out)
    expect(j.errors[0].code).toBe('no-private-key')
    expect(j.chain).toHaveLength(3)
  })
})
