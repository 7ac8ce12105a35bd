/**
 * Issue #9, enrolment: the bridge as registration authority of the demo CA. Requests made
 * with OpenSSL go through POST /api/certificates/enrol to the mail stack's real CFSSL
 * (multirootca, authsign) and the issued certificates are published in its real slapd.
 */
import { execFileSync } from 'node:child_process'
import { createPublicKey, X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client as LdapClient } from 'ldapts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig, type BridgeConfig } from '../../../src/bridge/config'
import { CfsslClient } from '../../../src/bridge/enrol/cfssl'
import { readCsr } from '../../../src/bridge/enrol/csr'
import { EnrolLimits } from '../../../src/bridge/enrol/limit'
import { freePort } from '../../../src/mailstack/index'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let bob: Client
let work: string
let caDer: Buffer

const derOfPem = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64')
const enrol = (c: Client, csr: unknown) => c.post('/api/certificates/enrol', { csr })

type KeyKind = 'rsa' | 'ec' | 'rsa1024' | 'ed25519'
const KEY_ARGS: Record<KeyKind, string[]> = {
  rsa: ['-newkey', 'rsa:2048'],
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  rsa1024: ['-newkey', 'rsa:1024'],
  ed25519: ['-newkey', 'ed25519'],
}
let serial = 0

/** A fresh key and a PKCS#10 request made by OpenSSL; `san` as for -addext subjectAltName=…. */
export function opensslCsr(o: { key?: KeyKind; subj: string; san?: string; args?: string[] }): { pem: string; keyPem: string } {
  const n = serial++
  const key = join(work, `${n}.key`)
  const out = join(work, `${n}.csr`)
  execFileSync(
    'openssl',
    ['req', '-new', ...KEY_ARGS[o.key ?? 'rsa'], '-nodes', '-keyout', key, '-out', out, '-subj', o.subj, ...(o.san ? ['-addext', `subjectAltName=${o.san}`] : []), ...(o.args ?? [])],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  )
  return { pem: readFileSync(out, 'utf8'), keyPem: readFileSync(key, 'utf8') }
}

const ALICE = { subj: '/CN=alice@example.com/emailAddress=alice@example.com', san: 'email:alice@example.com' }

/** `openssl x509 -ext …` of a DER certificate, e.g. "Digital Signature, Key Agreement". */
function extensionText(der: Buffer, ext: string): string {
  return execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-ext', ext], { input: der }).toString()
}

/** The userCertificate;binary values of the entry whose mail is `address`, read anonymously. */
async function published(address: string): Promise<Buffer[]> {
  const d = h.config.directory!
  const client = new LdapClient({ url: d.url })
  try {
    const { searchEntries } = await client.search(d.base, {
      scope: 'sub',
      filter: `(mail=${address})`,
      attributes: ['userCertificate;binary'],
      explicitBufferAttributes: ['userCertificate;binary'],
    })
    const v = searchEntries[0]?.['userCertificate;binary']
    return v === undefined ? [] : ((Array.isArray(v) ? v : [v]) as Buffer[])
  } finally {
    await client.unbind()
  }
}

