/**
 * Issue #9, the directory route: POST /api/directory/lookup against the real slapd of the
 * mail stack (every demo account with its demo certificate), escaping, caps, and a
 * directory that is down, hangs or refuses the bridge's bind.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Attribute, Change, Client as LdapClient } from 'ldapts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig, type BridgeConfig } from '../../../src/bridge/config'
import { equalityFilter, escapeFilterValue } from '../../../src/bridge/directory/filter'
import { findEntries, matchCertificates } from '../../../src/bridge/directory/lookup'
import { DIRECTORY_MAX_CERTIFICATE_BYTES, DIRECTORY_MAX_CERTIFICATES } from '../../../src/contract/index'
import { freePort, startDirectory } from '../../../src/mailstack/index'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let directory: NonNullable<BridgeConfig['directory']>

const derOf = (pemFile: string) => Buffer.from(readFileSync(pemFile, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64')
const demoCert = (email: string) => derOf(h.mailstack.pki!.accounts.find((a) => a.email === email)!.certPem).toString('base64')
const lookup = (c: Client, addresses: unknown) => c.post('/api/directory/lookup', { addresses })

/** An app on the harness's mail stack with other settings. */
async function withApp<T>(overrides: Partial<BridgeConfig>, fn: (c: Client) => Promise<T>): Promise<T> {
  const app = await buildApp(loadConfig({}, { ...h.config, ...overrides }))
  try {
    return await fn(await signIn(app, 'alice@example.com'))
  } finally {
    await app.close()
  }
}

beforeAll(async () => {
  h = await startHarness({}, { pki: true })
  directory = h.config.directory!
  alice = await signIn(h.app, 'alice@example.com')
}, 120_000)
afterAll(async () => {
  await h?.stop()
})

describe('escapeFilterValue (RFC 4515 §3)', () => {
  it('escapes the filter metacharacters, NUL and everything outside printable ASCII', () => {
    expect(escapeFilterValue('alice@example.com')).toBe('alice@example.com')
    expect(escapeFilterValue('x*)(mail=*')).toBe('x\\2a\\29\\28mail=\\2a')
    expect(escapeFilterValue('a\\b')).toBe('a\\5cb')
    expect(escapeFilterValue('a\u0000b')).toBe('a\\00b')
    expect(escapeFilterValue('josé@example.com')).toBe('jos\\c3\\a9@example.com')
    expect(escapeFilterValue('tab\there')).toBe('tab\\09here')
  })

  it('builds one equality match per value', () => {
    expect(equalityFilter('mail', ['a@x'])).toBe('(mail=a@x)')
    expect(equalityFilter('mail', ['a@x', '*'])).toBe('(|(mail=a@x)(mail=\\2a))')
    expect(() => equalityFilter('mail)(x', ['a'])).toThrow()
    expect(() => equalityFilter('mail', [])).toThrow()
  })
})

