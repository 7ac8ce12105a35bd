/**
 * Shared steps of the S/MIME end-to-end tests (issue 4): PFX import and CA trust through
 * the UI, reading the security summary's data-* contract, recording every request the page
 * makes and proving none carries a secret.
 */
import { readFileSync } from 'node:fs'
import type { Page, Request } from 'playwright-core'
import { expect } from 'vitest'
import { eventually } from './harness'

/** Settings → Security → Import PFX, the way a person does it. */
export async function importPfx(page: Page, pfxPath: string, pfxPassword: string, passphrase: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
  await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Import PFX' }).click()
  await page.getByLabel('PFX file').setInputFiles(pfxPath)
  await page.getByLabel('PFX password', { exact: true }).fill(pfxPassword)
  await page.getByLabel('Key store passphrase', { exact: true }).fill(passphrase)
  const confirm = page.getByLabel('Confirm key store passphrase')
  if (await confirm.count()) await confirm.fill(passphrase)
  await page.getByRole('button', { name: 'Import', exact: true }).click()
  await page.getByRole('status').filter({ hasText: 'Imported' }).waitFor({ timeout: 90_000 })
}

/** Contacts → Import certificates → the CA → "Trust for email" → "Trust". */
export async function trustCa(page: Page, caPem: string, onDialog?: () => Promise<unknown>): Promise<void> {
  await page.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Contacts' }).click()
  await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor()
  await page.getByRole('button', { name: 'Import certificates' }).click()
  await page.getByLabel('Certificate files').setInputFiles([caPem])
  const ca = page.getByRole('article', { name: /Certificate .*Cachet Demo CA/ }).first()
  await ca.waitFor()
  const box = ca.getByRole('checkbox', { name: 'Trust for email' })
  if (!(await box.isChecked())) {
    await box.click()
    const dialog = page.getByRole('dialog', { name: 'Trust certificate' })
    await dialog.waitFor()
    await onDialog?.()
    await dialog.getByRole('button', { name: 'Trust', exact: true }).click()
    await eventually(() => box.isChecked(), 'the CA trusted')
  }
}

/** Back to the mail screen's Inbox. */
export async function openInbox(page: Page): Promise<void> {
  const folders = page.getByRole('navigation', { name: 'Folders' })
  const app = page.getByRole('navigation', { name: 'App' })
  // Either screen may still be rendering (right after a navigation): wait for one of them.
  await folders.or(app).first().waitFor()
  if (!(await folders.count())) await app.getByRole('link', { name: 'Mail' }).click()
  await folders.getByRole('link', { name: 'Inbox' }).click()
  await page.getByRole('list', { name: 'Messages' }).waitFor({ state: 'attached' })
}

export interface SummaryState {
  signature: string
  encryption: string
  text: string
}

/** The open message's security summary (app chrome), once the engine has answered. */
export async function summaryOf(page: Page, timeout = 60_000): Promise<SummaryState> {
  const el = page.getByRole('region', { name: 'Message' }).getByTestId('security-summary')
  await el.waitFor({ timeout })
  return {
    signature: (await el.getAttribute('data-signature')) ?? '',
    encryption: (await el.getAttribute('data-encryption')) ?? '',
    text: (await el.textContent()) ?? '',
  }
}

/** Every request the page makes (bodies kept by Playwright). */
export function recordRequests(page: Page): Request[] {
  const seen: Request[] = []
  page.on('request', (r) => seen.push(r))
  return seen
}

/** A request with its body exactly as Chromium sent it (from the DevTools protocol). */
export interface RecordedBody {
  method: string
  url: string
  body: Buffer
}

/**
 * Record every request body of the page through a DevTools session with no size cap:
 * Playwright's postDataBuffer() is null for XHR uploads of raw bytes, which are exactly the
 * bodies that matter here (sent and appended messages). A body that cannot be read fails
 * the assertion rather than passing unseen.
 */
