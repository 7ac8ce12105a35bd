import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig } from '../../../src/bridge/config'
import { isPublicAddress } from '../../../src/bridge/crl/guard'
import { fetchCrl } from '../../../src/bridge/crl/fetch'
import { makeRoot, Workdir } from '../core/pki/gen'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let server: Server
let base: string
// A real CRL, made by OpenSSL: the relay passes on only what has a CRL's shape.
const work = new Workdir()
const crlBytes = Buffer.from(makeRoot(work, 'Relay Test CA', 'rsa').crl())
const crlPem = `-----BEGIN X509 CRL-----\n${crlBytes.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END X509 CRL-----\n`
const hits = new Map<string, number>()

beforeAll(async () => {
  h = await startHarness({ allowPrivateCrl: false })
  alice = await signIn(h.app, 'alice@example.com')
  server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1)
    if (req.url === '/ca.crl') return res.end(crlBytes)
    if (req.url === '/ca-pem.crl') return res.end(crlPem)
    if (req.url === '/page.html') return res.end('<!doctype html><title>intranet</title><p>secret')
    if (req.url === '/almost.crl') return res.end(Buffer.concat([crlBytes, Buffer.from([0])]))
    if (req.url?.startsWith('/count/')) return res.end(crlBytes)
    if (req.url === '/big.crl') return res.end(Buffer.alloc(2048))
    if (req.url === '/redirect') return res.writeHead(302, { location: '/ca.crl' }).end()
    // A hostile CRL server: a Location that is not a URL (issue 11: it used to end the bridge).
    if (req.url === '/bad-redirect') return res.writeHead(302, { location: 'http://[' }).end()
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000)
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  work.dispose()
  server?.close()
  await h?.stop()
})

