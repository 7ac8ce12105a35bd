/**
 * Issue #3, browser half: every case of the hostile corpus (tests/hostile-corpus: EFAIL
 * wraps, CBC gadgets, GCM tampering, reply oracles, CMS spoofing, MIME wrapping, identity
 * tricks), built from a PKI OpenSSL makes for this run, APPENDed over IMAP to Bob's
 * mailbox and opened in Chromium by Bob, who imported his PFX and trusts the test root.
 *
 * Per case: the summary in app chrome carries the engine's verdict in `data-signature` /
 * `data-encryption`; no secret plaintext appears anywhere (the app document and every
 * frame); no request leaves the app; nothing runs (no dialog, no marker); CBC content is
 * labelled as lacking integrity and cannot load remote content; the signer's real address
 * is visible. Live EFAIL variants point at a recording server that must get zero hits.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCorpus, type AttackClass, type HostileCase } from '../hostile-corpus/build'
import { EXFIL_WRAPS } from '../hostile-corpus/efail'
import { encryptedEntity, envelope, html, message, multipart, randomSecret, secretEntity } from '../hostile-corpus/mime'
import { eventually, startHarness, type Harness } from './harness'
import { VICTIM, everything, makeE2ePki, openTagged, scriptMarkers, startRecorder, tagSubject, victim, watch, type E2ePki, type Recorder, type Watch } from './hostile-setup'

const crypto = globalThis.crypto
let h: Harness
let pki: E2ePki
let rec: Recorder
let dir: string
let page: Page
let w: Watch
let cases: HostileCase[] = []
const live: HostileCase[] = []
/** Shown on purpose in the intact CBC message: proves the frame text is inspected. */
let cbcSecret = ''

const FOLDER: Record<AttackClass | 'live', string> = {
  'efail-direct': 'EFAIL',
  'cbc-malleability': 'CBC',
  'gcm-tamper': 'GCM',
  'reply-oracle': 'Oracles',
  'cms-spoofing': 'CMS',
  'mime-wrapping': 'Wrapping',
  identity: 'Identity',
  live: 'Live',
}

const HOOKS = `<img src="x:" onerror="window.pwnedOnerror=1;alert('onerror ran')"><script>window.pwned=1;alert('script ran')</script>`

/** EFAIL wraps aimed at the recording server, with script and handlers on top. */
async function liveCases(): Promise<HostileCase[]> {
  const out: HostileCase[] = []
  for (const [wrap, [open, close]] of Object.entries(EXFIL_WRAPS)) {
    const secret = randomSecret(`live-${wrap}`)
    const { entity } = await encryptedEntity(secretEntity(secret), [pki.bob.certificate], 'aes-256-cbc', crypto)
    const o = HOOKS + open.replace('http://efail.attacker.test/', `${rec.url}/${wrap}?`)
    out.push({
      name: `live-${wrap}`,
      attack: 'efail-direct',
      description: `Ciphertext between <${wrap}> HTML parts aimed at the recording server, plus script and handlers.`,
      raw: message(envelope(`Alice <${pki.alice.email}>`, 'Re: Launch'), multipart('mixed', [html(o), entity, html(close)])),
      expected: { signature: 'none', encryption: 'none', secrets: [secret], embedded: 1 },
    })
  }
  // Intact CBC-encrypted HTML with a remote image: decrypts, but remote content stays off for good.
  cbcSecret = randomSecret('cbc-html')
  const cbcHtml = html(`<p>Quarterly numbers: ${cbcSecret}</p><img src="${rec.url}/cbc-remote.png" alt="chart">${HOOKS}`)
  out.push({
    name: 'live-cbc-remote',
    attack: 'cbc-malleability',
    description: 'AES-CBC EnvelopedData of HTML with a remote image: no integrity, so no "Load remote content".',
    raw: message(envelope(`Alice <${pki.alice.email}>`, 'Numbers'), (await encryptedEntity(cbcHtml, [pki.bob.certificate], 'aes-256-cbc', crypto)).entity),
    expected: { signature: 'none', encryption: 'decrypted', secrets: [], integrity: false },
  })
  // The same under AES-GCM: integrity protected, so the user may load remote content.
  out.push({
    name: 'live-gcm-remote',
    attack: 'gcm-tamper',
    description: 'Control: AES-GCM AuthEnvelopedData of HTML with a remote image offers "Load remote content".',
    raw: message(envelope(`Alice <${pki.alice.email}>`, 'Numbers'), (await encryptedEntity(html(`<p>Numbers under GCM.</p><img src="${rec.url}/gcm-remote.png" alt="chart">`), [pki.bob.certificate], 'aes-256-gcm', crypto)).entity),
    expected: { signature: 'none', encryption: 'decrypted', secrets: [], integrity: true },
  })
  return out
}

beforeAll(async () => {
  rec = await startRecorder()
  pki = await makeE2ePki()
  dir = await mkdtemp(join(tmpdir(), 'cachet-e2e-hostile-'))
  cases = await buildCorpus(pki, crypto, dir)
  live.push(...(await liveCases()))
  h = await startHarness()
  for (const f of new Set(Object.values(FOLDER))) await h.createMailbox(VICTIM, f)
  for (const c of cases) await h.append(VICTIM, FOLDER[c.attack], tagSubject(c.raw, c.name))
  for (const c of live) await h.append(VICTIM, FOLDER.live, tagSubject(c.raw, c.name))
  page = (await victim(h, pki)).page
  w = watch(page, h.origin)
}, 300_000)

afterAll(async () => {
  await h?.close()
  await rec?.close()
  await pki?.cleanup()
  if (dir) await rm(dir, { recursive: true, force: true })
})