/** An app on the harness's mail stack with other settings. */
async function withApp<T>(overrides: Partial<BridgeConfig>, fn: (c: Client) => Promise<T>, email = 'alice@example.com'): Promise<T> {
  const app = await buildApp(loadConfig({}, { ...h.config, ...overrides }))
  try {
    return await fn(await signIn(app, email))
  } finally {
    await app.close()
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cachet-enrol-test-'))
  // Many enrolments of the same accounts below; the limit has its own tests.
  h = await startHarness({ enrolLimit: { windowMs: 3_600_000, max: 1000 } }, { pki: true })
  caDer = derOfPem(readFileSync(h.mailstack.pki!.caCert, 'utf8'))
  alice = await signIn(h.app, 'alice@example.com')
  bob = await signIn(h.app, 'bob@example.com')
}, 120_000)
afterAll(async () => {
  await h?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('GET /api/certificates/enrolment', () => {
  it("says enrolment is available, naming the CA by its certificate's CN", async () => {
    const res = await alice.get('/api/certificates/enrolment')
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ available: true, ca: 'Cachet Demo CA' })
  })

  it('says it is not without a CA, and names the host while the CA is unreachable', async () => {
    await withApp({ ca: null }, async (c) => expect((await c.get('/api/certificates/enrolment')).json()).toEqual({ available: false }))
    const port = await freePort()
    await withApp({ ca: { ...h.config.ca!, url: `http://127.0.0.1:${port}` } }, async (c) =>
      expect((await c.get('/api/certificates/enrolment')).json()).toEqual({ available: true, ca: '127.0.0.1' }),
    )
  })

  it('needs a session', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/api/certificates/enrolment' })).statusCode).toBe(401)
  })
})

