/**
 * Issue #3, browser half, the attacks on what the person sees and does:
 *  - UI redressing: message HTML drawing a fake green "Signed … verified" badge stays in
 *    its sandboxed frame, inset in the labelled "Message content" box below the real
 *    summary in app chrome, which says the truth.
 *  - Identity tricks: a display name spelling Alice's address, padded to push the real
 *    address out of view; the signer's real address stays visible.
 *  - Certificate replacement: a validly signed message from "alice" with a different
 *    certificate does not replace the stored one (even with auto-collect on); the change
 *    is shown and "Add to contacts" is the user's choice, which keeps the old one.
 *  - Reply oracles: replying to a message whose hidden ciphertext was not decrypted quotes
 *    no secret; replying to an encrypted message starts with Encrypt checked and quotes
 *    only the text the user saw.
 * Keys and certificates are made by OpenSSL for the run; messages go in by IMAP APPEND.
 */
import { execFileSync } from 'node:child_process'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { oracleCases } from '../hostile-corpus/oracles'
import { DATE, encryptedEntity, html, join, randomSecret, signedEntity, text } from '../hostile-corpus/mime'
import type { HostileCase } from '../hostile-corpus/types'
import { eventually, startHarness, type Harness } from './harness'
import { VICTIM, everything, makeE2ePki, openTagged, scriptMarkers, startRecorder, tagSubject, victim, watch, type E2ePki, type Recorder, type Watch } from './hostile-setup'

const crypto = globalThis.crypto
let h: Harness
let pki: E2ePki
let rec: Recorder
let page: Page
let w: Watch
let oracles: HostileCase[] = []
const visible = randomSecret('visible')
const hidden = randomSecret('hidden')

const FAKE_BADGE =
  '<div style="position:fixed;top:0;left:0;right:0;z-index:99999;background:#e6f4ea;color:#137333;padding:10px 24px;font:600 14px system-ui">' +
  '&#10004; Signed by alice@example.test, verified &middot; Encrypted with AES-256-GCM for you</div>'

const msg = (from: string, subject: string, body: Uint8Array, extra: string[] = []) =>
  join([`From: ${from}`, `To: ${VICTIM}`, `Subject: ${subject}`, DATE, `Message-ID: <${Math.random().toString(36).slice(2)}@hostile.test>`, 'MIME-Version: 1.0', ...extra].map((l) => l + '\r\n').join(''), body)

const PADDED = `alice@example.test${'\u00a0'.repeat(4)}${' '.repeat(200)}(via secure gateway)`

function serialOf(certPath: string): string {
  return execFileSync('openssl', ['x509', '-noout', '-serial', '-in', certPath]).toString().trim().replace(/^serial=/, '').toLowerCase()
}
const hexOnly = (s: string) => s.replace(/[^0-9a-f]/gi, '').toLowerCase()

beforeAll(async () => {
  rec = await startRecorder()
  pki = await makeE2ePki()
  h = await startHarness()
  const A = pki.alice.email
  const badge = `<html><body>${FAKE_BADGE}<div style="height:48px"></div><p>Please approve the attached invoice today.</p><img src="${rec.url}/badge.png"></body></html>`
  const signedHtml = await signedEntity(html(badge), pki.mallory, crypto)
  const byMallory = await signedEntity(text('Wire the money today. Alice'), pki.mallory, crypto)
  const byAlice2 = await signedEntity(text('I have a new certificate, use this one from now on. Alice'), pki.alice2, crypto)
  const replyBody = await signedEntity(html(`<p>${visible}</p><div style="display:none">${hidden}</div><p style="font-size:0">${hidden}</p><span hidden>${hidden}</span>`), pki.alice, crypto)
  const encrypted = (await encryptedEntity(replyBody, [pki.bob.certificate, pki.alice.certificate], 'aes-256-gcm', crypto)).entity
  oracles = await oracleCases(pki, crypto)
  await h.append(VICTIM, 'INBOX', [
    tagSubject(msg(`Alice <${A}>`, 'Invoice', html(badge)), 'redress-unsigned'),
    tagSubject(msg(`Alice <${A}>`, 'Invoice', signedHtml), 'redress-signed-by-mallory'),
    tagSubject(msg(`"${PADDED}" <${pki.mallory.email}>`, 'Wire', byMallory), 'display-name'),
    tagSubject(msg(`Alice <${A}>`, 'New certificate', byAlice2), 'cert-change'),
    tagSubject(msg(`Alice <${A}>`, 'Private', encrypted), 'encrypted-reply'),
    tagSubject(msg(`Alice <${A}>`, 'Invoice', await signedEntity(text('Please pay the invoice. Alice'), pki.alice, crypto), [`Reply-To: Billing <${pki.mallory.email}>`]), 'reply-to-differs'),
    tagSubject(msg(`Alice <${A}>`, 'Invoice', await signedEntity(text('Please pay the invoice. Alice'), pki.alice, crypto), [`Sender: Mallory <${pki.mallory.email}>`]), 'sender-differs'),
  ])
  for (const c of oracles) await h.append(VICTIM, 'INBOX', tagSubject(c.raw, c.name))
  // Bob already has Alice's (first) certificate in Contacts.
  page = (await victim(h, pki, [pki.alice.leaf.certPath])).page
  w = watch(page, h.origin)
}, 300_000)

