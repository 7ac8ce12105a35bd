/**
 * Shared setup of the browser half of issue #3 (tests/e2e/hostile-*.test.ts): a PKI made
 * by OpenSSL for the run (the hostile corpus's identities plus a second certificate for
 * Alice from the same CA), the victim Bob signed in with his PFX imported and the test
 * root trusted through Contacts, a recording HTTP server on 127.0.0.1, and a watcher of
 * everything the page does (requests of every frame and worker, dialogs, popups).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BrowserContext, Page, Request } from 'playwright-core'
import { createPki, type Leaf, type Pki } from '../interop/harness/pki'
import { openssl } from '../interop/harness/run'
import type { CorpusIdentity, CorpusPki } from '../hostile-corpus/pki'
import { eventually, type Harness } from './harness'

export const VICTIM = 'bob@example.com'
export const PASSPHRASE = 'hostile suite key store passphrase'

/** An HTTP server that records every hit: an attack's exfiltration endpoint. */
export interface Recorder {
  url: string
  hits: string[]
  close(): Promise<void>
}

export async function startRecorder(): Promise<Recorder> {
  const hits: string[] = []
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(() => r())) }
}

export interface E2ePki extends CorpusPki {
  /** A second, equally valid certificate for Alice's address from the same CA (a key change). */
  alice2: CorpusIdentity
  rootName: string
}

