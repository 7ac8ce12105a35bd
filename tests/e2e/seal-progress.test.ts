/**
 * Issue 4, "Large attachments: sealing runs in the worker with progress shown", end to end
 * in Chromium against the real mail stack: alice (demo PFX, demo CA trusted, bob's
 * certificate imported) composes to bob with a 20 MiB attachment, Sign and Encrypt on,
 * and sends. While the crypto worker seals, the compose window's "Sealing" bar takes
 * values strictly between 0 and 100 % with the step in words, before the upload bar
 * ("Sending") appears; the message then arrives in bob's Inbox and OpenSSL, as bob,
 * decrypts it, verifies alice's signature and finds the attachment byte for byte.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMO_PASSWORD } from '../../src/mailstack/index'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { eventually, startHarness, type Harness } from './harness'
import { importPfx, openInbox, trustCa } from './smime-helpers'

const PFX_PASSWORD = 'pfx-e2e-progress-5d2'
const PASSPHRASE = 'alice progress phrase 88'
const SUBJECT = `Big sealed file ${Date.now()}`
const SIZE = 20 * 1024 * 1024

let h: Harness
let dir: string
let pki: DemoPki
let attachmentPath: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-seal-progress-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com'], PFX_PASSWORD)
  attachmentPath = join(dir, 'survey-scan.bin')
  writeFileSync(attachmentPath, randomBytes(SIZE))
  h = await startHarness()
}, 120_000)
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

interface Sample {
  t: number
  /** The "Sealing" bar's value (0..1), or null when it is not shown. */
  sealing: number | null
  words: string
  /** The "Sending" bar is shown. */
  sending: boolean
}

/**
 * Record, on every animation frame and every DOM change inside the compose dialog, what
 * the progress bars show. Runs in the page, so no value is missed between polls.
 */
async function recordBars(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __bars: Sample[]; __barsStop: boolean }
    w.__bars = []
    w.__barsStop = false
    const sample = () => {
      const seal = document.querySelector<HTMLProgressElement>('progress[aria-label="Sealing"]')
      const s: Sample = {
        t: performance.now(),
        sealing: seal ? seal.value : null,
        words: seal?.parentElement?.querySelector('[role="status"]')?.textContent?.trim() ?? '',
        sending: document.querySelector('progress[aria-label="Sending"]') !== null,
      }
      const last = w.__bars[w.__bars.length - 1]
      if (!last || last.sealing !== s.sealing || last.words !== s.words || last.sending !== s.sending) w.__bars.push(s)
    }
    new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true })
    const frame = () => {
      sample()
      if (!w.__barsStop) requestAnimationFrame(frame)
    }
    frame()
  })
}

const samples = (page: Page) => page.evaluate(() => (window as unknown as { __bars: Sample[] }).__bars)

/** Bob's Inbox message with this subject, raw, over IMAP. */
async function bobsCopy(): Promise<Buffer | null> {
  const client = new ImapFlow({ host: '127.0.0.1', port: h.mailstack.imapPort, secure: false, auth: { user: 'bob@example.com', pass: DEMO_PASSWORD }, logger: false })
  await client.connect()
  try {
    const lock = await client.getMailboxLock('INBOX')
    try {
      for await (const m of client.fetch('1:*', { source: true, envelope: true })) if (m.envelope?.subject === SUBJECT && m.source) return m.source
    } finally {
      lock.release()
    }
  } finally {
    await client.logout()
  }
  return null
}

