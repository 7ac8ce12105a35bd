/**
 * Issue 14, accessibility: axe-core (WCAG 2.1 A and AA rules) finds no serious or critical
 * violation on any screen — sign-in; mail with a plain, a signed, an encrypted and a broken
 * message open, with the security details; compose and its "Missing certificates" dialog;
 * the unlock prompt; Security; Contacts with certificate details — in the light and in
 * the dark colour scheme. The messages are made by OpenSSL during the test.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { crlf, textEntity, withHeaders } from '../interop/harness/eml'
import { crlf as crlfLines, startHarness, type Harness } from './harness'
import { importPfx, openInbox, summaryOf, trustCa } from './smime-helpers'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const PFX_PASSWORD = 'pfx-a11y-5d2e'
const PASSPHRASE = 'alice key store phrase 58'
const SCHEMES = ['light', 'dark'] as const

let h: Harness
let dir: string
let pki: DemoPki
let page: Page

interface Finding { scheme: string; screen: string; rule: string; impact: string; targets: string[]; help: string }
const findings: Finding[] = []

/** axe-core on the page as it is now, in both colour schemes; serious and critical kept. */
async function audit(screen: string): Promise<void> {
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme })
    // Colours change through CSS transitions: measure once they have all finished.
    // (Transitions only: a spinner's animation never finishes.)
    await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => undefined))))
    // Through the debugger, not a script tag: the app's CSP (script-src 'self') stays on.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${AXE}\n;void 0`)
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe
      const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }))
    })
    for (const v of violations) {
      if (v.impact === 'serious' || v.impact === 'critical') findings.push({ scheme, screen, rule: v.id, impact: v.impact, targets: v.targets.slice(0, 5), help: v.help })
    }
    await h.screenshot(page, `a11y-${screen}-${scheme}`)
  }
  await page.emulateMedia({ colorScheme: 'light' })
}

function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] })
}
const acct = (who: string) => pki.accounts.find((a) => a.email.startsWith(who))!
function file(name: string, data: Uint8Array | string): string {
  const p = join(dir, name)
  writeFileSync(p, data)
  return p
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-a11y-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com'], PFX_PASSWORD)
  h = await startHarness()
  const env = (subject: string) => ({ from: 'Bob <bob@example.com>', to: 'alice@example.com', subject })
  const bob = acct('bob')
  const signed = withHeaders(env('Signed minutes'), crlf(openssl(['cms', '-sign', '-binary', '-in', file('s.in', crlf(textEntity('The minutes of Monday, signed.'))), '-signer', bob.certPem, '-inkey', bob.keyPem])))
  const broken = Buffer.from(signed.toString('latin1').replace('Signed minutes', 'Broken minutes').replace(Buffer.from('The minutes of Monday, signed.').toString('base64'), Buffer.from('The minutes of Monday, signed!').toString('base64')), 'latin1')
  const encrypted = withHeaders(env('Sealed results'), crlf(openssl(['cms', '-encrypt', '-binary', '-aes-256-gcm', '-in', file('e.in', crlf(textEntity('Your results are attached in person.'))), acct('alice').certPem])))
  await h.append('alice@example.com', 'INBOX', [
    crlfLines(['From: Bob <bob@example.com>', 'To: alice@example.com', 'Subject: Plain note', 'Date: Mon, 7 Dec 2026 09:00:00 +0000', 'Content-Type: text/plain', '', 'Just a plain note.']),
    signed, broken, encrypted,
  ])
})
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function openMessage(subject: string): Promise<void> {
  await page.getByRole('list', { name: 'Messages' }).getByText(subject).click()
  await page.getByRole('region', { name: 'Message' }).getByRole('heading', { name: subject }).waitFor()
}

describe('axe-core on every screen, light and dark', () => {
  it('finds no serious or critical violation', async () => {
    page = (await h.newPage()).page
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    await audit('signin')
    await page.getByRole('textbox', { name: 'Email' }).fill('alice@example.com')
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').waitFor()
    await audit('signin-error')
    page = (await h.signedIn('alice@example.com')).page

    await openMessage('Plain note')
    await audit('mail-plain')

    await importPfx(page, acct('alice').pfx, PFX_PASSWORD, PASSPHRASE)
    await audit('security')
    await trustCa(page, pki.caCert)
    await page.getByRole('article', { name: /Certificate .*Cachet Demo CA/ }).first().waitFor()
    await audit('contacts')

    await openInbox(page)
    await openMessage('Signed minutes')
    expect((await summaryOf(page)).signature).toBe('valid')
    await page.getByRole('button', { name: 'Security details' }).click()
    await audit('mail-signed-details')
    await openMessage('Broken minutes')
    expect((await summaryOf(page)).signature).toBe('invalid')
    await audit('mail-broken')
    await openMessage('Sealed results')
    expect((await summaryOf(page)).encryption).toBe('decrypted')
    await audit('mail-encrypted')

    await page.getByRole('button', { name: 'Compose' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('textbox', { name: 'To' }).fill('nobody@example.net')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Hello')
    await audit('compose')
    await dialog.getByRole('checkbox', { name: 'Encrypt' }).check()
    await dialog.getByRole('button', { name: 'Send' }).click()
    await page.getByRole('dialog', { name: 'Missing certificates' }).waitFor()
    await audit('compose-missing-certificates')
    await page.keyboard.press('Escape')

    // A reload locks the key store; the open encrypted message asks for the passphrase.
    await page.reload()
    await page.getByRole('dialog', { name: 'Unlock key store' }).waitFor()
    await audit('unlock')

    expect(findings, JSON.stringify(findings, null, 1)).toEqual([])
  })
})
