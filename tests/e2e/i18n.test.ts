/**
 * Languages (issue 14): a German browser gets German words, German accessible names
 * ("Anmelden") and <html lang="de">, dates and sizes the German way; a choice made in the
 * app wins over the browser and outlives a reload; an English browser is unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { crlf as crlfBytes, textEntity, withHeaders } from '../interop/harness/eml'
import { crlf, startHarness, type Harness } from './harness'

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let h: Harness
let dir: string
let pki: DemoPki

/** axe-core (WCAG 2.1 A/AA) on the page as it is: the serious and critical findings. */
async function axe(page: Page, screen: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`${AXE}\n;void 0`)
  const found = await page.evaluate(async () => {
    const a = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe
    const r = await a.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)
  })
  return found.map((f) => `${screen} ${f}`)
}

/** Children of `selector` that stick out of its right edge (long German words cut off). */
async function overflowing(page: Page, selector: string): Promise<string[]> {
  return page.evaluate((sel) => {
    const out: string[] = []
    for (const box of document.querySelectorAll(sel)) {
      const right = box.getBoundingClientRect().right
      for (const c of box.querySelectorAll('*')) {
        const r = c.getBoundingClientRect()
        if (r.width > 0 && r.right > right + 0.5) out.push(c.textContent?.trim() || c.tagName)
      }
    }
    return out
  }, selector)
}
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-i18n-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['bob@example.com', 'alice@example.com'])
  h = await startHarness()
  // Signed by alice, for bob, whose browser trusts no CA yet: "not trusted", with details.
  const alice = pki.accounts.find((x) => x.email === 'alice@example.com')!
  writeFileSync(join(dir, 'signed.in'), crlfBytes(textEntity('Die Unterlagen, signiert.')))
  const signed = execFileSync('openssl', ['cms', '-sign', '-binary', '-in', join(dir, 'signed.in'), '-signer', alice.certPem, '-inkey', alice.keyPem])
  await h.append('bob@example.com', 'INBOX', withHeaders({ from: 'Alice <alice@example.com>', to: 'bob@example.com', subject: 'Signierte Unterlagen' }, crlfBytes(signed)))
  await h.append('alice@example.com', 'INBOX', crlf([
    'From: Bob Beispiel <bob@example.com>',
    'To: alice@example.com',
    'Subject: Quartalsbericht und Überweisungsbestätigung',
    'Date: Tue, 03 Mar 2026 10:00:00 +0000',
    '',
    'x'.repeat(1600),
  ]))
})
afterAll(async () => {
  await h?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a German browser', () => {
  it('signs in with "Anmelden" and sees German chrome', async () => {
    const { page } = await h.newPage({ locale: 'de-DE' })
    // The German catalog loads before the first screen; <html lang> is set with it.
    await page.getByRole('heading', { name: 'Bei Ihrer E-Mail anmelden' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de')
    await page.screenshot({ path: '/tmp/i18n-de-signin.png' })
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).fill('alice@example.com')
    await page.getByLabel('Passwort').fill('wrong')
    await page.getByRole('button', { name: 'Anmelden' }).click()
    expect(await page.getByRole('alert').textContent()).toContain('E-Mail-Adresse oder Passwort ist falsch')
    await page.getByLabel('Passwort').fill('demo')
    await page.getByRole('button', { name: 'Anmelden' }).click()

    await page.getByRole('button', { name: 'Abmelden' }).waitFor()
    const folders = page.getByRole('navigation', { name: 'Ordner' })
    await folders.getByRole('link', { name: 'Posteingang' }).waitFor()
    await folders.getByRole('link', { name: 'Gesendet' }).waitFor()
    await folders.getByRole('link', { name: 'Entwürfe' }).waitFor()
    await page.getByRole('button', { name: 'Verfassen' }).first().waitFor()
    await page.getByRole('heading', { name: 'Posteingang' }).waitFor()
    const item = page.getByRole('list', { name: 'Nachrichten' }).getByRole('listitem').first()
    // German words, a German date ("3. März") and a decimal comma ("1,7 KB").
    expect(await item.getAttribute('aria-label')).toMatch(/^Von Bob Beispiel, Quartalsbericht und Überweisungsbestätigung, 3\. März, ungelesen$/)
    expect(await item.textContent()).toMatch(/1,\d KB/)
    expect(await page.getByText('1 Nachricht', { exact: true }).count()).toBe(1)
    await page.screenshot({ path: '/tmp/i18n-de-mail.png' })
  })

  it('fits German words on a phone', async () => {
    const { page } = await h.signedIn('alice@example.com', { locale: 'de-DE', phone: true })
    await page.getByRole('button', { name: 'Ordner' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: '/tmp/i18n-de-phone-list.png' })
    await page.getByRole('button', { name: 'Ordner' }).click()
    await page.getByRole('navigation', { name: 'Ordner' }).getByRole('link', { name: 'Posteingang' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: '/tmp/i18n-de-phone-drawer.png' })
  })
})

describe('reading in German', () => {
  it('shows the message, its toolbar and its security summary in German, on a desktop and a phone', async () => {
    for (const phone of [false, true]) {
      const { page } = await h.signedIn('alice@example.com', { locale: 'de-DE', phone })
      await page.getByRole('list', { name: 'Nachrichten' }).getByRole('link').first().click()
      const reader = page.getByRole('region', { name: 'Nachricht' })
      await reader.getByRole('heading', { name: 'Quartalsbericht und Überweisungsbestätigung' }).waitFor()
      await reader.getByRole('button', { name: 'Antworten', exact: true }).waitFor()
      await reader.getByRole('button', { name: 'Allen antworten' }).waitFor()
      await reader.getByRole('button', { name: 'Weiterleiten' }).waitFor()
      const summary = page.getByTestId('security-summary')
      expect(await summary.getAttribute('aria-label')).toBe('Sicherheit')
      expect(await summary.getAttribute('data-signature')).toBe('none')
      expect(await summary.textContent()).toContain('Weder signiert noch verschlüsselt')
      // German date in the header: "Di., 3. März 2026, 10:00".
      expect(await reader.locator('.msg-fields').textContent()).toMatch(/Datum.*3\. März 2026/)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone ? 390 : 1400)
      await page.screenshot({ path: `/tmp/i18n-de-reader-${phone ? 'phone' : 'desktop'}.png` })
      if (phone) {
        await page.getByRole('button', { name: 'Zurück zu den Nachrichten' }).click()
        await page.getByRole('list', { name: 'Nachrichten' }).getByRole('link').first().waitFor()
      }
    }
  })
})