describe('sealing a large attachment shows real progress', () => {
  it('alice sends 20 MiB signed and encrypted: the Sealing bar moves between 0 and 100 % before Sending', async () => {
    const { page } = await h.signedIn('alice@example.com')
    const alice = pki.accounts.find((a) => a.email === 'alice@example.com')!
    const bob = pki.accounts.find((a) => a.email === 'bob@example.com')!
    await importPfx(page, alice.pfx, PFX_PASSWORD, PASSPHRASE)
    await trustCa(page, pki.caCert)
    const importButton = page.getByRole('button', { name: 'Import certificates' })
    if (await importButton.isVisible()) await importButton.click() // (still open after the CA)
    await page.getByLabel('Certificate files').setInputFiles([bob.certPem])
    await page.getByRole('region', { name: 'Contact bob@example.com' }).waitFor()
    await openInbox(page)

    await page.getByRole('button', { name: 'Compose' }).click()
    const dialog = page.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill(SUBJECT)
    await dialog.getByRole('textbox', { name: 'Message' }).fill('The scanned survey, 20 MB. Signed and encrypted.')
    await dialog.getByLabel('Attach files').setInputFiles(attachmentPath)
    await dialog.getByText('survey-scan.bin').waitFor()
    await eventually(async () => (await dialog.locator('progress').count()) === 0, 'the attachment read', 60_000)
    await dialog.getByRole('listitem', { name: 'bob@example.com: certificate available' }).waitFor()
    await dialog.getByRole('checkbox', { name: 'Sign' }).check()
    await dialog.getByRole('checkbox', { name: 'Encrypt' }).check()
    // This test finds the message by its subject over IMAP: sent with the subject readable (issue 13's Protect subject is on by default).
    await dialog.getByRole('checkbox', { name: 'Protect subject' }).uncheck()

    await recordBars(page)
    await dialog.getByRole('button', { name: 'Send' }).click()
    // The bar by its accessible name, caught part way; the picture is taken at once.
    const bar = dialog.getByRole('progressbar', { name: 'Sealing' })
    await page.waitForFunction(
      () => {
        const p = document.querySelector<HTMLProgressElement>('progress[aria-label="Sealing"]')
        return p !== null && p.value > 0 && p.value < 1
      },
      undefined,
      { polling: 'raf', timeout: 60_000 },
    )
    await h.screenshot(page, 'seal-progress-01-sealing')
    await dialog.waitFor({ state: 'detached', timeout: 120_000 })
    await page.evaluate(() => ((window as unknown as { __barsStop: boolean }).__barsStop = true))
    expect(await bar.count()).toBe(0)

    const seen = await samples(page)
    const firstSending = seen.findIndex((s) => s.sending)
    expect(firstSending).toBeGreaterThan(0) // the upload bar came after sealing
    const sealing = seen.slice(0, firstSending).filter((s) => s.sealing !== null)
    const values = sealing.map((s) => s.sealing!)
    // Intermediate values, strictly between 0 and 100 %, before the message was sent.
    const between = values.filter((v) => v > 0 && v < 1)
    expect(between.length).toBeGreaterThanOrEqual(1)
    // Never backwards.
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!)
    // The step in words: Sign and Encrypt, in that order.
    const words = [...new Set(sealing.map((s) => s.words))]
    expect(words).toContain('Signing…')
    expect(words).toContain('Encrypting…')
    expect(words.indexOf('Signing…')).toBeLessThan(words.indexOf('Encrypting…'))
    console.log(
      `seal progress: ${values.length} values over ${(sealing.at(-1)!.t - sealing[0]!.t).toFixed(0)} ms: ` +
        sealing.map((s) => `${(s.t - sealing[0]!.t).toFixed(0)}ms ${s.words} ${(s.sealing! * 100).toFixed(0)}%`).join(', '),
    )

    // What was sent is a sealed message bob can open: OpenSSL decrypts, verifies, and the file is intact.
    const raw = (await eventually(bobsCopy, 'the message in bob’s Inbox', 60_000))!
    expect(raw.toString('latin1', 0, 4096)).toMatch(/smime-type=enveloped-data/)
    writeFileSync(join(dir, 'sealed.eml'), raw)
    execFileSync('openssl', ['cms', '-decrypt', '-in', 'sealed.eml', '-recip', bob.certPem, '-inkey', bob.keyPem, '-out', 'decrypted.eml'], { cwd: dir })
    execFileSync('openssl', ['cms', '-verify', '-in', 'decrypted.eml', '-CAfile', pki.caCert, '-out', 'content.eml'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
    const content = readFileSync(join(dir, 'content.eml')).toString('latin1')
    const b64 = /filename="?survey-scan\.bin"?[\s\S]*?\r\n\r\n([A-Za-z0-9+/=\r\n]+)/.exec(content)
    expect(b64).not.toBeNull()
    expect(Buffer.compare(Buffer.from(b64![1]!.replace(/\r\n/g, ''), 'base64'), readFileSync(attachmentPath))).toBe(0)
  }, 300_000)
})