describe('POST /api/certificates/enrol', () => {
  it("issues an RSA certificate for the signed-in address, chained to the demo CA, and publishes it on the account's entry", async () => {
    const { pem, keyPem } = opensslCsr(ALICE)
    const res = await enrol(alice, pem)
    expect(res.statusCode, res.body).toBe(200)
    const body = res.json() as { certificate: string; chain: string[]; published: boolean }
    const der = Buffer.from(body.certificate, 'base64')
    const cert = new X509Certificate(der)
    expect(cert.subjectAltName).toBe('email:alice@example.com')
    expect(cert.subject).toMatch(/CN=alice@example\.com/)
    expect(cert.ca).toBe(false)
    expect(cert.publicKey.export({ type: 'spki', format: 'der' }).equals(createPublicKey(keyPem).export({ type: 'spki', format: 'der' }))).toBe(true)
    expect(body.chain).toEqual([caDer.toString('base64')])
    expect(cert.verify(new X509Certificate(caDer).publicKey)).toBe(true)
    expect(extensionText(der, 'keyUsage')).toMatch(/Digital Signature, Key Encipherment/)
    expect(extensionText(der, 'extendedKeyUsage')).toMatch(/E-mail Protection/)
    expect(body.published).toBe(true)
    expect((await published('alice@example.com')).some((c) => c.equals(der))).toBe(true)
    // …and the directory route hands it to correspondents.
    const found = await bob.post('/api/directory/lookup', { addresses: ['alice@example.com'] })
    expect(found.json().results[0].certificates).toContain(body.certificate)
  })

  it('issues an EC (P-256) certificate with the EC profile: digitalSignature + keyAgreement', async () => {
    const res = await enrol(alice, opensslCsr({ ...ALICE, key: 'ec' }).pem)
    expect(res.statusCode, res.body).toBe(200)
    const der = Buffer.from(res.json().certificate, 'base64')
    expect(new X509Certificate(der).publicKey.asymmetricKeyType).toBe('ec')
    expect(extensionText(der, 'keyUsage')).toMatch(/Digital Signature, Key Agreement/)
    expect(extensionText(der, 'keyUsage')).not.toMatch(/Key Encipherment/)
  })

  it('accepts the address in any case, with only a SAN or only the subject, signed with SHA-384 or SHA-512', async () => {
    for (const csr of [
      opensslCsr({ subj: '/CN=Alice Example', san: 'email:ALICE@Example.com' }),
      opensslCsr({ subj: '/emailAddress=Alice@example.com', args: ['-sha384'] }),
      opensslCsr({ ...ALICE, key: 'ec', args: ['-sha512'] }),
    ]) {
      const res = await enrol(alice, csr.pem)
      expect(res.statusCode, res.body).toBe(200)
      expect(new X509Certificate(Buffer.from(res.json().certificate, 'base64')).subjectAltName).toBe('email:alice@example.com')
    }
  })

  it("refuses alice's request in bob's session: 403 csr_address_mismatch", async () => {
    const res = await enrol(bob, opensslCsr(ALICE).pem)
    expect(res.statusCode).toBe(403)
    expect(res.json().code).toBe('csr_address_mismatch')
    expect(res.json().message).toContain('bob@example.com')
  })

  it('refuses a request naming anything but the address: 403 csr_address_mismatch', async () => {
    for (const o of [
      { ...ALICE, san: 'email:alice@example.com,email:bob@example.com' },
      { ...ALICE, san: 'email:alice@example.com,DNS:x.example.com' },
      { ...ALICE, san: 'email:alice@example.com,URI:https://example.com/alice' },
      { ...ALICE, san: 'email:alice@example.com,IP:127.0.0.1' },
      { ...ALICE, san: 'email:alice@example.com,otherName:1.3.6.1.5.5.7.8.9;UTF8:alice@example.com' },
      { subj: '/CN=Alice' },
      { subj: '/CN=Alice', san: 'DNS:alice.example.com' },
      { subj: '/CN=bob@example.com', san: 'email:alice@example.com' },
      { subj: '/CN=alice@example.com/emailAddress=bob@example.com' },
      { subj: '/O=Example Corp/CN=alice@example.com/emailAddress=alice@example.com' },
      { subj: '/CN=alice@example.com.evil.test', san: 'email:alice@example.com' },
    ]) {
      const res = await enrol(alice, opensslCsr(o).pem)
      expect(res.statusCode, JSON.stringify(o)).toBe(403)
      expect(res.json().code).toBe('csr_address_mismatch')
    }
  })

  it('refuses what is not a well-signed PKCS#10 request: 400 csr_invalid', async () => {
    const good = opensslCsr(ALICE).pem
    const der = derOfPem(good)
    const pem = (bytes: Buffer) => `-----BEGIN CERTIFICATE REQUEST-----\n${bytes.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`
    const badSignature = Buffer.from(der)
    badSignature[badSignature.length - 1]! ^= 0x01
    const badContent = Buffer.from(der.toString('latin1').replace('alice@example.com', 'alicf@example.com'), 'latin1')
    const cases: [string, string][] = [
      ['garbage', 'hello, I would like a certificate'],
      ['base64 garbage in a PEM block', pem(Buffer.from('not DER at all'))],
      ['a certificate, not a request', readFileSync(h.mailstack.pki!.caCert, 'utf8')],
      ['a request under another label', good.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE')],
      ['two requests', good + good],
      ['a tampered signature', pem(badSignature)],
      ['tampered content', pem(badContent)],
      ['trailing bytes', pem(Buffer.concat([der, Buffer.from([0])]))],
      ['a 1024-bit RSA key', opensslCsr({ ...ALICE, key: 'rsa1024' }).pem],
      ['an Ed25519 key', opensslCsr({ ...ALICE, key: 'ed25519' }).pem],
      ['a SHA-1 signature', opensslCsr({ ...ALICE, args: ['-sha1'] }).pem],
      ['a CA request', opensslCsr({ ...ALICE, args: ['-addext', 'basicConstraints=critical,CA:TRUE'] }).pem],
      // Verified, but CFSSL takes only PKCS#1 v1.5 and ECDSA signatures.
      ['an RSA-PSS signature', opensslCsr({ ...ALICE, args: ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] }).pem],
    ]
    for (const [what, csr] of cases) {
      const res = await enrol(alice, csr)
      expect(res.statusCode, what).toBe(400)
      expect(res.json().code, what).toBe('csr_invalid')
    }
    // Not a string, or too long: refused by the schema.
    for (const csr of [42, '', 'x'.repeat(16 * 1024 + 1)]) expect((await enrol(alice, csr)).statusCode).toBe(400)
  })

  it('needs a session and the CSRF token', async () => {
    const { pem } = opensslCsr(ALICE)
    const anon = await h.app.inject({ method: 'POST', url: '/api/certificates/enrol', payload: { csr: pem } })
    expect(anon.statusCode).toBe(401)
    const noCsrf = await h.app.inject({ method: 'POST', url: '/api/certificates/enrol', headers: { cookie: alice.cookie }, payload: { csr: pem } })
    expect(noCsrf.statusCode).toBe(403)
    expect(noCsrf.json().code).toBe('csrf')
    const wrongCsrf = await alice.post('/api/certificates/enrol', { csr: pem }, { 'x-csrf-token': bob.csrf })
    expect(wrongCsrf.statusCode).toBe(403)
  })

  it('without a CA: 503 ca_not_configured', async () => {
    await withApp({ ca: null }, async (c) => {
      const res = await enrol(c, opensslCsr(ALICE).pem)
      expect(res.statusCode).toBe(503)
      expect(res.json().code).toBe('ca_not_configured')
    })
  })

  it("publishes nothing without the directory's bind DN, or when the directory refuses it, and still issues", async () => {
    const d = h.config.directory!
    for (const directory of [null, { ...d, bindDn: null, bindPassword: null }, { ...d, bindPassword: 'wrong' }]) {
      await withApp({ directory }, async (c) => {
        const res = await enrol(c, opensslCsr(ALICE).pem)
        expect(res.statusCode, res.body).toBe(200)
        expect(res.json().published).toBe(false)
        expect((await published('alice@example.com')).some((x) => x.equals(Buffer.from(res.json().certificate, 'base64')))).toBe(false)
      })
    }
  })
})