describe('POST /api/directory/lookup', () => {
  it("returns each address's published certificates, one result per address, in order, lower-cased", async () => {
    const res = await lookup(alice, ['Bob@Example.COM', 'alice@example.com', 'bob@example.com'])
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      results: [
        { address: 'bob@example.com', certificates: [demoCert('bob@example.com')] },
        { address: 'alice@example.com', certificates: [demoCert('alice@example.com')] },
      ],
    })
  })

  it('answers an empty list for an address the directory does not know', async () => {
    const res = await lookup(alice, ['nobody@example.com', 'carol@example.com', 'josé@example.com', '"a\\b"@example.com'])
    expect(res.statusCode).toBe(200)
    expect(res.json().results).toEqual([
      { address: 'nobody@example.com', certificates: [] },
      { address: 'carol@example.com', certificates: [demoCert('carol@example.com')] },
      { address: 'josé@example.com', certificates: [] },
      { address: '"a\\b"@example.com', certificates: [] },
    ])
  })

  it('cannot be turned into a wildcard search: filter values are escaped', async () => {
    // Unescaped, (|(mail=x*)(mail=*@example.com)) would match every entry.
    const res = await lookup(alice, ['x*)(mail=*@example.com', '*@example.com'])
    expect(res.statusCode).toBe(200)
    expect(res.json().results.map((r: { certificates: string[] }) => r.certificates)).toEqual([[], []])
    // What the directory itself answers (before matching results to addresses): nothing.
    expect(await findEntries(directory, ['x*)(mail=*'])).toEqual([])
    expect(await findEntries(directory, ['*'])).toEqual([])
    expect(await findEntries(directory, ['alice@example.com)(mail=bob@example.com'])).toEqual([])
    expect((await findEntries(directory, ['alice@example.com'])).map((e) => e.mail)).toEqual([['alice@example.com']])
    // …whereas the same text unescaped does match every entry (the test has teeth).
    const raw = new LdapClient({ url: directory.url })
    try {
      const { searchEntries } = await raw.search(directory.base, { scope: 'sub', filter: '(|(mail=x*)(mail=*))', attributes: ['mail'] })
      expect(searchEntries.length).toBeGreaterThanOrEqual(4)
    } finally {
      await raw.unbind()
    }
  })

  it('refuses what is not an address: 400 bad_request', async () => {
    for (const bad of ['x*)(mail=*', '*', 'alice', 'alice@exa mple.com', 'a\r\nb@example.com', 'a\u0085b@example.com', `${'a'.repeat(250)}@example.com`, '', 42]) {
      const res = await lookup(alice, [bad])
      expect(res.statusCode, JSON.stringify(bad)).toBe(400)
      expect(res.json().code).toBe('bad_request')
    }
    expect((await lookup(alice, [])).statusCode).toBe(400)
    expect((await alice.post('/api/directory/lookup', {})).statusCode).toBe(400)
  })

  it('takes 100 addresses, and refuses 101 with too_many_addresses', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => `user${i}@example.com`)
    const ok = await lookup(alice, [...many(99), 'alice@example.com'])
    expect(ok.statusCode).toBe(200)
    expect(ok.json().results).toHaveLength(100)
    expect(ok.json().results[99].certificates).toEqual([demoCert('alice@example.com')])
    const res = await lookup(alice, many(101))
    expect(res.statusCode).toBe(400)
    expect(res.json().code).toBe('too_many_addresses')
  })

  it(`returns at most ${DIRECTORY_MAX_CERTIFICATES} certificates per address and skips values over ${DIRECTORY_MAX_CERTIFICATE_BYTES} bytes`, async () => {
    // Dave's entry gets 25 more certificates and an oversized one, written as the bridge's DN
    // (slapd checks the certificate syntax, so they are real self-signed ones).
    const work = mkdtempSync(join(tmpdir(), 'cachet-directory-caps-'))
    const selfSigned = (i: number, extra: string[] = []) => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(work, `${i}.key`),
        '-subj', `/CN=filler ${i}`, '-days', '1', '-outform', 'DER', '-out', join(work, `${i}.der`), ...extra], { stdio: 'ignore' })
      return readFileSync(join(work, `${i}.der`))
    }
    const big = selfSigned(99, ['-addext', `nsComment=${'x'.repeat(DIRECTORY_MAX_CERTIFICATE_BYTES)}`])
    expect(big.length).toBeGreaterThan(DIRECTORY_MAX_CERTIFICATE_BYTES)
    const fillers = Array.from({ length: 25 }, (_, i) => selfSigned(i))
    rmSync(work, { recursive: true, force: true })
    const writer = new LdapClient({ url: directory.url })
    try {
      await writer.bind(directory.bindDn!, directory.bindPassword!)
      await writer.modify(
        'uid=dave,ou=people,dc=example,dc=com',
        new Change({ operation: 'add', modification: new Attribute({ type: 'userCertificate;binary', values: [big, ...fillers] }) }),
      )
    } finally {
      await writer.unbind()
    }
    const res = await lookup(alice, ['dave@example.com'])
    expect(res.statusCode).toBe(200)
    const certs: string[] = res.json().results[0].certificates
    expect(certs).toHaveLength(DIRECTORY_MAX_CERTIFICATES)
    expect(certs.every((c) => Buffer.from(c, 'base64').length <= DIRECTORY_MAX_CERTIFICATE_BYTES)).toBe(true)
    expect(new Set(certs).size).toBe(certs.length)
  })

  it('needs a session and the CSRF token', async () => {
    const anon = await h.app.inject({ method: 'POST', url: '/api/directory/lookup', payload: { addresses: ['bob@example.com'] } })
    expect(anon.statusCode).toBe(401)
    const noCsrf = await h.app.inject({ method: 'POST', url: '/api/directory/lookup', headers: { cookie: alice.cookie }, payload: { addresses: ['bob@example.com'] } })
    expect(noCsrf.statusCode).toBe(403)
    expect(noCsrf.json().code).toBe('csrf')
  })

  it('reads anonymously when no bind DN is configured', async () => {
    await withApp({ directory: { ...directory, bindDn: null, bindPassword: null } }, async (c) => {
      const res = await lookup(c, ['bob@example.com'])
      expect(res.statusCode).toBe(200)
      expect(res.json().results[0].certificates).toEqual([demoCert('bob@example.com')])
    })
  })
})

describe('matchCertificates', () => {
  it('gives an entry with several mail values to each of them, and merges entries without duplicates', () => {
    const a = Buffer.from([0x30, 1])
    const b = Buffer.from([0x30, 2])
    const entries = [
      { dn: 'uid=x', mail: ['x@example.com', 'x.alias@example.com'], certificates: [a] },
      { dn: 'uid=y', mail: ['x@example.com'], certificates: [a, b] },
      { dn: 'uid=z', mail: ['z@example.com'], certificates: [Buffer.alloc(0)] },
    ]
    expect(matchCertificates(['x.alias@example.com', 'x@example.com', 'z@example.com', 'q@example.com'], entries)).toEqual([
      { address: 'x.alias@example.com', certificates: [a.toString('base64')] },
      { address: 'x@example.com', certificates: [a.toString('base64'), b.toString('base64')] },
      { address: 'z@example.com', certificates: [] },
      { address: 'q@example.com', certificates: [] },
    ])
  })
})

