// The demo stack's CA (CFSSL, authenticated signing only, with its CRL) and directory
// (OpenLDAP slapd: anonymous reads, only the bridge's DN writes certificates).
import { execFileSync, spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isAlive, portTaken } from '../../../src/mailstack/daemon'
import { startCa } from '../../../src/mailstack/ca'
import { startDirectory } from '../../../src/mailstack/directory'
import { demoAccounts, ensureDemoPki, freePort, startMailstack, type CaHandle, type Mailstack } from '../../../src/mailstack/index'

let dir: string
let work: string
let ms: Mailstack
const ports = { imapPort: 0, smtpPort: 0, lmtpPort: 0, caPort: 0, crlPort: 0, directoryPort: 0 }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-ca-directory-test-'))
  work = mkdtempSync(join(tmpdir(), 'cachet-ca-directory-work-'))
  ms = await startMailstack({ dataDir: dir, ...ports })
  const port = (u: string) => Number(new URL(u).port)
  Object.assign(ports, {
    imapPort: ms.imapPort,
    smtpPort: ms.smtpPort,
    lmtpPort: ms.lmtpPort,
    caPort: port(ms.ca!.url),
    crlPort: port(ms.ca!.crlUrl),
    directoryPort: port(ms.directory!.url),
  })
}, 120_000)
afterAll(async () => {
  await ms?.stop()
  rmSync(dir, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})

// ---------------------------------------------------------------------------------------
// helpers

let n = 0
/** A PKCS#10 request made by OpenSSL (key thrown away). */
function csr(kind: 'rsa' | 'ec', email: string): string {
  const key = join(work, `k${++n}.pem`)
  const alg = kind === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']
  return execFileSync('openssl', ['req', '-new', ...alg, '-nodes', '-keyout', key, '-subj', `/CN=${email}/emailAddress=${email}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

interface CfsslAnswer {
  status: number
  body: { success?: boolean; result?: { certificate?: string } | null; errors?: { message: string }[] }
}

async function post(url: string, body: unknown): Promise<CfsslAnswer> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const text = await res.text()
  let parsed: CfsslAnswer['body'] = {}
  try {
    parsed = JSON.parse(text) as CfsslAnswer['body']
  } catch {}
  return { status: res.status, body: parsed }
}

/** CFSSL authsign: token = base64(HMAC-SHA256(key, requestBytes)). */
function authsign(ca: CaHandle, request: object, key = ca.authKey, macOver?: Buffer): Promise<CfsslAnswer> {
  const bytes = Buffer.from(JSON.stringify(request))
  const token = createHmac('sha256', Buffer.from(key, 'hex'))
    .update(macOver ?? bytes)
    .digest('base64')
  return post(`${ca.url}/api/v1/cfssl/authsign`, { token, request: bytes.toString('base64') })
}

function x509(pem: string, ...args: string[]): string {
  return execFileSync('openssl', ['x509', '-noout', ...args], { input: pem, encoding: 'utf8' })
}

/** The value lines that follow an extension's name in `openssl x509 -text`. */
function extension(text: string, name: string): string | null {
  const lines = text.split('\n')
  const i = lines.findIndex((l) => l.trim().startsWith(`${name}:`))
  if (i < 0) return null
  const out: string[] = []
  for (const l of lines.slice(i + 1)) {
    if (!/^ {16}/.test(l)) break
    out.push(l.trim())
  }
  return out.join(' ').trim()
}

const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64')
const derToPem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`

function ldapsearch(url: string, filter: string, attrs: string[], bind?: { dn: string; password: string }) {
  const auth = bind ? ['-D', bind.dn, '-w', bind.password] : []
  return spawnSync('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', url, ...auth, '-b', 'dc=example,dc=com', filter, ...attrs], {
    encoding: 'utf8',
  })
}

/** The DER certificates ldapsearch returns for an address. */
function publishedCertificates(url: string, email: string): Buffer[] {
  const r = ldapsearch(url, `(mail=${email})`, ['userCertificate'])
  expect(r.status, r.stderr).toBe(0)
  return [...r.stdout.matchAll(/^userCertificate;binary:: (\S+)$/gm)].map((m) => Buffer.from(m[1]!, 'base64'))
}

function ldapmodify(url: string, ldif: string, bind?: { dn: string; password: string }) {
  const auth = bind ? ['-D', bind.dn, '-w', bind.password] : []
  return spawnSync('ldapmodify', ['-x', '-H', url, ...auth], { input: ldif, encoding: 'utf8' })
}

const addCertificate = (uid: string, der: Buffer) =>
  [`dn: uid=${uid},ou=people,dc=example,dc=com`, 'changetype: modify', 'add: userCertificate;binary', `userCertificate;binary:: ${der.toString('base64')}`, ''].join('\n')

const demoCertDer = (name: string) => pemToDer(readFileSync(join(dir, 'demo-pki', `${name}.pem`), 'utf8'))

// ---------------------------------------------------------------------------------------

describe('the CA (CFSSL)', () => {
  it('issues a strict-mailbox S/MIME certificate (RSA) through authsign', async () => {
    const ca = ms.ca!
    expect(ca.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(ca.profiles).toEqual({ rsa: 'smime-rsa', ec: 'smime-ec' })
    const res = await authsign(ca, { certificate_request: csr('rsa', 'dave@example.com'), hosts: ['dave@example.com'], profile: ca.profiles.rsa })
    expect(res.status, JSON.stringify(res.body.errors)).toBe(200)
    const pem = res.body.result!.certificate!
    const text = x509(pem, '-text')
    expect(x509(pem, '-issuer')).toMatch(/CN ?= ?Cachet Demo CA/)
    expect(extension(text, 'X509v3 Extended Key Usage')).toBe('E-mail Protection')
    expect(extension(text, 'X509v3 Key Usage')).toBe('Digital Signature, Key Encipherment')
    expect(extension(text, 'X509v3 Basic Constraints')).toBe('CA:FALSE')
    expect(extension(text, 'X509v3 Subject Alternative Name')).toBe('email:dave@example.com')
    expect(extension(text, 'X509v3 CRL Distribution Points')).toBe(`Full Name: URI:${ca.crlUrl}`)
    expect(text).toContain('X509v3 Subject Key Identifier')
    expect(text).toContain('X509v3 Authority Key Identifier')
    const dates = x509(pem, '-startdate', '-enddate')
    const notBefore = Date.parse(/notBefore=(.*)/.exec(dates)![1]!)
    const notAfter = Date.parse(/notAfter=(.*)/.exec(dates)![1]!)
    expect((notAfter - notBefore) / 86_400_000).toBeLessThanOrEqual(825)
    expect(notAfter).toBeGreaterThan(Date.now())
    // The demo CA's chain holds for S/MIME signing and encryption.
    const certFile = join(work, 'dave-rsa.pem')
    writeFileSync(certFile, pem)
    for (const purpose of ['smimesign', 'smimeencrypt']) {
      execFileSync('openssl', ['verify', '-CAfile', ms.pki!.caCert, '-purpose', purpose, certFile], { stdio: 'pipe' })
    }
  })

  it('issues EC certificates with keyAgreement (profile smime-ec)', async () => {
    const ca = ms.ca!
    const res = await authsign(ca, { certificate_request: csr('ec', 'carol@example.com'), hosts: ['carol@example.com'], profile: ca.profiles.ec })
    expect(res.status, JSON.stringify(res.body.errors)).toBe(200)
    const text = x509(res.body.result!.certificate!, '-text')
    expect(text).toContain('id-ecPublicKey')
    expect(extension(text, 'X509v3 Key Usage')).toBe('Digital Signature, Key Agreement')
    expect(extension(text, 'X509v3 Extended Key Usage')).toBe('E-mail Protection')
    expect(extension(text, 'X509v3 Subject Alternative Name')).toBe('email:carol@example.com')
  })

  it('refuses a wrong token, a token over other bytes, and a request for a CA certificate', async () => {
    const ca = ms.ca!
    const request = { certificate_request: csr('rsa', 'eve@example.com'), hosts: ['eve@example.com'], profile: ca.profiles.rsa }
    const wrongKey = await authsign(ca, request, 'ab'.repeat(32))
    expect(wrongKey.status).toBe(400)
    expect(wrongKey.body.success).toBe(false)
    expect(wrongKey.body.result?.certificate).toBeUndefined()
    expect(JSON.stringify(wrongKey.body.errors)).toContain('invalid token')
    const otherBytes = await authsign(ca, request, ca.authKey, Buffer.from(JSON.stringify({ ...request, hosts: ['bob@example.com'] })))
    expect(otherBytes.status).toBe(400)
    expect(otherBytes.body.result?.certificate).toBeUndefined()
    // A request for a CA certificate (basicConstraints CA:TRUE) is a policy violation.
    const caKey = join(work, 'ca-req.key')
    const caCsr = execFileSync(
      'openssl',
      ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-subj', '/CN=evil CA', '-addext', 'basicConstraints=critical,CA:TRUE'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const asCa = await authsign(ca, { certificate_request: caCsr, hosts: ['eve@example.com'], profile: ca.profiles.rsa })
    expect(asCa.body.result?.certificate).toBeUndefined()
  })

  it('issues nothing without authentication: /sign and /newcert are not served', async () => {
    const ca = ms.ca!
    const sign = await post(`${ca.url}/api/v1/cfssl/sign`, { certificate_request: csr('rsa', 'eve@example.com'), hosts: ['eve@example.com'] })
    expect(sign.status).toBe(404)
    expect(sign.body.result?.certificate).toBeUndefined()
    for (const profile of [undefined, ca.profiles.rsa]) {
      const newcert = await post(`${ca.url}/api/v1/cfssl/newcert`, {
        request: { CN: 'eve@example.com', hosts: ['eve@example.com'], key: { algo: 'ecdsa', size: 256 } },
        ...(profile ? { profile } : {}),
      })
      expect(newcert.status).toBe(404)
      expect(newcert.body.result?.certificate).toBeUndefined()
    }
    // info (the CA certificate) is public.
    const info = await post(`${ca.url}/api/v1/cfssl/info`, {})
    expect(info.status).toBe(200)
    expect(pemToDer(info.body.result!.certificate!)).toEqual(pemToDer(readFileSync(ms.pki!.caCert, 'utf8')))
  })

  it('keeps its auth key in <dir>/ca-auth.key, readable by its owner only', () => {
    const file = join(ms.pki!.dir, 'ca-auth.key')
    expect(readFileSync(file, 'utf8').trim()).toBe(ms.ca!.authKey)
    expect(ms.ca!.authKey).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('publishes a DER CRL, signed by the CA, valid for 30 days', async () => {
    const res = await fetch(ms.ca!.crlUrl)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pkix-crl')
    const der = Buffer.from(await res.arrayBuffer())
    expect(der[0]).toBe(0x30)
    const file = join(work, 'ca.crl')
    writeFileSync(file, der)
    const verify = spawnSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-CAfile', ms.pki!.caCert, '-noout'], { encoding: 'utf8' })
    expect(verify.status, verify.stderr).toBe(0)
    expect(verify.stderr).toContain('verify OK')
    const dates = execFileSync('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout', '-lastupdate', '-nextupdate'], { encoding: 'utf8' })
    const last = Date.parse(/lastUpdate=(.*)/.exec(dates)![1]!)
    const next = Date.parse(/nextUpdate=(.*)/.exec(dates)![1]!)
    expect((next - last) / 86_400_000).toBe(30)
    expect((await fetch(ms.ca!.crlUrl.replace('cachet-demo-ca.crl', 'other.crl'))).status).toBe(404)
  })
})

describe('the directory (slapd)', () => {
  it('publishes every account with its demo certificate, readable anonymously', () => {
    const d = ms.directory!
    expect(d.url).toMatch(/^ldap:\/\/127\.0\.0\.1:\d+$/)
    expect(d.base).toBe('dc=example,dc=com')
    for (const name of ['alice', 'bob', 'carol', 'dave']) {
      expect(publishedCertificates(d.url, `${name}@example.com`)).toEqual([demoCertDer(name)])
    }
    const alice = ldapsearch(d.url, '(mail=alice@example.com)', ['uid', 'cn', 'sn', 'mail'])
    expect(alice.stdout).toContain('dn: uid=alice,ou=people,dc=example,dc=com')
    expect(alice.stdout).toMatch(/^cn: Alice$/m)
    expect(alice.stdout).toMatch(/^uid: alice$/m)
    expect(alice.stdout).toMatch(/^mail: alice@example.com$/m)
    // Nothing about the bridge's entry, and no password, is readable.
    const all = ldapsearch(d.url, '(objectClass=*)', ['*'])
    expect(all.status, all.stderr).toBe(0)
    expect(all.stdout).not.toContain('cachet-bridge')
    expect(all.stdout).not.toMatch(/userPassword/i)
    expect(ldapsearch(d.url, '(userPassword=*)', ['dn']).stdout.trim()).toBe('')
  })

  it('keeps the bridge password in <dir>/bridge.secret (0600) and lets only the bridge write userCertificate', async () => {
    const d = ms.directory!
    const secretFile = join(dir, 'directory', 'bridge.secret')
    expect(readFileSync(secretFile, 'utf8')).toBe(d.bindPassword)
    expect(statSync(secretFile).mode & 0o777).toBe(0o600)
    expect(d.bindDn).toBe('cn=cachet-bridge,dc=example,dc=com')

    // Alice enrols: the CA signs her request, the bridge publishes the result.
    const res = await authsign(ms.ca!, { certificate_request: csr('ec', 'alice@example.com'), hosts: ['alice@example.com'], profile: ms.ca!.profiles.ec })
    expect(res.status).toBe(200)
    const enrolled = pemToDer(res.body.result!.certificate!)

    const anonymous = ldapmodify(d.url, addCertificate('alice', enrolled))
    expect(anonymous.status).not.toBe(0)
    expect(anonymous.stderr).toMatch(/Strong\(er\) authentication required|Insufficient access/)
    const wrongPassword = ldapmodify(d.url, addCertificate('alice', enrolled), { dn: d.bindDn, password: 'not-the-password' })
    expect(wrongPassword.status).toBe(49)
    expect(publishedCertificates(d.url, 'alice@example.com')).toEqual([demoCertDer('alice')])

    const bridge = { dn: d.bindDn, password: d.bindPassword }
    const published = ldapmodify(d.url, addCertificate('alice', enrolled), bridge)
    expect(published.status, published.stderr).toBe(0)
    expect(publishedCertificates(d.url, 'alice@example.com')).toEqual([demoCertDer('alice'), enrolled])
    expect(derToPem(enrolled)).toContain('BEGIN CERTIFICATE')

    // The bridge writes certificates only: not addresses, not new entries.
    const mail = ldapmodify(d.url, ['dn: uid=alice,ou=people,dc=example,dc=com', 'changetype: modify', 'replace: mail', 'mail: mallory@example.com', ''].join('\n'), bridge)
    expect(mail.status).toBe(50)
    const entry = ldapmodify(
      d.url,
      ['dn: uid=mallory,ou=people,dc=example,dc=com', 'changetype: add', 'objectClass: inetOrgPerson', 'uid: mallory', 'cn: M', 'sn: M', 'mail: mallory@example.com', ''].join('\n'),
      bridge,
    )
    expect(entry.status).toBe(50)
    expect(ldapsearch(d.url, '(mail=mallory@example.com)', ['dn']).stdout.trim()).toBe('')
  })
})

describe('restarts', () => {
  it('keep published certificates, the auth key and the bridge password, and add new accounts', async () => {
    const before = { authKey: ms.ca!.authKey, bindPassword: ms.directory!.bindPassword, alice: publishedCertificates(ms.directory!.url, 'alice@example.com') }
    expect(before.alice).toHaveLength(2)
    await ms.stop()
    expect(await portTaken(ports.directoryPort)).toBe(false)
    expect(await portTaken(ports.caPort)).toBe(false)
    expect(await portTaken(ports.crlPort)).toBe(false)

    ms = await startMailstack({ dataDir: dir, ...ports, accounts: [...demoAccounts(), { email: 'erin@example.com', password: 'demo' }] })
    expect(ms.ca!.authKey).toBe(before.authKey)
    expect(ms.directory!.bindPassword).toBe(before.bindPassword)
    const d = ms.directory!
    expect(publishedCertificates(d.url, 'alice@example.com')).toEqual(before.alice)
    expect(publishedCertificates(d.url, 'bob@example.com')).toEqual([demoCertDer('bob')])
    expect(publishedCertificates(d.url, 'erin@example.com')).toEqual([demoCertDer('erin')])
    // The bridge still binds with the same password.
    const who = spawnSync('ldapwhoami', ['-x', '-H', d.url, '-D', d.bindDn, '-w', d.bindPassword], { encoding: 'utf8' })
    expect(who.status, who.stderr).toBe(0)
    expect(who.stdout.trim()).toBe(`dn:${d.bindDn}`)
  })

  it('stop a CA and a slapd left running by an earlier start of the same folder, and refuse a taken port', async () => {
    const base = mkdtempSync(join(work, 'stale-'))
    const pki = ensureDemoPki(join(base, 'demo-pki'), ['frank@example.com'])
    const entries = [{ email: 'frank@example.com', name: 'Frank', certificatesDer: [pemToDer(readFileSync(pki.accounts[0]!.certPem, 'utf8'))] }]
    const first = {
      ca: await startCa({ dir: pki.dir, port: await freePort(), crlPort: await freePort() }),
      directory: await startDirectory({ dir: join(base, 'directory'), port: await freePort(), entries }),
    }
    const pids = {
      ca: Number(readFileSync(join(pki.dir, 'cfssl.pid'), 'utf8')),
      directory: Number(readFileSync(join(base, 'directory', 'run', 'slapd.pid'), 'utf8')),
    }
    expect(isAlive(pids.ca) && isAlive(pids.directory)).toBe(true)
    // Same folders again (as after a hard kill of the process that started the first ones).
    const second = {
      ca: await startCa({ dir: pki.dir, port: await freePort(), crlPort: await freePort() }),
      directory: await startDirectory({ dir: join(base, 'directory'), port: await freePort(), entries }),
    }
    try {
      expect(isAlive(pids.ca)).toBe(false)
      expect(isAlive(pids.directory)).toBe(false)
      expect(second.ca.authKey).toBe(first.ca.authKey)
      expect(publishedCertificates(second.directory.url, 'frank@example.com')).toEqual(entries[0]!.certificatesDer)
      const res = await authsign(second.ca, { certificate_request: csr('rsa', 'frank@example.com'), hosts: ['frank@example.com'], profile: 'smime-rsa' })
      expect(res.status).toBe(200)
      // A port something else holds is refused with a clear error (other folders: a start
      // in the same folder would first stop the servers running there).
      const taken = Number(new URL(ms.directory!.url).port)
      await expect(startDirectory({ dir: join(base, 'directory-2'), port: taken, entries })).rejects.toThrow(/already in use/)
      const pki2 = ensureDemoPki(join(base, 'demo-pki-2'), [])
      await expect(startCa({ dir: pki2.dir, port: Number(new URL(ms.ca!.url).port), crlPort: await freePort() })).rejects.toThrow(/already in use/)
      await expect(startCa({ dir: pki2.dir, port: await freePort(), crlPort: Number(new URL(ms.ca!.crlUrl).port) })).rejects.toThrow(/already in use/)
      expect(publishedCertificates(second.directory.url, 'frank@example.com')).toHaveLength(1)
    } finally {
      await first.ca.stop()
      await first.directory.stop()
      await second.ca.stop()
      await second.directory.stop()
    }
  })
})
