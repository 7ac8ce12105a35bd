/**
 * The reading pane's words for weak algorithms (mail/security.ts) over REAL engine
 * reports: OpenSSL makes the PKI (a SHA-1-signed chain, a 1024-bit CA key) and signs
 * the message (`openssl cms -sign`); core opens it; the summary says what is weak and
 * is not "good". The components themselves are rendered too (Vite SSR with the Vue
 * plugin): the summary line and the details view carry the words.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import vue from '@vitejs/plugin-vue'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createPinia } from 'pinia'
import { openMessage } from '../../../src/core/message/open'
import type { SecurityReport } from '../../../src/core/message/report'
import { chainWeaknessWords, summarizeSecurity } from '../../../src/web/mail/security'
import { makeIntermediate, makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../core/pki/gen'

const crypto = globalThis.crypto
const at = new Date('2030-01-01T00:00:00Z')
const EMAIL = 'alice@example.test'

let work: Workdir
let root: TestCa
beforeAll(() => {
  work = new Workdir()
  root = makeRoot(work, 'Words Root', 'rsa')
})
afterAll(() => work.dispose())

async function open(leaf: Issued, int: TestCa, md = 'sha256'): Promise<SecurityReport> {
  const content = work.path(work.unique('content') + '.txt')
  writeFileSync(content, 'Content-Type: text/plain\r\n\r\nhello\r\n')
  const out = work.path(work.unique('signed') + '.eml')
  execFileSync('openssl', ['cms', '-sign', '-in', content, '-signer', leaf.pemFile, '-inkey', leaf.keyFile, '-certfile', int.pemFile, '-md', md, '-crlfeol', '-out', out])
  const raw = Buffer.concat([Buffer.from(`From: ${EMAIL}\r\nTo: bob@example.test\r\nSubject: words\r\n`), readFileSync(out)])
  const keyring = { identities: [], trustAnchors: [root.der], certificates: [], crls: [], at }
  return (await openMessage(new Uint8Array(raw), keyring, crypto)).report
}

describe('weak algorithms in words', () => {
  it('a SHA-1-signed chain: verified, but the summary warns and names the certificate and SHA-1', async () => {
    const int = makeIntermediate(root, 'SHA1 Words CA', 'rsa', undefined, { startDate: '20200101000000Z', endDate: '20390101000000Z', md: 'sha1' })
    const report = await open(makeLeaf(int, { md: 'sha1', email: EMAIL }), int)
    const s = summarizeSecurity(report)
    expect(s.signature).toBe('valid')
    expect(s.signed?.tone).toBe('warn')
    expect(s.signed?.text).toBe(
      `Signed by ${EMAIL}, verified, but with weak algorithms: the signer's certificate is signed with SHA-1, which is no longer safe (and 1 more in the details)`,
    )
    expect(s.weakAlgorithms).toEqual([
      "The signer's certificate is signed with SHA-1, which is no longer safe",
      'The issuing certificate "SHA1 Words CA" is signed with SHA-1, which is no longer safe',
    ])
  })

  it('a SHA-1 message digest on a strong chain is weak too', async () => {
    const int = makeIntermediate(root, 'Strong CA', 'rsa')
    const s = summarizeSecurity(await open(makeLeaf(int, { email: EMAIL }), int, 'sha1'))
    expect(s.signature).toBe('valid')
    expect(s.signed?.tone).toBe('warn')
    expect(s.weakAlgorithms).toEqual(['The signature was made with SHA-1, which is no longer safe'])
  })

  it('a 1024-bit RSA key on the issuing CA is named', async () => {
    const int = makeIntermediate(root, 'Short Key CA', 'rsa-1024')
    const s = summarizeSecurity(await open(makeLeaf(int, { keyType: 'rsa', email: EMAIL }), int))
    expect(s.signed?.tone).toBe('warn')
    expect(s.weakAlgorithms).toEqual(['The issuing certificate "Short Key CA" has a 1024-bit RSA key, which is no longer safe'])
  })

  it('SHA-256 throughout: good, nothing weak', async () => {
    const int = makeIntermediate(root, 'Good CA', 'rsa')
    const s = summarizeSecurity(await open(makeLeaf(int, { email: EMAIL }), int))
    expect(s.signed).toEqual({ tone: 'good', text: `Signed by ${EMAIL}, verified` })
    expect(s.weakAlgorithms).toEqual([])
  })

  it('an MD5-signed signer certificate: not trusted (not merely weak)', async () => {
    const int = makeIntermediate(root, 'MD5 Words CA', 'rsa')
    const report = await open(makeLeaf(int, { md: 'md5', email: EMAIL }), int)
    expect(report.verdict.signature).toBe('untrusted')
    const signer = report.layers[0]!.kind === 'signed' ? report.layers[0]!.signers[0]! : null
    expect(signer?.reasons.join(' ')).toMatch(/is signed with MD5/)
    expect(summarizeSecurity(report).signed?.tone).toBe('warn')
  })

  it('chainWeaknessWords for each kind', () => {
    expect(chainWeaknessWords({ index: 0, subject: 'CN=A', kind: 'signature', algorithm: 'sha1', reason: '' })).toBe(
      "the signer's certificate is signed with SHA-1, which is no longer safe",
    )
    expect(chainWeaknessWords({ index: 2, subject: 'CN=Old\\, Root, O=X', kind: 'key', algorithm: 'rsa-1536', reason: '' })).toBe(
      'the issuing certificate "Old, Root" has a 1536-bit RSA key, which is no longer safe',
    )
  })
})

describe('the components say it', () => {
  let vite: ViteDevServer
  beforeAll(async () => {
    vite = await createServer({
      configFile: false,
      root: new URL('../../..', import.meta.url).pathname,
      plugins: [vue()],
      server: { middlewareMode: true, hmr: false, ws: false },
      appType: 'custom',
      logLevel: 'silent',
      optimizeDeps: { noDiscovery: true, include: [] },
    })
  }, 60_000)
  afterAll(async () => {
    await vite?.close()
  })

  async function render(file: string, props: Record<string, unknown>): Promise<string> {
    const mod = (await vite.ssrLoadModule(`/src/web/components/security-status/${file}`)) as { default: Component }
    // SecurityDetails reads the open message's raw bytes from the reader store (server claims).
    const app = createSSRApp({ render: () => h(mod.default, props) })
    app.use(createPinia())
    return renderToString(app)
  }

  it('SecuritySummary: warn tone and the weak words; SecurityDetails: each finding as a sentence', async () => {
    const int = makeIntermediate(root, 'SHA1 Render CA', 'rsa', undefined, { startDate: '20200101000000Z', endDate: '20390101000000Z', md: 'sha1' })
    const report = await open(makeLeaf(int, { md: 'sha1', email: EMAIL }), int)
    const summary = await render('SecuritySummary.vue', { report })
    expect(summary).toContain('data-signature="valid"')
    expect(summary).toMatch(/<p class="[^"]*\btone-warn\b[^"]*" data-testid="signature-status"/)
    expect(summary).toContain(`Signed by ${EMAIL}, verified, but with weak algorithms: the signer&#39;s certificate is signed with SHA-1, which is no longer safe`)
    const details = await render('SecurityDetails.vue', { report })
    const weak = /data-testid="signer-weak-algorithms">(.*?)<\/dd>/.exec(details)?.[1] ?? ''
    expect(weak.replace(/<!--[^>]*-->/g, '')).toBe(
      '<ul><li>The signer&#39;s certificate is signed with SHA-1, which is no longer safe.</li>' +
        '<li>The issuing certificate &quot;SHA1 Render CA&quot; is signed with SHA-1, which is no longer safe.</li></ul>',
    )
  })
})