const SHOTS: Record<string, string> = {
  'live-img': 'hostile-01-efail-img',
  'live-cbc-remote': 'hostile-02-cbc-no-integrity',
  'gcm-flip-tag': 'hostile-03-gcm-tampered',
  'wrap-hidden-css': 'hostile-04-wrapped-signature',
  'id-display-name-signed-by-mallory': 'hostile-05-display-name',
}

async function check(c: HostileCase, folder: string): Promise<void> {
  w.reset()
  const { region, summary } = await openTagged(page, folder, c.name)
  const e = c.expected
  expect({ signature: await summary.getAttribute('data-signature'), encryption: await summary.getAttribute('data-encryption') }, c.name).toEqual({
    signature: e.signature,
    encryption: e.encryption,
  })
  // Let every frame parse and every (blocked) load be attempted before looking.
  await page.waitForTimeout(400)
  const all = await everything(page)
  for (const s of e.secrets) expect(all.includes(s), `${c.name}: secret shown`).toBe(false)
  if (c.attack === 'efail-direct') {
    // The two attacker HTML parts are never joined into one document: one frame each.
    // (multipart/related shows only its root part, RFC 2387, and multipart/alternative one
    // alternative, RFC 2046 §5.1.4: one frame.)
    expect(await region.locator('iframe.html-frame').count(), `${c.name}: HTML parts joined`).toBe(/-(related|alternative)$/.test(c.name) ? 1 : 2)
    for (const f of await region.locator('iframe.html-frame').all()) expect(await f.getAttribute('sandbox'), c.name).toBe('allow-popups allow-popups-to-escape-sandbox')
  }
  const summaryText = (await summary.textContent()) ?? ''
  if (e.integrity === false) {
    expect(await region.getByTestId('encryption-status').textContent(), c.name).toContain('no integrity protection')
    expect(await region.getByRole('button', { name: 'Load remote content' }).count(), c.name).toBe(0)
  }
  if (e.signerEmail) expect(summaryText, `${c.name}: signer's real address shown`).toContain(e.signerEmail)
  if (e.fromShows) expect(await region.locator('.msg-fields').textContent(), c.name).toContain(e.fromShows)
  if (SHOTS[c.name]) await h.screenshot(page, SHOTS[c.name]!)
  expect(await scriptMarkers(page), `${c.name}: script ran`).toEqual([])
  expect(w.dialogs, `${c.name}: dialog`).toEqual([])
  expect(w.popups, c.name).toEqual([])
  expect(w.outside(), `${c.name}: request outside the app`).toEqual([])
  expect(rec.hits, `${c.name}: recording server hit`).toEqual([])
}

describe('hostile corpus in the browser (issue #3)', () => {
  it('builds every class of the corpus', () => {
    const classes = new Set(cases.map((c) => c.attack))
    expect([...classes].sort()).toEqual(['cbc-malleability', 'cms-spoofing', 'efail-direct', 'gcm-tamper', 'identity', 'mime-wrapping', 'reply-oracle'])
  })

  for (const attack of ['efail-direct', 'cbc-malleability', 'gcm-tamper', 'reply-oracle', 'cms-spoofing', 'mime-wrapping', 'identity'] as const) {
    it(`${attack}: verdicts in data-signature/data-encryption, no secret, no request, nothing runs`, async () => {
      const mine = cases.filter((c) => c.attack === attack)
      expect(mine.length).toBeGreaterThan(0)
      for (const c of mine) await check(c, FOLDER[attack])
    })
  }

  it('live EFAIL wraps aimed at a recording server: zero hits, nothing runs, no plaintext', async () => {
    const wraps = live.filter((x) => x.name !== 'live-cbc-remote' && x.name !== 'live-gcm-remote')
    for (const c of wraps) await check(c, FOLDER.live)
    // Each HTML part stands alone, so the opening part's unterminated <img src=" is dropped
    // by the HTML parser: there is not even remote content to offer.
    const img = wraps.find((x) => x.name === 'live-img')!
    const { region } = await openTagged(page, FOLDER.live, img.name)
    await page.waitForTimeout(500)
    expect(await region.getByRole('button', { name: 'Load remote content' }).count()).toBe(0)
    expect(rec.hits).toEqual([])
  })

  it('CBC-decrypted HTML is labelled without integrity and its remote content can never be loaded', async () => {
    const c = live.find((x) => x.name === 'live-cbc-remote')!
    await check(c, FOLDER.live)
    const region = page.getByRole('region', { name: 'Message' })
    await region.getByRole('status').filter({ hasText: 'Remote content is blocked for good' }).waitFor()
    expect(await region.getByRole('button', { name: 'Load remote content' }).count()).toBe(0)
    // Positive control: the decrypted text is in the frame, so the secret checks look there.
    expect(await everything(page)).toContain(cbcSecret)
  })

  it('control: GCM-decrypted HTML offers "Load remote content" (and only https is then allowed)', async () => {
    const c = live.find((x) => x.name === 'live-gcm-remote')!
    await check(c, FOLDER.live)
    const region = page.getByRole('region', { name: 'Message' })
    expect(await region.getByTestId('encryption-status').textContent()).toContain('AES-256-GCM')
    await region.getByRole('button', { name: 'Load remote content' }).click()
    // Positive control of the request watch: the user's click loads the image, over https only.
    await eventually(() => w.outside().includes(`${rec.url.replace('http:', 'https:')}/gcm-remote.png`), 'the remote image requested over https after the click')
    expect(w.outside().filter((u) => u.startsWith('http:'))).toEqual([])
  })
})