describe('a CA that cannot or will not sign', () => {
  it('unreachable: 503 ca_unavailable', async () => {
    const port = await freePort()
    await withApp({ ca: { ...h.config.ca!, url: `http://127.0.0.1:${port}` } }, async (c) => {
      const res = await enrol(c, opensslCsr(ALICE).pem)
      expect(res.statusCode).toBe(503)
      expect(res.json().code).toBe('ca_unavailable')
    })
  })

  it('refusing (wrong auth key, unknown profile): 502 ca_refused, with none of the CA\'s words', async () => {
    for (const ca of [
      { ...h.config.ca!, authKey: '00'.repeat(32) },
      { ...h.config.ca!, profiles: { rsa: 'no-such-profile', ec: 'no-such-profile' } },
    ]) {
      await withApp({ ca }, async (c) => {
        const res = await enrol(c, opensslCsr(ALICE).pem)
        expect(res.statusCode).toBe(502)
        expect(res.json().code).toBe('ca_refused')
        expect(res.body).not.toMatch(/token|profile|cfssl|invalid/i)
      })
    }
  })

  it('too slow: 504 ca_unavailable', async () => {
    const server: Server = createServer(() => {})
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    try {
      const ca = new CfsslClient({ ...h.config.ca!, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` }, { timeoutMs: 300 })
      await expect(ca.sign(readCsr(opensslCsr(ALICE).pem), 'alice@example.com')).rejects.toMatchObject({ code: 'ca_unavailable', status: 504 })
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })

  it('answering with a certificate it was not asked for: 502 ca_refused, not handed out', async () => {
    // A CA that returns Bob's demo certificate whatever it is asked (another key, another address).
    const bobCert = readFileSync(h.mailstack.pki!.accounts.find((a) => a.email === 'bob@example.com')!.certPem, 'utf8')
    const caPem = readFileSync(h.mailstack.pki!.caCert, 'utf8')
    const server: Server = createServer((req, res) => {
      req.resume()
      const certificate = req.url === '/api/v1/cfssl/info' ? caPem : bobCert
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ success: true, result: { certificate }, errors: [], messages: [] }))
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    try {
      await withApp({ ca: { ...h.config.ca!, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` } }, async (c) => {
        const res = await enrol(c, opensslCsr(ALICE).pem)
        expect(res.statusCode).toBe(502)
        expect(res.json().code).toBe('ca_refused')
      })
    } finally {
      server.close()
    }
  })
})

