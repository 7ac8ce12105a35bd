import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig } from '../../../src/bridge/config'
import { isPublicAddress } from '../../../src/bridge/crl/guard'
import { fetchCrl } from '../../../src/bridge/crl/fetch'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let server: Server
let base: string
const crlBytes = Buffer.from([0x30, 0x82, 0x01, 0x00, ...Array.from({ length: 256 }, (_, i) => i & 0xff)])

beforeAll(async () => {
  h = await startHarness({ allowPrivateCrl: false })
  alice = await signIn(h.app, 'alice@example.com')
  server = createServer((req, res) => {
    if (req.url === '/ca.crl') return res.end(crlBytes)
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

  it('enforces the size and time limits', async () => {
    await expect(fetchCrl(`${base}/big.crl`, { allowPrivate: true, maxBytes: 1024 })).rejects.toMatchObject({ code: 'crl_too_large' })
    await expect(fetchCrl(`${base}/slow`, { allowPrivate: true, timeoutMs: 300 })).rejects.toMatchObject({ code: 'crl_timeout' })
    await expect(fetchCrl(`${base}/missing`, { allowPrivate: true })).rejects.toMatchObject({ code: 'crl_fetch_failed' })
  })
})
