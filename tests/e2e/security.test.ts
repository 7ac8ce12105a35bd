/**
 * Issue 4, your identity and your contacts' certificates, in Chromium against the real
 * bridge: PFX import (made by OpenSSL on the fly), the key store passphrase, lock and
 * unlock, certificate export and PFX backup (read back by OpenSSL), certificate import
 * (.pem, .cer, .p7b at once) and the "Trust certificate" dialog. No request to the bridge
 * may carry a passphrase, a PFX password, or key material.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCREENSHOTS, eventually, signIn, startHarness, type Harness } from './harness'

const PFX_PASSWORD = 'pfx-secret-42'
const PASSPHRASE = 'correct horse battery staple'
const BACKUP_PASSWORD = 'backup-secret-77'

let h: Harness
let dir: string

function openssl(args: string[], input?: string | Buffer): Buffer {
  return execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] })
}

/** A demo CA, alice's certificate and key as a PFX, bob's certificate (DER) and a .p7b of both. */
function makePki(): void {
  const ext = join(dir, 'ext.cnf')
  writeFileSync(
    ext,
    [
      '[ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
      '[alice]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection',
      'subjectAltName=email:alice@example.com', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
      '[bob]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection',
      'subjectAltName=email:bob@example.com', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
    ].join('\n'),
  )
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=E2E Test Mail CA/O=Cachet Tests', '-extensions', 'ca', '-config', ext].concat([]))
  for (const who of ['alice', 'bob']) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who[0]!.toUpperCase()}${who.slice(1)} Example/emailAddress=${who}@example.com`])
    openssl(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '20', '-extfile', ext, '-extensions', who])
  }
  openssl(['pkcs12', '-export', '-in', 'alice.pem', '-inkey', 'alice.key', '-certfile', 'ca.pem', '-out', 'alice.p12', '-passout', `pass:${PFX_PASSWORD}`, '-name', 'Alice'])
  openssl(['x509', '-in', 'bob.pem', '-outform', 'DER', '-out', 'bob.cer'])
  openssl(['x509', '-in', 'alice.pem', '-outform', 'DER', '-out', 'alice.cer'])
  openssl(['crl2pkcs7', '-nocrl', '-certfile', 'bob.pem', '-certfile', 'ca.pem', '-outform', 'DER', '-out', 'bundle.p7b'])
}

/** Every request the page makes, to check that no secret ever leaves the browser. */
function recordRequests(page: Page): Request[] {
  const seen: Request[] = []
  page.on('request', (r) => seen.push(r))
  return seen
}

function assertNoSecrets(requests: Request[]): void {
  const key = readFileSync(join(dir, 'alice.key'), 'utf8').split('\n').slice(1, 4).join('')
  for (const r of requests) {
    const body = r.postDataBuffer()?.toString('latin1') ?? ''
    const all = r.url() + body
    for (const secret of [PFX_PASSWORD, PASSPHRASE, BACKUP_PASSWORD, key.slice(0, 40)]) {
      expect(all.includes(secret), `${r.method()} ${r.url()} carries a secret`).toBe(false)
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-security-'))
  makePki()
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('Security: your identity', () => {
  let page: Page
  let requests: Request[]

  it('imports a PFX made by OpenSSL: wrong PFX password and non-PFX files get exact errors, then it is listed', async () => {
    const s = await h.signedIn('alice@example.com')
    page = s.page
    requests = recordRequests(page)
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Import PFX' }).click()

    // Not a PFX file at all.
    await page.getByLabel('PFX file').setInputFiles(join(dir, 'ca.pem'))
    await page.getByLabel('PFX password', { exact: true }).fill(PFX_PASSWORD)
    await page.getByLabel('Key store passphrase', { exact: true }).fill(PASSPHRASE)
    await page.getByLabel('Confirm key store passphrase').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    const alert = page.getByRole('alert')
    await eventually(async () => /not a PFX/i.test((await alert.textContent()) ?? ''), 'the not-a-PFX error')

    // Wrong PFX password: said so, and the key store passphrase is NOT set by a failed import.
    await page.getByLabel('PFX file').setInputFiles(join(dir, 'alice.p12'))
    await page.getByLabel('PFX password', { exact: true }).fill('not the password')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await eventually(async () => /PFX password is wrong/i.test((await alert.textContent()) ?? ''), 'the wrong PFX password error')
    await h.screenshot(page, 'security-01-import-error')

    // Passphrases that differ are refused before anything is stored.
    await page.getByLabel('PFX password', { exact: true }).fill(PFX_PASSWORD)
    await page.getByLabel('Confirm key store passphrase').fill(PASSPHRASE + 'x')
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    await eventually(async () => /do not match/i.test((await alert.textContent()) ?? ''), 'the mismatch error')

    await page.getByLabel('Confirm key store passphrase').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Import', exact: true }).click()
    const status = page.getByRole('status').filter({ hasText: 'Imported' })
    await status.waitFor({ timeout: 60_000 })
    expect(await status.textContent()).toMatch(/alice@example\.com.*passphrase is set/)

    const card = page.getByRole('article', { name: 'Identity alice@example.com' })
    await card.waitFor()
    const text = (await card.textContent()) ?? ''
    expect(text).toContain('E2E Test Mail CA')
    expect(text).toMatch(/Expires in 1\d days/) // 20-day certificate: the 30-day warning shows
    expect(await page.getByTestId('keystore-state').textContent()).toMatch(/Unlocked/)
    await h.screenshot(page, 'security-02-identity')
    await page.screenshot({ path: join(SCREENSHOTS, 'security-00-full.png'), fullPage: true })
  })

  it('locks and unlocks the key store; a wrong passphrase is refused', async () => {
    await page.getByRole('button', { name: 'Lock now' }).click()
    await eventually(async () => /Locked/.test((await page.getByTestId('keystore-state').textContent()) ?? ''), 'locked')
    const form = page.getByRole('form', { name: 'Unlock key store' })
    await form.getByLabel('Key store passphrase').fill('wrong passphrase')
    await form.getByRole('button', { name: 'Unlock' }).click()
    await page.getByRole('alert').filter({ hasText: 'passphrase is wrong' }).waitFor()
    await form.getByLabel('Key store passphrase').fill(PASSPHRASE)
    await form.getByRole('button', { name: 'Unlock' }).click()
    await eventually(async () => /Unlocked/.test((await page.getByTestId('keystore-state').textContent()) ?? ''), 'unlocked', 60_000)
  })

  it('keeps only a sealed key in IndexedDB', async () => {
    const stored = await page.evaluate(
      () =>
        new Promise<{ hasSealed: boolean; hasPlainKey: boolean; iterations: number }>((resolve, reject) => {
          const req = indexedDB.open('cachet:alice@example.com')
          req.onerror = () => reject(req.error)
          req.onsuccess = () => {
            const get = req.result.transaction('identities').objectStore('identities').getAll()
            get.onsuccess = () => {
              const r = get.result[0] as { sealedKey?: { kdf: { iterations: number } }; privateKey?: unknown }
              resolve({ hasSealed: !!r.sealedKey, hasPlainKey: 'privateKey' in r, iterations: r.sealedKey?.kdf.iterations ?? 0 })
            }
          }
        }),
    )
    expect(stored).toEqual({ hasSealed: true, hasPlainKey: false, iterations: 600_000 })
  })

  it('exports the certificate as .cer identical to the one OpenSSL issued', async () => {
    const card = page.getByRole('article', { name: 'Identity alice@example.com' })
    const [download] = await Promise.all([page.waitForEvent('download'), card.getByRole('button', { name: 'Export certificate (.cer)' }).click()])
    const path = join(dir, 'exported.cer')
    await download.saveAs(path)
    expect(readFileSync(path).equals(readFileSync(join(dir, 'alice.cer')))).toBe(true)
  })

  it('backs up the identity as a new PFX that OpenSSL opens with the new password', async () => {
    const card = page.getByRole('article', { name: 'Identity alice@example.com' })
    await card.getByRole('button', { name: 'Back up as PFX' }).click()
    await card.getByLabel('New PFX password', { exact: true }).fill(BACKUP_PASSWORD)
    await card.getByLabel('Confirm new PFX password').fill(BACKUP_PASSWORD)
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), card.getByRole('button', { name: 'Save PFX' }).click()])
    const path = join(dir, 'backup.p12')
    await download.saveAs(path)
    const out = openssl(['pkcs12', '-in', path, '-nodes', '-passin', `pass:${BACKUP_PASSWORD}`]).toString()
    expect(out).toContain('BEGIN PRIVATE KEY')
    const modulus = (f: string[]) => openssl(f).toString().trim()
    writeFileSync(join(dir, 'backup.pem'), out)
    expect(modulus(['rsa', '-in', 'backup.pem', '-noout', '-modulus'])).toBe(modulus(['rsa', '-in', 'alice.key', '-noout', '-modulus']))
  })

  it('asks for the key store passphrase when a locked key is needed to read a message, then shows it', async () => {
    await page.getByRole('button', { name: 'Lock now' }).click()
    await eventually(async () => /Locked/.test((await page.getByTestId('keystore-state').textContent()) ?? ''), 'locked')
    const mime = ['Content-Type: text/plain; charset=utf-8', '', 'The eagle lands at noon.', ''].join('\r\n')
    const sealed = openssl(['cms', '-encrypt', '-aes256', '-recip', 'alice.pem', '-from', 'bob@example.com', '-to', 'alice@example.com', '-subject', 'Locked secret'], mime)
    await h.append('alice@example.com', 'INBOX', sealed)

    await page.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Mail' }).click()
    const item = page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Locked secret/ })
    await item.click()
    const prompt = page.getByRole('dialog', { name: 'Unlock key store' })
    await prompt.waitFor()
    await h.screenshot(page, 'security-03-unlock-prompt')
    await prompt.getByLabel('Key store passphrase').fill(PASSPHRASE)
    await prompt.getByRole('button', { name: 'Unlock' }).click()
    await prompt.waitFor({ state: 'detached' })
    const msg = page.getByRole('region', { name: 'Message' })
    await msg.getByText('The eagle lands at noon.').waitFor()
    await h.screenshot(page, 'security-04-decrypted')
  })

  it('signing out locks the key store, and the next person at this browser sees none of it', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    // bob at the same browser: his own (empty) key store, not alice's identity.
    await signIn(page, 'bob@example.com')
    await page.getByRole('link', { name: 'Security' }).first().click()
    await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Import PFX' }).waitFor()
    expect(await page.getByRole('article', { name: 'Identity alice@example.com' }).count()).toBe(0)
    expect(await page.getByText('alice@example.com').count()).toBe(0)
    await h.screenshot(page, 'security-05-next-account')
    await page.getByRole('button', { name: 'Sign out' }).click()
    // alice again: her identity is there, locked.
    await signIn(page, 'alice@example.com')
    await page.getByRole('link', { name: 'Security' }).first().click()
    await page.getByRole('article', { name: 'Identity alice@example.com' }).waitFor()
    await eventually(async () => /Locked/.test((await page.getByTestId('keystore-state').textContent()) ?? ''), 'locked after signing out')
    const form = page.getByRole('form', { name: 'Unlock key store' })
    await form.getByLabel('Key store passphrase').fill(PASSPHRASE)
    await form.getByRole('button', { name: 'Unlock' }).click()
    await eventually(async () => /Unlocked/.test((await page.getByTestId('keystore-state').textContent()) ?? ''), 'unlocked', 60_000)
  })

  it('sent no secret to the bridge', () => {
    expect(requests.length).toBeGreaterThan(0)
    assertNoSecrets(requests)
  })
})

describe('Contacts: certificates and trust', () => {
  it('imports .pem, .cer and .p7b at once, shows details, and trusts a root only through the dialog', async () => {
    const { page } = await h.signedIn('alice@example.com')
    const requests = recordRequests(page)
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Contacts' }).click()
    await page.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor()
    await page.getByRole('button', { name: 'Import certificates' }).click()
    await page.getByLabel('Certificate files').setInputFiles([join(dir, 'ca.pem'), join(dir, 'bob.cer'), join(dir, 'bundle.p7b'), join(dir, 'ext.cnf')])
    await page.getByRole('status').filter({ hasText: 'Added 2 certificates' }).waitFor()
    expect(await page.getByRole('status').filter({ hasText: 'Already in Contacts' }).count()).toBe(1)
    expect(await page.getByRole('alert').filter({ hasText: 'ext.cnf' }).count()).toBe(1)

    const bob = page.getByRole('region', { name: 'Contact bob@example.com' })
    await bob.waitFor()
    const bobText = (await bob.textContent()) ?? ''
    expect(bobText).toContain('E2E Test Mail CA')
    expect(bobText).toMatch(/[0-9A-F]{2}(:[0-9A-F]{2}){31}/) // SHA-256 fingerprint
    expect(bobText).toContain('emailProtection')
    await eventually(async () => /Not trusted/.test((await bob.getByTestId('trust-status').textContent()) ?? ''), 'bob not trusted yet')

    const ca = page.getByRole('article', { name: /Certificate .*E2E Test Mail CA/ })
    const box = ca.getByRole('checkbox', { name: 'Trust for email' })
    expect(await box.isChecked()).toBe(false)
    await box.click()
    const dialog = page.getByRole('dialog', { name: 'Trust certificate' })
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('Cachet will accept every certificate this authority issues as proof of a sender')
    await h.screenshot(page, 'contacts-02-trust-dialog')
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(await box.isChecked()).toBe(false)

    await box.click()
    await dialog.getByRole('button', { name: 'Trust' }).click()
    await eventually(() => box.isChecked(), 'the root trusted')
    await eventually(async () => /^Trusted/.test((await bob.getByTestId('trust-status').textContent()) ?? ''), 'bob trusted through the root')
    await h.screenshot(page, 'contacts-01-list')

    // Built-in roots: trusted out of the box; distrust one, then trust it again through the dialog.
    const builtIn = page.getByRole('region', { name: 'Built-in authorities' })
    await builtIn.getByText('Show the built-in authorities').click()
    const firstRoot = builtIn.getByRole('checkbox').first()
    expect(await firstRoot.isChecked()).toBe(true)
    await firstRoot.click()
    await eventually(async () => !(await firstRoot.isChecked()), 'built-in root distrusted')
    await eventually(async () => /You distrust 1 of them/.test((await builtIn.textContent()) ?? ''), 'distrust counted')
    await firstRoot.click()
    await page.getByRole('dialog', { name: 'Trust certificate' }).getByRole('button', { name: 'Trust' }).click()
    await eventually(() => firstRoot.isChecked(), 'built-in root trusted again')
    await page.screenshot({ path: join(SCREENSHOTS, 'contacts-00-full.png'), fullPage: true })

    // The decision survives a reload (IndexedDB).
    await page.reload()
    await eventually(() => page.getByRole('article', { name: /Certificate .*E2E Test Mail CA/ }).getByRole('checkbox', { name: 'Trust for email' }).isChecked(), 'trust kept after reload')
    assertNoSecrets(requests)
  })
})