describe('a signed message in German', () => {
  it('words the verdict and the details in German and keeps the data-* codes', async () => {
    const { page } = await h.signedIn('bob@example.com', { locale: 'de-DE' })
    await page.getByRole('list', { name: 'Nachrichten' }).getByRole('link', { name: /Signierte Unterlagen/ }).click()
    const summary = page.getByTestId('security-summary')
    await summary.waitFor()
    expect(await summary.getAttribute('data-signature')).toBe('untrusted')
    expect(await summary.getAttribute('data-encryption')).toBe('none')
    expect(await page.getByTestId('signature-status').textContent()).toBe('Signatur nicht vertrauenswürdig: Aussteller unbekannt (signiert von alice@example.com)')
    await summary.getByRole('button', { name: 'Sicherheitsdetails' }).click()
    const details = page.getByRole('region', { name: 'Sicherheitsdetails' })
    await details.getByRole('heading', { name: 'Schicht 1: Signatur (multipart/signed)' }).waitFor()
    await details.getByRole('heading', { name: 'Unterzeichner 1: alice@example.com' }).waitFor()
    expect(await details.textContent()).toContain('nicht vertrauenswürdig (Aussteller unbekannt)')
    await summary.getByRole('button', { name: 'Details ausblenden' }).waitFor()
    await page.screenshot({ path: '/tmp/i18n-de-signed-details.png' })
  })
})

