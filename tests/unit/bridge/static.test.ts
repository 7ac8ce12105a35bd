import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig } from '../../../src/bridge/config'

const INDEX = '<!doctype html><title>Cachet</title><script type="module" src="/assets/app.js"></script>' + '<!-- padding -->'.repeat(20)
const HASHED = `export const greeting = ${JSON.stringify('hello '.repeat(200))}\n`

let dir: string
let app: FastifyInstance
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-dist-'))
  mkdirSync(join(dir, 'assets'))
  // As the build leaves it (vite.config.ts, precompress): each text file with .br and .gz copies.
  const withCopies = (path: string, text: string) => {
    writeFileSync(path, text)
    writeFileSync(`${path}.br`, brotliCompressSync(text))
    writeFileSync(`${path}.gz`, gzipSync(text))
  }
  withCopies(join(dir, 'index.html'), INDEX)
  withCopies(join(dir, 'assets', 'main-Cx1d2e3F.js'), HASHED)
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  app = await buildApp(loadConfig({}, { staticDir: dir, logLevel: false }))
})
afterAll(async () => {
  await app?.close()
  rmSync(dir, { recursive: true, force: true })
})

const get = (url: string, acceptEncoding?: string) =>
  app.inject({ method: 'GET', url, headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } })

describe('serving the built app from the same origin', () => {
  it('serves index.html and assets with the security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/' })
    expect(res.statusCode).toBe(200)
    expect(res.body).toContain('<title>Cachet</title>')
    expect(res.headers['content-security-policy']).toContain("script-src 'self'")
    const js = await app.inject({ method: 'GET', url: '/assets/app.js' })
    expect(js.statusCode).toBe(200)
    expect(js.headers['content-type']).toContain('javascript')
  })

  it('falls back to index.html for app routes (deep links), not for /api', async () => {
    const deep = await app.inject({ method: 'GET', url: '/mail/INBOX/42' })
    expect(deep.statusCode).toBe(200)
    expect(deep.body).toContain('<title>Cachet</title>')
    const api = await app.inject({ method: 'GET', url: '/api/does-not-exist' })
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ code: 'not_found' })
  })
})

describe('precompressed files, chosen by Accept-Encoding (issue 12)', () => {
  it('sends the brotli copy to a browser that accepts br, with its own type and Vary', async () => {
    const res = await get('/assets/main-Cx1d2e3F.js', 'gzip, deflate, br, zstd')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/)
    expect(res.headers.vary).toMatch(/accept-encoding/i)
    expect(brotliDecompressSync(res.rawPayload).toString()).toBe(HASHED)
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length)
  })

  it('sends the gzip copy to a client that accepts gzip only', async () => {
    const res = await get('/assets/main-Cx1d2e3F.js', 'gzip')
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(res.headers['content-type']).toContain('javascript')
    expect(res.headers.vary).toMatch(/accept-encoding/i)
    expect(gunzipSync(res.rawPayload).toString()).toBe(HASHED)
  })

  it('sends the plain file to a client that accepts neither encoding, still varying on it', async () => {
    for (const accept of [undefined, 'identity', 'deflate']) {
      const res = await get('/assets/main-Cx1d2e3F.js', accept)
      expect(res.statusCode, String(accept)).toBe(200)
      expect(res.headers['content-encoding'], String(accept)).toBeUndefined()
      expect(res.headers['content-type'], String(accept)).toContain('javascript')
      expect(res.headers.vary, String(accept)).toMatch(/accept-encoding/i)
      expect(res.body, String(accept)).toBe(HASHED)
    }
  })

  it('sends a file the build left without copies as it is', async () => {
    const res = await get('/assets/app.js', 'br, gzip')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.body).toBe('console.log(1)')
  })

  it('compresses index.html and the SPA fallback too, as text/html', async () => {
    for (const url of ['/', '/index.html', '/mail/INBOX/42']) {
      const res = await get(url, 'br')
      expect(res.statusCode, url).toBe(200)
      expect(res.headers['content-encoding'], url).toBe('br')
      expect(res.headers['content-type'], url).toMatch(/^text\/html/)
      expect(res.headers.vary, url).toMatch(/accept-encoding/i)
      expect(brotliDecompressSync(res.rawPayload).toString(), url).toBe(INDEX)
      expect(res.headers['content-security-policy'], `${url}: the security headers stay`).toContain("script-src 'self'")
      expect(res.headers['x-content-type-options'], url).toBe('nosniff')
    }
  })
})

describe('cache lifetimes (issue 12)', () => {
  it('keeps hashed assets a year, immutable, whichever encoding is sent', async () => {
    for (const accept of ['br', 'gzip', 'identity']) {
      const res = await get('/assets/main-Cx1d2e3F.js', accept)
      expect(res.headers['cache-control'], accept).toBe('public, max-age=31536000, immutable')
    }
  })

  it('revalidates index.html, the SPA fallback and files outside /assets/ on every visit', async () => {
    for (const url of ['/', '/index.html', '/mail/INBOX/42', '/favicon.svg']) {
      for (const accept of ['br', 'identity']) {
        const res = await get(url, accept)
        expect(res.statusCode, url).toBe(200)
        expect(res.headers['cache-control'], `${url} ${accept}`).toBe('no-cache')
      }
    }
  })

  it('answers a revalidation of index.html with 304 when it has not changed', async () => {
    const first = await get('/', 'br')
    const etag = first.headers.etag
    expect(etag).toBeTruthy()
    const again = await app.inject({ method: 'GET', url: '/', headers: { 'accept-encoding': 'br', 'if-none-match': String(etag) } })
    expect(again.statusCode).toBe(304)
  })
})
