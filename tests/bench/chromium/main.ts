/**
 * Bench page for the S/MIME benchmarks (tests/bench/smime-*.bench.ts): the app's own
 * crypto worker module and client, started exactly as the app starts them (client.ts),
 * driven along the app's real path: fetch the raw message bytes → transfer them to the
 * worker → open/seal there (base64, MIME, CMS) → result back to the page.
 */
import { CryptoWorkerClient } from '../../../src/web/workers/client'
import type { PublicKeyring } from '../../../src/web/workers/protocol'
import { parseMime } from '../../../src/core/mime'
import { extractBody } from '../../../src/core/message/view'

// Named as the app names an account's worker ('cachet-crypto:' + account): its key store is the bench account's.
const client = new CryptoWorkerClient(
  new Worker(new URL('../../../src/web/workers/crypto.worker.ts', import.meta.url), { type: 'module', name: 'cachet-crypto:bench' }),
)

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url, { cache: 'no-store' })
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`)
  return new Uint8Array(await r.arrayBuffer())
}

async function keyring(urls: string[]): Promise<PublicKeyring> {
  return { trustAnchors: await Promise.all(urls.map(fetchBytes)), certificates: [], crls: [] }
}

/** The bytes fetched by load(), handed to the worker (transferred) by the next open/seal. */
let loaded: Uint8Array | null = null

const bench = {
  /** Imports a PFX into the worker's key store; returns the identity id. */
  async importPfx(url: string, pfxPassword: string, passphrase: string): Promise<string> {
    const r = await client.call('importPfx', { bytes: await fetchBytes(url), pfxPassword, passphrase })
    return r.identities[0]!.id
  },

  /** Step 1 of the path: fetch the raw message (as the app's fetchRaw: response.arrayBuffer()). */
  async load(url: string) {
    const t0 = performance.now()
    loaded = await fetchBytes(url)
    return { ms: performance.now() - t0, size: loaded.length }
  },

  /** Step 2: transfer the loaded bytes to the worker, open them there, result back. */
  async open(anchorUrls: string[]) {
    const kr = await keyring(anchorUrls)
    const raw = loaded!
    loaded = null
    const t0 = performance.now()
    const r = await client.call('open', { raw, keyring: kr }, { transfer: [raw.buffer] })
    const ms = performance.now() - t0
    opened = r.kind === 'opened' ? r.inner : null
    return { ms, kind: r.kind, verdict: r.report.verdict, errors: r.report.errors, innerBytes: opened?.length ?? 0 }
  },

  /**
   * After open, once its time and memory are read: the body the page got as `inner` (the
   * worker does not decode it, OpenOptions.body), its attachments decoded here, to be
   * compared with the ones sent. Then dropped.
   */
  async checkInner() {
    const inner = opened
    opened = null
    const body = inner ? await extractBody(parseMime(inner), crypto) : null
    return { attachments: (body?.attachments ?? []).map((a) => ({ size: a.size, sha256: a.sha256 })) }
  },

  /** Step 2: transfer the loaded draft to the worker, seal it (sign then encrypt), sealed bytes back. */
  async seal(identityId: string, recipientUrls: string[]) {
    const recipients = await Promise.all(recipientUrls.map(fetchBytes))
    const draftRaw = loaded!
    loaded = null
    const t0 = performance.now()
    const r = await client.call(
      'seal',
      { draftRaw, options: { identityId, sign: true, encrypt: true, recipients, cipher: 'aes-256-cbc' } },
      { transfer: [draftRaw.buffer] },
    )
    const ms = performance.now() - t0
    sealed = r.kind === 'sealed' ? r.raw : null
    return { ms, kind: r.kind, outBytes: sealed?.length ?? 0 }
  },

  /** Hands the last sealed message back to the bench (for OpenSSL to check), then drops it. */
  async upload(name: string) {
    if (sealed) await fetch(`/upload/${name}`, { method: 'PUT', body: new Blob([sealed as Uint8Array<ArrayBuffer>]) })
    sealed = null
  },
}
let sealed: Uint8Array | null = null
/** The inner entity of the last open, for checkInner. */
let opened: Uint8Array | null = null

;(window as unknown as { bench: typeof bench }).bench = bench

/**
 * Profiling aid (not a measurement of the app's path): the same engine run on the page's
 * main thread, so a CDP CPU profile of the page covers it. Loaded only when called.
 */
const direct = {
  async open(url: string, certUrl: string, keyUrl: string, anchorUrl: string) {
    const { openMessage } = await import('../../../src/core/message')
    const [raw, certificate, privateKey, anchor] = await Promise.all([url, certUrl, keyUrl, anchorUrl].map(fetchBytes))
    const t0 = performance.now()
    const r = await openMessage(raw!, { identities: [{ certificate: certificate!, chain: [], privateKey: privateKey! }], trustAnchors: [anchor!], certificates: [], crls: [] }, crypto)
    return { ms: performance.now() - t0, verdict: r.report.verdict, errors: r.report.errors }
  },
  async seal(url: string, certUrl: string, keyUrl: string, recipientUrl: string) {
    const { sealMessage } = await import('../../../src/core/message')
    const [raw, certificate, privateKey, recipient] = await Promise.all([url, certUrl, keyUrl, recipientUrl].map(fetchBytes))
    const t0 = performance.now()
    const out = await sealMessage(raw!, { identity: { certificate: certificate!, chain: [], privateKey: privateKey! }, sign: true, encrypt: true, recipients: [recipient!] }, crypto)
    return { ms: performance.now() - t0, outBytes: out.length }
  },
}
;(window as unknown as { direct: typeof direct }).direct = direct

/** Where the time goes: the steps of an open, each timed (phases.ts). */
const phases = {
  async open(url: string, certUrl: string, keyUrl: string) {
    const core = await import('./phases')
    const [raw, certificate, privateKey] = await Promise.all([url, certUrl, keyUrl].map(fetchBytes))
    return core.phases(raw!, { certificate: certificate!, chain: [], privateKey: privateKey! }, crypto)
  },
}
;(window as unknown as { phases: typeof phases }).phases = phases