describe('composing in German', () => {
  it('writes and sends with German labels, on a desktop and on a phone', async () => {
    for (const phone of [false, true]) {
      const { page } = await h.signedIn('alice@example.com', { locale: 'de-DE', phone })
      await page.getByRole('button', { name: 'Verfassen' }).last().click()
      const dialog = page.getByRole('dialog', { name: 'Neue Nachricht' })
      await dialog.getByRole('textbox', { name: 'An' }).fill('bob@example.com, kein-adresse')
      await dialog.getByRole('textbox', { name: 'Betreff' }).fill(`Grüße ${phone ? 'vom Telefon' : 'vom Schreibtisch'}`)
      await dialog.getByRole('textbox', { name: 'Nachricht' }).fill('Hallo Bob')
      await dialog.getByRole('checkbox', { name: 'Signieren' }).waitFor()
      await dialog.getByRole('checkbox', { name: 'Verschlüsseln' }).waitFor()
      await dialog.getByRole('checkbox', { name: 'Verschlüsseln' }).uncheck()
      await dialog.getByRole('button', { name: 'Senden' }).click()
      expect(await dialog.getByRole('alert').textContent()).toBe('Nicht gesendet: An: „kein-adresse“ ist keine E-Mail-Adresse.')
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone ? 390 : 1400)
      expect(await overflowing(page, '.compose-foot')).toEqual([])
      await page.screenshot({ path: `/tmp/i18n-de-compose-${phone ? 'phone' : 'desktop'}.png` })
      await dialog.getByRole('textbox', { name: 'An' }).fill('bob@example.com')
      await dialog.getByRole('button', { name: 'Senden' }).click()
      await dialog.waitFor({ state: 'detached' })
    }
  })
})