describe('a directory that cannot answer', () => {
  it('not configured: 503 directory_not_configured', async () => {
    await withApp({ directory: null }, async (c) => {
      const res = await lookup(c, ['bob@example.com'])
      expect(res.statusCode).toBe(503)
      expect(res.json().code).toBe('directory_not_configured')
    })
  })

  it('stopped: 503 directory_unavailable at once, and the rest of the bridge keeps working', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cachet-directory-down-'))
    const port = await freePort()
    const other = await startDirectory({ dir, port, entries: [{ email: 'alice@example.com', name: 'Alice', certificatesDer: [] }] })
    try {
      await withApp({ directory: { ...directory, url: other.url, bindDn: other.bindDn, bindPassword: other.bindPassword } }, async (c) => {
        expect((await lookup(c, ['alice@example.com'])).statusCode).toBe(200)
        await other.stop()
        const started = Date.now()
        const res = await lookup(c, ['alice@example.com'])
        expect(res.statusCode).toBe(503)
        expect(res.json()).toEqual({ code: 'directory_unavailable', message: expect.any(String) })
        expect(Date.now() - started).toBeLessThan(2000)
        const mailboxes = await c.get('/api/mailboxes')
        expect(mailboxes.statusCode).toBe(200)
        expect(mailboxes.json().mailboxes.length).toBeGreaterThan(0)
      })
    } finally {
      await other.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('hanging (accepts connections, never answers): 503 directory_unavailable within its timeout', async () => {
    const sockets = new Set<Socket>()
    const server: Server = createServer((s) => {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      // Read (and ignore) what the bridge sends, so its closing the connection is seen.
      s.resume()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const url = `ldap://127.0.0.1:${(server.address() as { port: number }).port}`
    try {
      await withApp({ directory: { ...directory, url, timeoutMs: 400 } }, async (c) => {
        const started = Date.now()
        const res = await lookup(c, ['alice@example.com'])
        expect(res.statusCode).toBe(503)
        expect(res.json().code).toBe('directory_unavailable')
        expect(Date.now() - started).toBeLessThan(1500)
      })
      // The bridge dropped its connection rather than leaving it open.
      for (let i = 0; i < 40 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 50))
      expect(sockets.size).toBe(0)
    } finally {
      for (const s of sockets) s.destroy()
      server.close()
    }
  })

  it("refusing the bridge's bind: 503 directory_unavailable, and the password is not in the answer", async () => {
    await withApp({ directory: { ...directory, bindPassword: 'not-the-password' } }, async (c) => {
      const res = await lookup(c, ['bob@example.com'])
      expect(res.statusCode).toBe(503)
      expect(res.json().code).toBe('directory_unavailable')
      expect(res.body).not.toContain('not-the-password')
    })
  })
})

describe('directory configuration', () => {
  const env = { DIRECTORY_URL: 'ldap://ldap.example.com:389', DIRECTORY_BASE: 'dc=example,dc=com' }

  it('reads DIRECTORY_* with a 5 s default timeout, and none without DIRECTORY_URL', () => {
    expect(loadConfig({}).directory).toBeNull()
    expect(loadConfig(env).directory).toEqual({ url: env.DIRECTORY_URL, base: env.DIRECTORY_BASE, bindDn: null, bindPassword: null, timeoutMs: 5000 })
    expect(
      loadConfig({ ...env, DIRECTORY_URL: 'ldaps://ldap.example.com', DIRECTORY_BIND_DN: 'cn=bridge,dc=example,dc=com', DIRECTORY_BIND_PASSWORD: 'pw', DIRECTORY_TIMEOUT_MS: '1500' }).directory,
    ).toMatchObject({ url: 'ldaps://ldap.example.com', bindDn: 'cn=bridge,dc=example,dc=com', bindPassword: 'pw', timeoutMs: 1500 })
  })

  it('refuses to start with a URL that is not ldap:// or ldaps://, without a base, or with half a bind', () => {
    expect(() => loadConfig({ ...env, DIRECTORY_URL: 'http://ldap.example.com' })).toThrow(/ldap:\/\/ or ldaps:\/\//)
    expect(() => loadConfig({ ...env, DIRECTORY_URL: 'ldap://ldap.example.com/dc=example,dc=com??sub' })).toThrow(/DIRECTORY_URL/)
    expect(() => loadConfig({ ...env, DIRECTORY_URL: 'not a url' })).toThrow(/DIRECTORY_URL/)
    expect(() => loadConfig({ DIRECTORY_URL: env.DIRECTORY_URL })).toThrow(/DIRECTORY_BASE/)
    expect(() => loadConfig({ ...env, DIRECTORY_BIND_DN: 'cn=bridge,dc=example,dc=com' })).toThrow(/DIRECTORY_BIND_PASSWORD/)
  })
})
