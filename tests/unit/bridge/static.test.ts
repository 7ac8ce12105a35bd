import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig } from '../../../src/bridge/config'

let dir: string
let app: FastifyInstance
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-dist-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Cachet</title><script type="module" src="/assets/app.js"></script>')
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
  app = await buildApp(loadConfig({}, { staticDir: dir, logLevel: false }))
})
afterAll(async () => {
  await app?.close()
  rmSync(dir, { recursive: true, force: true })
})

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