describe('enrolment limits', () => {
  it('allows ENROL_LIMIT_PER_HOUR enrolments per account, then 429 rate_limited with Retry-After; refused requests do not count', async () => {
    await withApp(
      { enrolLimit: { windowMs: 3_600_000, max: 1 } },
      async (carol) => {
        const csr = opensslCsr({ subj: '/CN=carol@example.com', san: 'email:carol@example.com' }).pem
        expect((await enrol(carol, 'garbage')).statusCode).toBe(400)
        expect((await enrol(carol, opensslCsr(ALICE).pem)).statusCode).toBe(403)
        expect((await enrol(carol, csr)).statusCode).toBe(200)
        const limited = await enrol(carol, csr)
        expect(limited.statusCode).toBe(429)
        expect(limited.json().code).toBe('rate_limited')
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(3500)
      },
      'carol@example.com',
    )
  })

  it('does not count an enrolment that never reached the CA', async () => {
    const port = await freePort()
    await withApp(
      { ca: { ...h.config.ca!, url: `http://127.0.0.1:${port}` }, enrolLimit: { windowMs: 3_600_000, max: 1 } },
      async (dave) => {
        const csr = opensslCsr({ subj: '/CN=dave@example.com', san: 'email:dave@example.com' }).pem
        expect((await enrol(dave, csr)).statusCode).toBe(503)
        expect((await enrol(dave, csr)).statusCode).toBe(503)
      },
      'dave@example.com',
    )
  })

  it('counts per account in a sliding window', () => {
    let now = 0
    const limits = new EnrolLimits({ windowMs: 1000, max: 2 }, () => now)
    limits.take('a')
    now = 400
    limits.take('a')
    limits.take('b')
    expect(() => limits.take('a')).toThrow(expect.objectContaining({ code: 'rate_limited', headers: { 'retry-after': '1' } }))
    now = 1000
    const release = limits.take('a')
    expect(() => limits.take('a')).toThrow()
    release()
    limits.take('a')
    now = 5000
    limits.take('c')
    expect(limits.size).toBe(1)
  })
})

describe('CA configuration', () => {
  const env = { CA_URL: 'https://ca.example.com:8888/', CA_AUTH_KEY: '0123456789abcdef'.repeat(2) }

  it('reads CA_URL, CA_AUTH_KEY and the profiles (smime-rsa, smime-ec by default); none without CA_URL', () => {
    expect(loadConfig({}).ca).toBeNull()
    expect(loadConfig(env).ca).toEqual({ url: 'https://ca.example.com:8888', authKey: env.CA_AUTH_KEY, profiles: { rsa: 'smime-rsa', ec: 'smime-ec' } })
    expect(loadConfig({ ...env, CA_PROFILE_RSA: 'r', CA_PROFILE_EC: 'e' }).ca!.profiles).toEqual({ rsa: 'r', ec: 'e' })
    expect(loadConfig({}).enrolLimit).toEqual({ windowMs: 3_600_000, max: 5 })
    expect(loadConfig({ ENROL_LIMIT_PER_HOUR: '2' }).enrolLimit.max).toBe(2)
  })

  it('refuses to start with CA_URL but no (or a non-hex, or a short) CA_AUTH_KEY, or a URL that is not http(s)', () => {
    expect(() => loadConfig({ CA_URL: env.CA_URL })).toThrow(/CA_AUTH_KEY/)
    expect(() => loadConfig({ ...env, CA_AUTH_KEY: 'not hex at all, not hex at all, no' })).toThrow(/CA_AUTH_KEY/)
    expect(() => loadConfig({ ...env, CA_AUTH_KEY: 'abcd' })).toThrow(/CA_AUTH_KEY/)
    expect(() => loadConfig({ ...env, CA_URL: 'ftp://ca.example.com' })).toThrow(/CA_URL/)
    expect(() => loadConfig({ CA_AUTH_KEY: env.CA_AUTH_KEY })).toThrow(/CA_URL/)
  })
})
