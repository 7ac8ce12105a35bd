/**
 * Signer continuity in the reading pane (issue 9) over REAL engine reports: OpenSSL makes
 * two CAs and Alice's certificates and signs the messages (`openssl cms -sign`); core opens
 * them; stores/contacts.ts continuityOf compares the signer with what Contacts holds;
 * mail/continuity.ts words it; SecuritySummary.vue (rendered with Vite SSR) shows it as a
 * warning line, leaving the data-* contract as it was. Renewals say nothing new, and the
 * "Add to contacts" offer (SignerContacts.vue) no longer dresses a renewal as a warning.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import vue from '@vitejs/plugin-vue'
import { createServer, type ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createPinia, setActivePinia } from 'pinia'
import { openMessage } from '../../../src/core/message/open'
import type { SecurityReport, SignerReport } from '../../../src/core/message/report'
import { fromBase64 } from '../../../src/core/util/base64'
import { continuityLine, continuityLines, type SignerContinuityFact } from '../../../src/web/mail/continuity'
import type { CertificateRecord } from '../../../src/web/storage/db'
import { continuityOf } from '../../../src/web/stores/contacts'
import { makeIntermediate, makeLeaf, makeRoot, Workdir, type Issued, type TestCa } from '../core/pki/gen'

const crypto = globalThis.crypto
const at = new Date('2030-01-01T00:00:00Z')
const EMAIL = 'alice@example.com'

let work: Workdir
let otherWork: Workdir
let root: TestCa
let otherRoot: TestCa
let ca: TestCa
let otherCa: TestCa
let stored: Issued
beforeAll(() => {
  work = new Workdir()
  otherWork = new Workdir()
  root = makeRoot(work, 'Continuity Words Root', 'ec-p256')
  ca = makeIntermediate(root, 'Example Mail CA', 'ec-p256')
  otherRoot = makeRoot(otherWork, 'Elsewhere Root', 'ec-p256')
  otherCa = makeIntermediate(otherRoot, 'Elsewhere Issuing CA', 'ec-p256')
  stored = makeLeaf(ca, { email: EMAIL })
})
afterAll(() => {
  work.dispose()
  otherWork.dispose()
})

/** Sign a message from EMAIL with `leaf` and open it with both roots trusted. */
async function open(leaf: Issued, int: TestCa): Promise<{ report: SecurityReport; signer: SignerReport; der: Uint8Array }> {
  const content = work.path(work.unique('content') + '.txt')
  writeFileSync(content, 'Content-Type: text/plain\r\n\r\nhello\r\n')
  const out = work.path(work.unique('signed') + '.eml')
  execFileSync('openssl', ['cms', '-sign', '-in', content, '-signer', leaf.pemFile, '-inkey', leaf.keyFile, '-certfile', int.pemFile, '-crlfeol', '-out', out])
  const raw = Buffer.concat([Buffer.from(`From: Alice <${EMAIL}>\r\nTo: bob@example.com\r\nSubject: continuity\r\n`), readFileSync(out)])
  const keyring = { identities: [], trustAnchors: [root.der, otherRoot.der], certificates: [], crls: [], at }
  const report = (await openMessage(new Uint8Array(raw), keyring, crypto)).report
  const layer = report.layers[0]
  const signer = layer?.kind === 'signed' ? layer.signers[0] : undefined
  if (!signer?.certificate) throw new Error('no signer in the report')
  return { report, signer, der: fromBase64(signer.certificate) }
}

/** A Contacts record as storage holds it (only the fields continuity reads matter). */
function record(der: Uint8Array, emails = [EMAIL], sha256 = 'stored'): CertificateRecord {
  return {
    sha256,
    der,
    subject: 'CN=Test User, O=Cachet Test',
    issuer: 'CN=Example Mail CA, O=Cachet Test',
    serial: '01',
    emails,
    notBefore: '2021-01-01T00:00:00.000Z',
    notAfter: '2038-01-01T00:00:00.000Z',
    selfSigned: false,
    isCA: false,
    keyAlgorithm: 'EC P-256',
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: ['emailProtection'],
    source: 'mail',
    firstSeen: '2026-01-01T00:00:00.000Z',
    lastSeen: '2026-01-01T00:00:00.000Z',
    capabilities: null,
    capabilitiesSeen: null,
  }
}

const WARNING = `${EMAIL} signed with a different certificate than before, issued by Elsewhere Issuing CA`