afterAll(async () => {
  await h?.close()
  await rec?.close()
  await pki?.cleanup()
})

function noActivity(what: string) {
  expect(w.dialogs, what).toEqual([])
  expect(w.popups, what).toEqual([])
  expect(w.outside(), what).toEqual([])
  expect(rec.hits, what).toEqual([])
}

describe('UI redressing', () => {
  for (const [tag, signature] of [['redress-unsigned', 'none'], ['redress-signed-by-mallory', 'email-mismatch']] as const) {
    it(`${tag}: the fake badge stays inside the sandboxed frame; app chrome says ${signature}`, async () => {
      w.reset()
      const { region, summary } = await openTagged(page, 'Inbox', tag)
      expect(await summary.getAttribute('data-signature')).toBe(signature)
      expect(await summary.getAttribute('data-encryption')).toBe('none')
      const frameEl = region.locator('iframe.html-frame')
      expect(await frameEl.getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox')
      const frame = page.frameLocator('iframe.html-frame')
      await frame.getByText('Signed by alice@example.test, verified').waitFor()
      // The app document (without frame contents) never claims "verified".
      const appText = await page.locator('body').innerText()
      expect(appText).not.toContain('verified')
      expect(((await summary.textContent()) ?? '')).not.toContain('verified')
      // position:fixed in the message cannot leave its frame: the badge is drawn below the summary.
      const s = (await summary.boundingBox())!
      const f = (await frameEl.boundingBox())!
      expect(f.y).toBeGreaterThanOrEqual(s.y + s.height - 1)
      // The frame sits inset inside the labelled "Message content" box, below its label:
      // nothing the message draws is flush with the app's own chrome.
      const box = region.getByTestId('message-content')
      const b = (await box.boundingBox())!
      const label = (await box.getByText('Message content', { exact: true }).boundingBox())!
      expect(b.y).toBeGreaterThanOrEqual(s.y + s.height)
      expect(f.y).toBeGreaterThan(label.y + label.height)
      expect(f.x).toBeGreaterThan(b.x + 2)
      expect(f.x + f.width).toBeLessThan(b.x + b.width - 2)
      if (tag === 'redress-signed-by-mallory') {
        expect(await summary.textContent()).toContain(`Signed by ${pki.mallory.email}, who is not the sender ${pki.alice.email}`)
        await h.screenshot(page, 'hostile-06-fake-badge')
      }
      expect(await scriptMarkers(page)).toEqual([])
      noActivity(tag)
    })
  }
})

describe('identity tricks', () => {
  it('a display name spelling another address and padded to push the real one away: the signer address stays visible', async () => {
    const { region, summary } = await openTagged(page, 'Inbox', 'display-name')
    expect(await summary.getAttribute('data-signature')).toBe('valid')
    const text = (await summary.textContent()) ?? ''
    expect(text).toContain(`Signed by ${pki.mallory.email}, verified`)
    const signer = summary.locator('.smime-signers strong')
    expect(await signer.textContent()).toBe(pki.mallory.email)
    expect(await signer.isVisible()).toBe(true)
    // Really on screen and not clipped: inside the viewport, nothing cut off.
    const box = (await signer.boundingBox())!
    const vp = page.viewportSize()!
    expect(box.x).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width).toBeLessThanOrEqual(vp.width)
    expect(await signer.evaluate((e) => e.scrollWidth <= e.clientWidth + 1 || getComputedStyle(e).display === 'inline')).toBe(true)
    // The From line shows the real address too.
    expect(await region.locator('.msg-fields').textContent()).toContain(pki.mallory.email)
    await h.screenshot(page, 'hostile-07-display-name')
  })

  it('Reply-To or Sender other than the signed From are shown next to From, and a reply says where it goes', async () => {
    for (const [tag, label] of [['reply-to-differs', 'Reply-To'], ['sender-differs', 'Sender']] as const) {
      const { region, summary } = await openTagged(page, 'Inbox', tag)
      expect(await summary.getAttribute('data-signature'), tag).toBe('valid') // the From matches the signer
      const fields = region.locator('.msg-fields')
      const row = fields.locator('div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) })
      await row.waitFor()
      expect(await row.locator('dd').textContent(), tag).toContain(pki.mallory.email)
      expect(await row.isVisible(), tag).toBe(true)
    }
    await openTagged(page, 'Inbox', 'reply-to-differs')
    await page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: 'Reply', exact: true }).click()
    const dialog = page.getByRole('dialog')
    // Where the reply goes is in plain view (the To field), not a silent redirect.
    await eventually(async () => (await dialog.getByLabel('To', { exact: true }).inputValue()).includes(pki.mallory.email), 'reply addressed per Reply-To')
    await h.screenshot(page, 'hostile-09-reply-to')
    await dialog.getByRole('button', { name: 'Close' }).click()
  })
})