describe('the Language setting', () => {
  it('overrides the browser, outlives a reload, and can follow the browser again', async () => {
    const { page } = await h.signedIn('alice@example.com', { locale: 'de-DE' })
    await page.getByRole('link', { name: 'Sicherheit' }).click()
    await page.getByRole('heading', { name: 'Sicherheit', level: 1 }).waitFor()
    await page.getByRole('heading', { name: 'Richtlinie der Organisation' }).waitFor()
    expect(await overflowing(page, '.page-inner')).toEqual([])
    await page.screenshot({ path: '/tmp/i18n-de-security.png', fullPage: true })
    const select = page.getByRole('combobox', { name: 'Sprache' })
    expect(await select.inputValue()).toBe('auto')
    await select.selectOption('nl')
    await page.getByRole('heading', { name: 'Beveiliging', level: 1 }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('nl')
    await page.reload()
    await page.getByRole('heading', { name: 'Beveiliging', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Afmelden' }).waitFor()
    expect(await page.getByRole('combobox', { name: 'Taal' }).inputValue()).toBe('nl')
    await page.screenshot({ path: '/tmp/i18n-nl-security.png' })
    await page.getByRole('link', { name: 'E-mail', exact: true }).click()
    await page.getByRole('navigation', { name: 'Mappen' }).getByRole('link', { name: 'Postvak IN' }).waitFor()
    await page.getByRole('button', { name: 'Opstellen' }).first().click()
    await page.getByRole('dialog', { name: 'Nieuw bericht' }).getByRole('button', { name: 'Verzenden' }).waitFor()
    await page.screenshot({ path: '/tmp/i18n-nl-compose.png' })
    await page.getByRole('button', { name: 'Sluiten' }).click()
    await page.getByRole('link', { name: 'Beveiliging' }).click()
    await page.getByRole('combobox', { name: 'Taal' }).selectOption('auto')
    await page.getByRole('heading', { name: 'Sicherheit', level: 1 }).waitFor()
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('de')
  })

  it('shows the Security page in German on a phone without overflowing', async () => {
    const { page } = await h.signedIn('alice@example.com', { locale: 'de-DE', phone: true })
    await page.goto('/settings/security')
    await page.getByRole('heading', { name: 'Sicherheit', level: 1 }).waitFor()
    await page.getByRole('heading', { name: 'Ihre Regeln' }).waitFor()
    await page.getByTestId('keystore-state').waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    expect(await overflowing(page, '.page-top')).toEqual([])
    await page.screenshot({ path: '/tmp/i18n-de-security-phone.png', fullPage: true })
    await page.getByRole('button', { name: 'Zertifikat beantragen' }).click()
    const dialog = page.getByRole('dialog', { name: 'Zertifikat beantragen' })
    await dialog.getByRole('group', { name: 'Schlüsseltyp' }).waitFor()
    await dialog.getByRole('button', { name: 'Zertifikatsantrag erstellen' }).click()
    expect(await dialog.getByRole('alert').textContent()).toBe('Geben Sie die Passphrase des Schlüsselspeichers ein.')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    // Taller than the screen in German: it scrolls, and its heading can be reached (not cut off above the top).
    await dialog.getByRole('heading', { name: 'Zertifikat beantragen' }).scrollIntoViewIfNeeded()
    expect(await dialog.getByRole('heading', { name: 'Zertifikat beantragen' }).evaluate((e) => e.getBoundingClientRect().top)).toBeGreaterThanOrEqual(0)
    await page.screenshot({ path: '/tmp/i18n-de-enrol-phone.png' })
  })
})

describe('Contacts in German', () => {
  it('words certificates, their status and the trust question in German, on a desktop and a phone', async () => {
    for (const phone of [false, true]) {
      const { page } = await h.signedIn(phone ? 'carol@example.com' : 'dave@example.com', { locale: 'de-DE', phone })
      await page.goto('/contacts')
      await page.getByRole('heading', { name: 'Kontakte', level: 1 }).waitFor()
      await page.getByRole('button', { name: 'Zertifikate importieren' }).click()
      await page.getByLabel('Zertifikatsdateien').setInputFiles([pki.caCert, pki.accounts[0]!.certPem])
      await page.getByText('2 Zertifikate hinzugefügt', { exact: false }).waitFor()
      const bob = page.getByRole('article', { name: /^Zertifikat .*bob@example\.com/ })
      expect(await bob.getByTestId('trust-status').textContent()).toBe('Nicht vertrauenswürdig: kein Weg zu einer Stelle, der Sie vertrauen')
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone ? 390 : 1400)
      await page.getByRole('checkbox', { name: 'Für E-Mail vertrauen' }).first().click()
      const dialog = page.getByRole('dialog', { name: 'Zertifikat vertrauen' })
      await dialog.getByRole('heading', { name: 'Diesem Zertifikat für E-Mail vertrauen?' }).waitFor()
      await page.screenshot({ path: `/tmp/i18n-de-contacts-trust-${phone ? 'phone' : 'desktop'}.png` })
      await dialog.getByRole('button', { name: 'Vertrauen' }).click()
      await page.getByText('Vertrauenswürdig: führt zu einer Stelle, der Sie vertrauen').waitFor()
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(phone ? 390 : 1400)
      await page.screenshot({ path: `/tmp/i18n-de-contacts-${phone ? 'phone' : 'desktop'}.png`, fullPage: true })
    }
  })
})

describe('German screens and axe-core', () => {
  it('finds no serious or critical violation on sign-in, mail, compose, Security and Contacts in German', async () => {
    const { page } = await h.newPage({ locale: 'de-DE' })
    const found: string[] = []
    await page.getByRole('button', { name: 'Anmelden' }).waitFor()
    found.push(...(await axe(page, 'signin')))
    await page.getByRole('textbox', { name: 'E-Mail-Adresse' }).fill('carol@example.com')
    await page.getByLabel('Passwort').fill('demo')
    await page.getByRole('button', { name: 'Anmelden' }).click()
    await page.getByRole('button', { name: 'Abmelden' }).waitFor()
    found.push(...(await axe(page, 'mail')))
    await page.getByRole('button', { name: 'Verfassen' }).first().click()
    await page.getByRole('dialog', { name: 'Neue Nachricht' }).waitFor()
    found.push(...(await axe(page, 'compose')))
    await page.getByRole('button', { name: 'Schließen' }).click()
    await page.getByRole('link', { name: 'Sicherheit' }).click()
    await page.getByTestId('keystore-state').waitFor()
    found.push(...(await axe(page, 'security')))
    await page.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Kontakte' }).click()
    await page.getByRole('heading', { name: 'Adressbuch' }).waitFor()
    found.push(...(await axe(page, 'contacts')))
    expect(found).toEqual([])
  })
})

describe('an English browser', () => {
  it('keeps the English names and <html lang="en">', async () => {
    const { page } = await h.signedIn('alice@example.com')
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en')
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Inbox' }).waitFor()
    const item = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').first()
    // (read already by the German tests above, when they ran first)
    expect(await item.getAttribute('aria-label')).toMatch(/^From Bob Beispiel, Quartalsbericht und Überweisungsbestätigung, Mar 3(, unread)?$/)
    expect(await item.textContent()).toMatch(/1\.\d KB/)
  })
})