async function identity(pki: Pki, leaf: Leaf): Promise<CorpusIdentity> {
  const pkcs8 = new Uint8Array(await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', leaf.keyPath, '-outform', 'DER']))
  return { certificate: leaf.certDer, chain: [pki.intermediate.certDer], privateKey: pkcs8, email: leaf.email, leaf }
}

/** The corpus PKI (same shape as tests/hostile-corpus/pki.ts) plus alice2. */
export async function makeE2ePki(): Promise<E2ePki> {
  const pki = await createPki('cachet-hostile-e2e')
  const other = await createPki('cachet-hostile-e2e-eve')
  const a = await pki.issue('alice', { key: 'rsa2048', email: 'alice@example.test' })
  const b = await pki.issue('bob', { key: 'rsa2048', email: 'bob@example.test' })
  const m = await pki.issue('mallory', { key: 'p256', email: 'mallory@evil.test' })
  const a2 = await pki.issue('alice-new', { key: 'rsa2048', email: 'alice@example.test' })
  const e = await other.issue('eve', { key: 'rsa2048', email: 'alice@example.test' })
  const [alice, bob, mallory, alice2, eve] = await Promise.all([identity(pki, a), identity(pki, b), identity(pki, m), identity(pki, a2), identity(other, e)])
  return {
    alice,
    bob,
    mallory,
    eve,
    alice2,
    rootName: 'Cachet Interop Root CA',
    root: pki.root.certDer,
    intermediate: pki.intermediate.certDer,
    rootPath: pki.root.certPath,
    keyring: () => ({ identities: [bob], trustAnchors: [pki.root.certDer], certificates: [pki.intermediate.certDer], crls: [] }),
    cleanup: async () => {
      await pki.cleanup()
      await other.cleanup()
    },
  }
}

/** Put `[tag] ` in front of the top-level Subject, so each case has its own list row. */
export function tagSubject(raw: Uint8Array, tag: string): Buffer {
  const s = Buffer.from(raw).toString('latin1')
  const out = s.replace(/^Subject: /m, `Subject: [${tag}] `)
  if (out === s) throw new Error(`${tag}: no Subject header to tag`)
  return Buffer.from(out, 'latin1')
}

/**
 * Bob, the victim, in a fresh context: signed in, his PFX imported (Settings → Security),
 * and the test root (plus `extraCerts`) imported in Contacts with the root trusted for email.
 */
export async function victim(h: Harness, pki: E2ePki, extraCerts: string[] = []): Promise<{ context: BrowserContext; page: Page }> {
  const { context, page } = await h.signedIn(VICTIM)
  await page.getByRole('link', { name: 'Security' }).first().click()
  await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Import PFX' }).click()
  await page.getByLabel('PFX file').setInputFiles(pki.bob.leaf.pfxPath)
  await page.getByLabel('PFX password', { exact: true }).fill(pki.bob.leaf.password)
  await page.getByLabel('Key store passphrase', { exact: true }).fill(PASSPHRASE)
  await page.getByLabel('Confirm key store passphrase').fill(PASSPHRASE)
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await page.getByRole('status').filter({ hasText: 'Imported' }).waitFor({ timeout: 90_000 })

  await page.getByRole('link', { name: 'Contacts' }).first().click()
  await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Import certificates' }).click()
  await page.getByLabel('Certificate files').setInputFiles([pki.rootPath, ...extraCerts])
  await page.getByRole('status').filter({ hasText: /Added \d+ certificate/ }).waitFor()
  const box = page.getByRole('article', { name: new RegExp(`Certificate .*${pki.rootName}`) }).getByRole('checkbox', { name: 'Trust for email' })
  await box.click()
  await page.getByRole('dialog', { name: 'Trust certificate' }).getByRole('button', { name: 'Trust' }).click()
  await eventually(() => box.isChecked(), 'the test root trusted')
  await page.getByRole('link', { name: 'Mail' }).first().click()
  await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Inbox' }).waitFor()
  return { context, page }
}

/** Everything the page and its frames (and workers) do that an attacker could observe. */
export interface Watch {
  requests: string[]
  dialogs: string[]
  popups: string[]
  /** Requests that left (or tried to leave) the app's origin, minus those the CSP refused in the browser. */
  outside(): string[]
  reset(): void
}

export function watch(page: Page, origin: string): Watch {
  const requests: string[] = []
  const all: Request[] = []
  const dialogs: string[] = []
  const popups: string[] = []
  // Per request, not per URL: the same image is refused by the CSP before "Load remote
  // content" and allowed after it, and only the refused attempt may be discounted.
  const cspBlocked = new WeakSet<Request>()
  const context = page.context()
  // context-level: every page, frame, service/shared worker of this context.
  context.on('request', (r) => {
    requests.push(r.url())
    all.push(r)
  })
  context.on('requestfailed', (r) => r.failure()?.errorText === 'csp' && cspBlocked.add(r))
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  context.on('page', (p) => popups.push(p.url()))
  const inApp = (u: string) => u.startsWith(`${origin}/`) || u.startsWith('data:') || u.startsWith('blob:') || u === 'about:srcdoc' || u === 'about:blank'
  return {
    requests,
    dialogs,
    popups,
    outside: () => all.filter((r) => !inApp(r.url()) && !cspBlocked.has(r)).map((r) => r.url()),
    reset() {
      requests.length = 0
      all.length = 0
      dialogs.length = 0
      popups.length = 0
    },
  }
}

/** The whole rendered page: the app document and every frame's document, as HTML text. */
export async function everything(page: Page): Promise<string> {
  const parts = [await page.content()]
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue
    parts.push(await f.content().catch(() => ''))
  }
  return parts.join('\n')
}

/** Open the folder, then the list row whose subject carries `[tag]`; wait for the engine's summary. */
export async function openTagged(page: Page, folder: string, tag: string) {
  const nav = page.getByRole('navigation', { name: 'Folders' })
  await nav.getByRole('link', { name: folder, exact: true }).click()
  const row = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: `[${tag}]` })
  await row.click()
  const region = page.getByRole('region', { name: 'Message' })
  await region.getByRole('heading', { name: new RegExp(`\\[${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\]`) }).waitFor()
  const summary = region.getByTestId('security-summary')
  await summary.waitFor({ timeout: 30_000 })
  return { region, summary }
}

/** Markers a script or handler would set, read from the app and every frame. */
export async function scriptMarkers(page: Page): Promise<unknown[]> {
  const out: unknown[] = []
  for (const f of page.frames()) {
    out.push(...(await f.evaluate(() => {
      const w = window as unknown as Record<string, unknown>
      return ['pwned', 'pwnedOnload', 'pwnedOnerror'].map((k) => w[k]).filter((v) => v !== undefined)
    }).catch(() => [])))
  }
  return out
}