describe('CRL relay (production mode)', () => {
  it('refuses loopback, private, link-local and metadata addresses', async () => {
    for (const url of [
      `${base}/ca.crl`,
      'http://localhost/ca.crl',
      'http://10.1.2.3/ca.crl',
      'http://192.168.0.1/ca.crl',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/ca.crl',
      'http://[::ffff:127.0.0.1]/ca.crl',
      'http://0.0.0.0/ca.crl',
    ]) {
      const res = await alice.get(`/api/crl?url=${encodeURIComponent(url)}`)
      expect(res.statusCode, url).toBe(403)
      expect(res.json()).toMatchObject({ code: 'crl_forbidden' })
    }
  })

  it('refuses schemes other than http and https', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/x.crl', 'ldap://example.com/cn=x', 'gopher://x']) {
      const res = await alice.get(`/api/crl?url=${encodeURIComponent(url)}`)
      expect(res.statusCode, url).toBe(400)
    }
  })

  it('needs a session', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/crl?url=${encodeURIComponent('http://example.com/x.crl')}` })
    expect(res.statusCode).toBe(401)
  })

  it('classifies addresses', () => {
    expect(isPublicAddress('8.8.8.8')).toBe(true)
    expect(isPublicAddress('2606:4700:4700::1111')).toBe(true)
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '100.64.0.1', '169.254.1.1', '::1', 'fe80::1', 'fd00::1', '::ffff:10.0.0.1', '224.0.0.1', 'not-an-ip']) {
      expect(isPublicAddress(ip), ip).toBe(false)
    }
  })
})

describe('CRL relay (CACHET_ALLOW_PRIVATE_CRL=1, development)', () => {
  it('relays the bytes untouched, follows a redirect', async () => {
    const app = await buildApp(loadConfig({}, { ...h.config, allowPrivateCrl: true }))
    try {
      const a = await signIn(app, 'alice@example.com')
      const res = await a.get(`/api/crl?url=${encodeURIComponent(`${base}/redirect`)}`)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toBe('application/pkix-crl')
      expect(res.rawPayload.equals(crlBytes)).toBe(true)
    } finally {
      await app.close()
    }
  })

  it('a redirect to something that is not a URL is a clean crl_fetch_failed, and the bridge keeps serving', async () => {
    await expect(fetchCrl(`${base}/bad-redirect`, { allowPrivate: true })).rejects.toMatchObject({ code: 'crl_fetch_failed' })
    const app = await buildApp(loadConfig({}, { ...h.config, allowPrivateCrl: true }))
    try {
      const a = await signIn(app, 'alice@example.com')
      const res = await a.get(`/api/crl?url=${encodeURIComponent(`${base}/bad-redirect`)}`)
      expect(res.statusCode).toBe(502)
      expect(res.json()).toMatchObject({ code: 'crl_fetch_failed' })
      expect((await a.get('/api/mailboxes')).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('relays only what has a CRL\'s shape: a web page or bytes after the CRL are refused, PEM is relayed as DER', async () => {
    const app = await buildApp(loadConfig({}, { ...h.config, allowPrivateCrl: true }))
    try {
      const a = await signIn(app, 'alice@example.com')
      for (const path of ['/page.html', '/almost.crl']) {
        const res = await a.get(`/api/crl?url=${encodeURIComponent(`${base}${path}`)}`)
        expect(res.statusCode, path).toBe(502)
        expect(res.json(), path).toMatchObject({ code: 'crl_fetch_failed' })
        expect(res.body).not.toContain('secret')
      }
      const pem = await a.get(`/api/crl?url=${encodeURIComponent(`${base}/ca-pem.crl`)}`)
      expect(pem.statusCode).toBe(200)
      expect(pem.rawPayload.equals(crlBytes)).toBe(true)
    } finally {
      await app.close()
    }
  })

  it('a failed URL backs off: asked again by any session, it is not fetched again for a while', async () => {
    const app = await buildApp(loadConfig({}, { ...h.config, allowPrivateCrl: true }))
    try {
      const [a, b] = [await signIn(app, 'alice@example.com'), await signIn(app, 'bob@example.com')]
      const url = encodeURIComponent(`${base}/missing-backoff.crl`)
      expect((await a.get(`/api/crl?url=${url}`)).statusCode).toBe(502)
      const again = await b.get(`/api/crl?url=${url}`)
      expect(again.statusCode).toBe(502)
      expect(again.json().message).toMatch(/not asked again/)
      expect(hits.get('/missing-backoff.crl')).toBe(1)
    } finally {
      await app.close()
    }
  })

  it('a session may ask 30 times a minute; then 429, while other sessions still may', async () => {
    const app = await buildApp(loadConfig({}, { ...h.config, allowPrivateCrl: true }))
    try {
      const [a, b] = [await signIn(app, 'alice@example.com'), await signIn(app, 'bob@example.com')]
      for (let i = 0; i < 30; i++) expect((await a.get(`/api/crl?url=${encodeURIComponent(`${base}/count/${i}.crl`)}`)).statusCode).toBe(200)
      const refused = await a.get(`/api/crl?url=${encodeURIComponent(`${base}/count/30.crl`)}`)
      expect(refused.statusCode).toBe(429)
      expect(refused.json()).toMatchObject({ code: 'rate_limited' })
      expect(hits.get('/count/30.crl')).toBeUndefined()
      expect((await b.get(`/api/crl?url=${encodeURIComponent(`${base}/count/30.crl`)}`)).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('enforces the size and time limits', async () => {
    await expect(fetchCrl(`${base}/big.crl`, { allowPrivate: true, maxBytes: 1024 })).rejects.toMatchObject({ code: 'crl_too_large' })
    await expect(fetchCrl(`${base}/slow`, { allowPrivate: true, timeoutMs: 300 })).rejects.toMatchObject({ code: 'crl_timeout' })
    await expect(fetchCrl(`${base}/missing`, { allowPrivate: true })).rejects.toMatchObject({ code: 'crl_fetch_failed' })
  })
})
