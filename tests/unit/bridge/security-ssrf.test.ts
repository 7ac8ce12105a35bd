/**
 * Issue #3, the bridge's CRL relay against SSRF, beyond tests/unit/bridge/crl.test.ts:
 * the other spellings of loopback and private addresses that URL parsers and resolvers
 * accept (decimal, hex, octal, short forms, IPv4-mapped and NAT64 IPv6, trailing dots),
 * credentials in the URL, and redirects (to file:, to credentials, loops) that must be
 * checked at every hop. A local server records whether any request reached it.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fetchCrl } from '../../../src/bridge/crl/fetch'
import { signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let server: Server
let port = 0
const hits: string[] = []

beforeAll(async () => {
  h = await startHarness({ allowPrivateCrl: false })
  alice = await signIn(h.app, 'alice@example.com')
  server = createServer((req, res) => {
    hits.push(req.url ?? '')
    if (req.url === '/to-file') return res.writeHead(302, { location: 'file:///etc/passwd' }).end()
    if (req.url === '/to-creds') return res.writeHead(302, { location: `http://user:pw@127.0.0.1:${port}/ca.crl` }).end()
    if (req.url === '/loop') return res.writeHead(302, { location: '/loop' }).end()
    res.end(Buffer.from([0x30, 0x00]))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  port = (server.address() as { port: number }).port
}, 60_000)
afterAll(async () => {
  server?.close()
  await h?.stop()
})

describe('CRL relay: SSRF spellings (production mode)', () => {
  it('refuses every other spelling of loopback and private addresses, and no request reaches the local server', async () => {
    hits.length = 0
    const spellings = [
      `http://2130706433:${port}/ca.crl`, // 127.0.0.1 as one decimal number
      `http://0x7f000001:${port}/ca.crl`, // hex
      `http://0x7f.0.0.1:${port}/ca.crl`,
      `http://017700000001:${port}/ca.crl`, // octal
      `http://0177.0.0.1:${port}/ca.crl`,
      `http://127.1:${port}/ca.crl`, // short form
      `http://127.0.0.1.:${port}/ca.crl`, // trailing dot
      `http://localhost.:${port}/ca.crl`,
      `http://LOCALHOST:${port}/ca.crl`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${port}/ca.crl`, // IPv4-mapped, long form
      `http://[::ffff:7f00:1]:${port}/ca.crl`,
      `http://[::]:${port}/ca.crl`,
      `http://[fc00::1]/ca.crl`, // unique local
      `http://[fe80::1]/ca.crl`, // link-local
      'http://100.100.100.200/latest/meta-data', // CGNAT (cloud metadata on some providers)
      'http://172.31.255.255/ca.crl',
      'http://[::ffff:169.254.169.254]/latest/meta-data',
      'http://0/ca.crl',
    ]
    for (const url of spellings) {
      const res = await alice.get(`/api/crl?url=${encodeURIComponent(url)}`)
      // Refused, or (a name the resolver does not know, like "localhost.") not resolvable:
      // either way nothing is fetched, which the recording server confirms below.
      expect(res.statusCode, url).not.toBe(200)
      expect(['crl_forbidden', 'bad_request', 'crl_fetch_failed'], url).toContain(res.json().code)
      if (res.json().code === 'crl_fetch_failed') expect(res.json().message, url).toMatch(/does not resolve/)
    }
    expect(hits).toEqual([])
  })

  it('refuses URLs with credentials', async () => {
    const res = await alice.get(`/api/crl?url=${encodeURIComponent('http://user:secret@example.com/ca.crl')}`)
    expect([400, 403]).toContain(res.statusCode)
  })

  it('refuses header or request-line injection in the URL', async () => {
    for (const url of ['http://example.com/ca.crl\r\nHost: 127.0.0.1', 'http://example.com/ca.crl HTTP/1.1\r\nX: y', 'http://exa\u0000mple.com/ca.crl']) {
      const res = await alice.get(`/api/crl?url=${encodeURIComponent(url)}`)
      expect([400, 403], JSON.stringify(url)).toContain(res.statusCode)
    }
  })
})

describe('CRL relay: redirects are checked at every hop', () => {
  it('a redirect to file: is refused', async () => {
    await expect(fetchCrl(`http://127.0.0.1:${port}/to-file`, { allowPrivate: true })).rejects.toMatchObject({ code: 'crl_forbidden' })
  })

  it('a redirect to a URL with credentials is refused', async () => {
    await expect(fetchCrl(`http://127.0.0.1:${port}/to-creds`, { allowPrivate: true })).rejects.toMatchObject({ code: 'crl_forbidden' })
  })

  it('a redirect loop stops after the redirect limit', async () => {
    hits.length = 0
    await expect(fetchCrl(`http://127.0.0.1:${port}/loop`, { allowPrivate: true, maxRedirects: 3 })).rejects.toMatchObject({ code: 'crl_fetch_failed' })
    expect(hits.length).toBe(4)
  })

  it('in production mode the first hop to a private address never leaves the bridge', async () => {
    hits.length = 0
    await expect(fetchCrl(`http://127.0.0.1:${port}/ca.crl`, { allowPrivate: false })).rejects.toMatchObject({ code: 'crl_forbidden' })
    expect(hits).toEqual([])
  })
})