describe('certificate replacement', () => {
  it('a validly signed message with a different certificate for a stored contact does not replace it; the user chooses', async () => {
    // Auto-collect on: the strongest temptation to swap silently.
    await page.getByRole('link', { name: 'Security' }).first().click()
    const auto = page.getByRole('checkbox', { name: /Add certificates from validly signed mail/ })
    if (!(await auto.isChecked())) await auto.click()
    await eventually(() => auto.isChecked(), 'auto-collect on')
    await page.getByRole('link', { name: 'Mail' }).first().click()

    const { region, summary } = await openTagged(page, 'Inbox', 'cert-change')
    expect(await summary.getAttribute('data-signature')).toBe('valid')
    const oldSerial = hexOnly(serialOf(pki.alice.leaf.certPath))
    const newSerial = hexOnly(serialOf(pki.alice2.leaf.certPath))
    expect(oldSerial).not.toBe(newSerial)
    const change = region.getByRole('status').filter({ hasText: 'signed with a different certificate' })
    await change.waitFor()
    await change.getByRole('button', { name: 'Add to contacts' }).waitFor()
    await h.screenshot(page, 'hostile-08-certificate-change')

    // Contacts still hold only the old certificate.
    await page.getByRole('link', { name: 'Contacts' }).first().click()
    const alice = page.getByRole('region', { name: `Contact ${pki.alice.email}` })
    await alice.waitFor()
    const serials = async () => (await alice.locator('dd.mono').allTextContents()).map(hexOnly)
    expect(await alice.getByRole('article').count()).toBe(1)
    expect((await serials()).some((s) => s === oldSerial)).toBe(true)
    expect((await serials()).some((s) => s === newSerial)).toBe(false)

    // The user's choice adds the new one NEXT TO the old one.
    await page.getByRole('link', { name: 'Mail' }).first().click()
    const again = await openTagged(page, 'Inbox', 'cert-change')
    await again.region.getByRole('status').filter({ hasText: 'signed with a different certificate' }).getByRole('button', { name: 'Add to contacts' }).click()
    await again.region.getByRole('status').filter({ hasText: /Added .* to Contacts/ }).waitFor()
    await page.getByRole('link', { name: 'Contacts' }).first().click()
    await alice.waitFor()
    await eventually(async () => (await alice.getByRole('article').count()) === 2, 'both certificates listed')
    expect((await serials()).filter((s) => s === oldSerial || s === newSerial).length).toBe(2)
    await page.getByRole('link', { name: 'Mail' }).first().click()
  })
})