export async function recordBodies(page: Page): Promise<RecordedBody[]> {
  const out: RecordedBody[] = []
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable', { maxPostDataSize: 256 * 1024 * 1024 })
  cdp.on('Network.requestWillBeSent', (ev) => {
    const r = ev.request
    const rec: RecordedBody = { method: r.method, url: r.url, body: Buffer.alloc(0) }
    out.push(rec)
    if (!r.hasPostData) return
    const entries = r.postDataEntries ?? []
    if (entries.length && entries.every((e) => e.bytes !== undefined)) {
      rec.body = Buffer.concat(entries.map((e) => Buffer.from(e.bytes!, 'base64')))
      return
    }
    rec.body = Buffer.from('\u0000unread')
    void cdp
      .send('Network.getRequestPostData', { requestId: ev.requestId })
      .then((d) => (rec.body = d.base64Encoded ? Buffer.from(d.postData, 'base64') : Buffer.from(d.postData, 'utf8')))
      .catch(() => {})
  })
  return out
}

export interface Secrets {
  /** Text that must never appear (passphrases, passwords, plaintext of encrypted mail). */
  strings: string[]
  /** Binary files none of whose bytes may travel (PFX). */
  files: string[]
  /** PEM private keys: their base64 and their PKCS#8 DER must not travel. */
  keys: string[]
}

/** Three 24-byte windows of a secret blob: any one found in a body means a leak. */
function windows(b: Buffer): Buffer[] {
  const w = 24
  if (b.length <= w) return [b]
  return [0, Math.floor(b.length / 2), b.length - w].map((o) => b.subarray(o, o + w))
}

export function assertNoSecrets(requests: readonly Request[], s: Secrets, pkcs8Der: (pemPath: string) => Buffer, bodies: readonly RecordedBody[] = []): void {
  const blobs: { what: string; bytes: Buffer }[] = []
  for (const f of s.files) for (const w of windows(readFileSync(f))) blobs.push({ what: `bytes of ${f}`, bytes: w })
  for (const k of s.keys) {
    const der = pkcs8Der(k)
    for (const w of windows(der)) {
      blobs.push({ what: `PKCS#8 DER of ${k}`, bytes: w })
      blobs.push({ what: `PKCS#8 base64 of ${k}`, bytes: Buffer.from(w.toString('base64').slice(4, 28)) })
    }
    const b64 = readFileSync(k, 'utf8').split('\n').filter((l) => l && !l.startsWith('-----'))
    blobs.push({ what: `PEM of ${k}`, bytes: Buffer.from(b64[1] ?? '') })
  }
  for (const t of s.strings) {
    blobs.push({ what: `"${t}"`, bytes: Buffer.from(t, 'utf8') })
    // The same text base64-encoded (a Content-Transfer-Encoding), at each of the 3 alignments.
    for (let o = 0; o < 3 && t.length - o > 12; o++) {
      const b64 = Buffer.from(t.slice(o), 'utf8').toString('base64')
      blobs.push({ what: `"${t}" in base64`, bytes: Buffer.from(b64.slice(0, Math.floor((b64.length - 4) / 4) * 4)) })
    }
  }
  const seen: { what: string; bytes: Buffer }[] = [
    ...requests.map((r) => ({ what: `${r.method()} ${r.url()}`, bytes: Buffer.concat([Buffer.from(r.url()), r.postDataBuffer() ?? Buffer.alloc(0)]) })),
    ...bodies.map((r) => ({ what: `${r.method} ${r.url}`, bytes: Buffer.concat([Buffer.from(r.url), r.body]) })),
  ]
  for (const b of bodies) expect(b.body.toString('latin1') === '\u0000unread', `the body of ${b.method} ${b.url} could not be read`).toBe(false)
  for (const r of seen) {
    for (const b of blobs) expect(r.bytes.includes(b.bytes), `${r.what} carries ${b.what}`).toBe(false)
  }
}
