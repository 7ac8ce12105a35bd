/**
 * The OCSP relay (POST /api/ocsp) against a hostile local HTTP server: it sends out only
 * OCSP requests, passes back only OCSP responses, refuses private addresses in production,
 * turns bad redirects into clean errors, caps the size, backs off and rate-limits. The
 * request is built by core and the response made by `openssl ocsp` in the test.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig } from '../../../src/bridge/config'
import { fetchForRelay } from '../../../src/bridge/crl/fetch'
import { isOcspRequest, isOcspResponse } from '../../../src/bridge/ocsp/shape'
import { ocspHttpRequest } from '../../../src/bridge/routes/ocsp'
import { parseCertificate } from '../../../src/core/pki/certificate'
import { buildOcspRequest } from '../../../src/core/pki/ocsp-request'
import { makeIntermediate, makeLeaf, makeRoot, Workdir } from '../core/pki/gen'
import { ocspRespond } from '../core/pki/ocsp-gen'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let server: Server
let base: string
let request: Buffer
let response: Buffer
const work = new Workdir()
const hits: { method: string; url: string }[] = []

beforeAll(async () => {
  const root = makeRoot(work, 'Relay OCSP Root', 'rsa')
  const ca = makeIntermediate(root, 'Relay OCSP CA', 'ec-p256')
  const leaf = makeLeaf(ca)
  request = Buffer.from((await buildOcspRequest(parseCertificate(leaf.der), parseCertificate(ca.der), globalThis.crypto)).der)
  response = Buffer.from(ocspRespond(ca, request, { ndays: 1 }))
  h = await startHarness({ allowPrivateCrl: false })
  alice = await signIn(h.app, 'alice@example.com')
  server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!
    hits.push({ method: req.method ?? '', url: req.url ?? '' })
    req.resume()
    if (path === '/ocsp' || path.startsWith('/ocsp/') || path.startsWith('/count/')) return res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(response)
    if (path.startsWith('/page')) return res.end('<!doctype html><title>intranet</title><p>secret')
    if (path.startsWith('/crl')) return res.end(Buffer.from(root.crl()))
    if (path.startsWith('/big')) return res.end(Buffer.alloc(100_000, 0x30))
    if (path.startsWith('/redirect')) return res.writeHead(307, { location: '/ocsp' }).end()
    // A hostile responder: a Location that is not a URL (it used to end the bridge, issue 11)
    if (path.startsWith('/bad-redirect')) return res.writeHead(302, { location: 'http://[' }).end()
    if (path.startsWith('/to-file')) return res.writeHead(302, { location: 'file:///etc/passwd' }).end()
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

const body = (url: string, der: Buffer = request) => ({ url, request: der.toString('base64') })

async function withPrivate<T>(f: (a: Client, b: Client) => Promise<T>): Promise<T> {
  const app = await buildApp(loadConfig({}, { ...h.config, allowPrivateCrl: true }))
  try {
    return await f(await signIn(app, 'alice@example.com'), await signIn(app, 'bob@example.com'))
  } finally {
    await app.close()
  }
}

describe('OCSP relay shape checks', () => {
  it('knows an OCSP request and response from other DER', () => {
    expect(isOcspRequest(request)).toBe(true)
    expect(isOcspResponse(response)).toBe(true)
    expect(isOcspResponse(Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x03]))).toBe(true) // tryLater, complete as it is
    for (const der of [response, Buffer.from([0x30, 0x00]), Buffer.from('<html>'), Buffer.concat([request, Buffer.from([0])])]) expect(isOcspRequest(der)).toBe(false)
    for (const der of [request, Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x00]), Buffer.concat([response, Buffer.from([0])])]) expect(isOcspResponse(der)).toBe(false)
  })

  it('uses GET for a short request (RFC 5019) and POST when it is longer or the URL has a query', () => {
    expect(ocspHttpRequest('http://ocsp.example.test', request)).toEqual({ url: `http://ocsp.example.test/${encodeURIComponent(request.toString('base64'))}` })
    expect(ocspHttpRequest('http://ocsp.example.test/?a=1', request).post?.contentType).toBe('application/ocsp-request')
    expect(ocspHttpRequest('http://ocsp.example.test/', Buffer.alloc(300, 1)).post?.body.length).toBe(300)
  })
})

describe('OCSP relay (production mode)', () => {
  it('refuses loopback, private and metadata addresses', async () => {
    for (const url of [`${base}/ocsp`, 'http://localhost/', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[::1]/']) {
      const res = await alice.post('/api/ocsp', body(url))
      expect(res.statusCode, url).toBe(403)
      expect(res.json()).toMatchObject({ code: 'ocsp_forbidden' })
    }
    expect(hits.length).toBe(0)
  })

  it('refuses other schemes and anything that is not an OCSP request, and needs a session', async () => {
    expect((await alice.post('/api/ocsp', body('file:///etc/passwd'))).statusCode).toBe(400)
    const notOcsp = await alice.post('/api/ocsp', body('http://ocsp.example.test/', Buffer.from('GET /admin HTTP/1.1')))
    expect(notOcsp.statusCode).toBe(400)
    expect(notOcsp.json()).toMatchObject({ code: 'bad_request' })
    expect((await h.app.inject({ method: 'POST', url: '/api/ocsp', payload: body('http://ocsp.example.test/') })).statusCode).toBe(401)
  })
})

describe('OCSP relay (private addresses allowed, as in tests)', () => {
  it('relays the responder’s answer, by GET or by POST', async () => {
    await withPrivate(async (a) => {
      hits.length = 0
      const get = await a.post('/api/ocsp', body(`${base}/ocsp`))
      expect(get.statusCode).toBe(200)
      expect(get.headers['content-type']).toBe('application/ocsp-response')
      expect(get.rawPayload.equals(response)).toBe(true)
      const post = await a.post('/api/ocsp', body(`${base}/ocsp?via=post`))
      expect(post.rawPayload.equals(response)).toBe(true)
      expect(hits.map((x) => x.method)).toEqual(['GET', 'POST'])
      // A 307 keeps the method and body
      expect((await a.post('/api/ocsp', body(`${base}/redirect?p=1`))).rawPayload.equals(response)).toBe(true)
    })
  })

  it('a Location that is not a URL, or not http, is a clean error, and the bridge keeps serving', async () => {
    await withPrivate(async (a) => {
      const bad = await a.post('/api/ocsp', body(`${base}/bad-redirect`))
      expect(bad.statusCode).toBe(502)
      expect(bad.json()).toMatchObject({ code: 'ocsp_fetch_failed' })
      const file = await a.post('/api/ocsp', body(`${base}/to-file`))
      expect(file.json()).toMatchObject({ code: 'ocsp_forbidden' })
      expect((await a.get('/api/mailboxes')).statusCode).toBe(200)
    })
  })

  it('relays only what has an OCSP response’s shape: a web page or a CRL is refused', async () => {
    await withPrivate(async (a) => {
      for (const path of ['/page', '/crl']) {
        const res = await a.post('/api/ocsp', body(`${base}${path}`))
        expect(res.statusCode, path).toBe(502)
        expect(res.json(), path).toMatchObject({ code: 'ocsp_fetch_failed' })
        expect(res.body).not.toContain('secret')
      }
    })
  })

  it('refuses an oversized answer', async () => {
    await withPrivate(async (a) => {
      const res = await a.post('/api/ocsp', body(`${base}/big`))
      expect(res.statusCode).toBe(502)
      expect(res.json()).toMatchObject({ code: 'ocsp_too_large' })
    })
    await expect(fetchForRelay(`${base}/big`, { kind: 'ocsp', accept: '*/*' }, { allowPrivate: true, maxBytes: 1024 })).rejects.toMatchObject({ code: 'ocsp_too_large' })
  })

  it('a failed responder backs off for every session', async () => {
    await withPrivate(async (a, b) => {
      hits.length = 0
      expect((await a.post('/api/ocsp', body(`${base}/missing`))).statusCode).toBe(502)
      const again = await b.post('/api/ocsp', body(`${base}/missing`))
      expect(again.statusCode).toBe(502)
      expect(again.json().message).toMatch(/not asked again/)
      expect(hits.length).toBe(1)
    })
  })

  it('a session may ask 30 times a minute; then 429, while other sessions still may', async () => {
    await withPrivate(async (a, b) => {
      for (let i = 0; i < 30; i++) expect((await a.post('/api/ocsp', body(`${base}/count/${i}`))).statusCode).toBe(200)
      const refused = await a.post('/api/ocsp', body(`${base}/count/30`))
      expect(refused.statusCode).toBe(429)
      expect(refused.json()).toMatchObject({ code: 'rate_limited' })
      expect((await b.post('/api/ocsp', body(`${base}/count/30`))).statusCode).toBe(200)
    })
  })
})