describe('reply oracles', () => {
  async function replyText(action: 'Reply' | 'Forward' = 'Reply'): Promise<{ body: string; to: string; encrypt: boolean }> {
    await page.getByRole('toolbar', { name: 'Message actions' }).getByRole('button', { name: action, exact: true }).click()
    const dialog = page.getByRole('dialog')
    const body = dialog.getByLabel('Message', { exact: true })
    await eventually(async () => /wrote:|Quoted text omitted/.test(await body.inputValue()), 'the quoted reply')
    // Encrypt may be set after the draft opens (a reply to encrypted mail).
    await page.waitForTimeout(300)
    const out = {
      body: await body.inputValue(),
      to: await dialog.getByLabel('To', { exact: true }).inputValue(),
      encrypt: await dialog.getByRole('checkbox', { name: 'Encrypt' }).isChecked(),
    }
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'detached' })
    return out
  }

  it('hidden ciphertext (CSS, <plaintext>, blank lines, fake bounce, cid:, pasted) is not decrypted, so a reply quotes no secret', async () => {
    expect(oracles.length).toBeGreaterThanOrEqual(5)
    for (const c of oracles.filter((x) => x.expected.encryption === 'none')) {
      w.reset()
      const { summary } = await openTagged(page, 'Inbox', c.name)
      expect(await summary.getAttribute('data-encryption'), c.name).toBe('none')
      const all = await everything(page)
      for (const s of c.expected.secrets) expect(all.includes(s), `${c.name}: secret shown`).toBe(false)
      const r = await replyText()
      for (const s of c.expected.secrets) expect(r.body.includes(s), `${c.name}: secret quoted`).toBe(false)
      // Quoted as plain text: no markup of the attacker's HTML survives into the reply.
      expect(r.body, c.name).not.toMatch(/<(div|plaintext|img|p)\b/i)
      noActivity(c.name)
    }
  })

  it("Mallory re-signing Alice's ciphertext (decrypted, verdict unchanged): a warning says Mallory was not a recipient; reply and forward quote no secret", async () => {
    const c = oracles.find((x) => x.name === 'oracle-resigned-ciphertext')!
    const { summary } = await openTagged(page, 'Inbox', c.name)
    expect({ s: await summary.getAttribute('data-signature'), e: await summary.getAttribute('data-encryption') }).toEqual({ s: c.expected.signature, e: c.expected.encryption })
    // The signer's real address is in app chrome, so Bob sees who is asking, and that she was not a recipient.
    expect(await summary.textContent()).toContain(pki.mallory.email)
    const warning = summary.getByTestId('rewrapped-warning')
    expect(await warning.textContent()).toContain(`signed by ${pki.mallory.email}, who was not one of its recipients`)
    await h.screenshot(page, 'hostile-12-rewrapped-ciphertext')
    await summary.getByRole('button', { name: 'Security details' }).click()
    expect(await summary.getByRole('region', { name: 'Security details' }).textContent()).toContain(`${pki.mallory.email}, who is not among these recipients`)
    await summary.getByRole('button', { name: 'Hide details' }).click()
    const secrets = c.expected.neverQuoted ?? []
    expect(secrets.length).toBeGreaterThan(0)
    const r = await replyText()
    expect(r.encrypt).toBe(true)
    expect(r.to.split(/[,;]\s*/).filter(Boolean)).toEqual([expect.stringContaining(pki.mallory.email)])
    expect(r.body).toContain('[Quoted text omitted: the encrypted part of this message was signed by someone who was not among its recipients]')
    for (const s of secrets) expect(r.body.includes(s), 'secret quoted in the reply').toBe(false)
    expect(r.body).not.toMatch(/<(html|body|div|p|span|img|br)\b/i)
    const f = await replyText('Forward')
    for (const s of secrets) expect(f.body.includes(s), 'secret quoted in the forward').toBe(false)
    expect(f.body).toContain('[Quoted text omitted')
    noActivity(c.name)
  })

  it('a reply to an encrypted message starts with Encrypt checked and quotes only the visible text', async () => {
    const { summary } = await openTagged(page, 'Inbox', 'encrypted-reply')
    expect(await summary.getAttribute('data-encryption')).toBe('decrypted')
    expect(await summary.getAttribute('data-signature')).toBe('valid')
    await page.frameLocator('iframe.html-frame').getByText(visible).waitFor()
    const r = await replyText()
    expect(r.encrypt).toBe(true)
    expect(r.to).toContain(pki.alice.email)
    expect(r.body).toContain(visible)
    expect(r.body.includes(hidden), 'text hidden by CSS or the hidden attribute was quoted').toBe(false)
  })
})