describe('signer continuity against Contacts', () => {
  it('a different key from a different CA: the warning line names the address and the new issuer', async () => {
    const { report, signer, der } = await open(makeLeaf(otherCa, { email: EMAIL }), otherCa)
    expect(report.verdict.signature).toBe('valid')
    const fact = await continuityOf(signer, der, [record(stored.der)])
    expect(fact).toEqual({
      address: EMAIL,
      continuity: {
        kind: 'changed',
        issuer: 'CN=Elsewhere Issuing CA, O=Cachet Test',
        issuerName: 'Elsewhere Issuing CA',
        previousIssuers: ['CN=Example Mail CA, O=Cachet Test'],
      },
    })
    expect(continuityLine(fact)).toEqual({ tone: 'warn', text: WARNING })
  })

  it('a renewal by the same CA (new key) says nothing', async () => {
    const { signer, der } = await open(makeLeaf(ca, { email: EMAIL, startDate: '20240101000000Z' }), ca)
    const fact = await continuityOf(signer, der, [record(stored.der)])
    expect(fact.continuity).toEqual({ kind: 'renewed' })
    expect(continuityLine(fact)).toBeNull()
  })

  it('a certificate the user already added is the same certificate: quiet, even with an older one from another CA stored', async () => {
    const newer = makeLeaf(otherCa, { email: EMAIL })
    const { signer, der } = await open(newer, otherCa)
    const fact = await continuityOf(signer, der, [record(stored.der, [EMAIL], 'old'), record(newer.der, [EMAIL], 'accepted')])
    expect(fact.continuity).toEqual({ kind: 'same' })
    expect(continuityLine(fact)).toBeNull()
  })

  it('nothing stored for the address (certificates of other addresses do not count): first, quiet', async () => {
    const { signer, der } = await open(makeLeaf(otherCa, { email: EMAIL }), otherCa)
    const fact = await continuityOf(signer, der, [record(stored.der, ['carol@example.com'])])
    expect(fact.continuity).toEqual({ kind: 'first' })
    expect(continuityLines([fact])).toEqual([])
  })

  it('continuityLines says each changed signer once and skips signers without an address', () => {
    const changed: SignerContinuityFact = { address: EMAIL, continuity: { kind: 'changed', issuer: 'CN=X', issuerName: 'X', previousIssuers: ['CN=Y'] } }
    expect(continuityLines([changed, changed, { ...changed, address: null }, { address: 'bob@example.com', continuity: { kind: 'same-key' } }])).toEqual([
      { tone: 'warn', text: `${EMAIL} signed with a different certificate than before, issued by X` },
    ])
  })
})

describe('the reading pane components show it', () => {
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

  async function render(props: Record<string, unknown>): Promise<string> {
    const mod = (await vite.ssrLoadModule('/src/web/components/security-status/SecuritySummary.vue')) as { default: Component }
    return renderToString(createSSRApp({ render: () => h(mod.default, props) }))
  }
  const text = (html: string) => html.replace(/<!--[^>]*-->/g, '')

  it('a changed certificate: a warn line with an icon and the exact words; verdict and data-* unchanged', async () => {
    const { report, signer, der } = await open(makeLeaf(otherCa, { email: EMAIL }), otherCa)
    const fact = await continuityOf(signer, der, [record(stored.der)])
    const html = text(await render({ report, signers: [fact] }))
    expect(html).toContain('data-signature="valid"')
    expect(html).toContain('data-encryption="none"')
    const line = /<p class="([^"]*)" data-testid="signer-continuity">(.*?)<\/p>/.exec(html)
    expect(line?.[1]?.split(' ').sort()).toEqual(['smime-line', 'tone-warn'])
    expect(line?.[2]).toMatch(/^<svg[^]*<\/svg><span>/)
    expect(line?.[2]).toContain(`<span>${WARNING}</span>`)
    // The signature line itself still says what the engine found.
    expect(html).toContain(`Signed by ${EMAIL}, verified`)
    // Same markup as without continuity, apart from the added line.
    const plain = text(await render({ report }))
    expect(html.replace(/<p class="[^"]*" data-testid="signer-continuity">.*?<\/p>/, '')).toBe(plain)
  })

  it('a renewal renders nothing new', async () => {
    const { report, signer, der } = await open(makeLeaf(ca, { email: EMAIL }), ca)
    const html = text(await render({ report, signers: [await continuityOf(signer, der, [record(stored.der)])] }))
    expect(html).not.toContain('signer-continuity')
    expect(html).not.toContain('different certificate')
    expect(html).toBe(text(await render({ report })))
  })

  /** Render the offers with the reader store holding `offers` (as openSecurely would leave it). */
  async function renderOffers(offers: unknown[]): Promise<string> {
    const { useReaderStore } = (await vite.ssrLoadModule('/src/web/stores/reader.ts')) as typeof import('../../../src/web/stores/reader')
    const mod = (await vite.ssrLoadModule('/src/web/components/security-status/SignerContacts.vue')) as { default: Component }
    const pinia = createPinia()
    setActivePinia(pinia)
    const reader = useReaderStore()
    reader.signersToAdd = offers as typeof reader.signersToAdd
    const app = createSSRApp({ render: () => h(mod.default) })
    app.use(pinia)
    return (await renderToString(app)).replace(/<!--[^>]*-->/g, '').replace(/\s+/g, ' ')
  }

  async function offer(leaf: Issued, int: TestCa) {
    const { signer, der } = await open(leaf, int)
    return { signer, sha256: 'new', replacesKnown: [record(stored.der)], ...(await continuityOf(signer, der, [record(stored.der)])) }
  }

  it('SignerContacts: a renewal is offered without the warning look and called a renewal; a change keeps the warning look', async () => {
    const renewal = await renderOffers([await offer(makeLeaf(ca, { email: EMAIL }), ca)])
    expect(renewal).toMatch(/<div class="smime-contact" role="status" data-sha256="new">/)
    expect(renewal).toContain(`${EMAIL} signed with a different certificate than the one in your Contacts: a renewal by the same issuer (CN=Example Mail CA, O=Cachet Test).`)
    const change = await renderOffers([await offer(makeLeaf(otherCa, { email: EMAIL }), otherCa)])
    expect(change).toMatch(/<div class="(changed smime-contact|smime-contact changed)" role="status" data-sha256="new">/)
    expect(change).toContain(`<strong>${EMAIL} signed with a different certificate</strong> than the one in your Contacts`)
  })
})
