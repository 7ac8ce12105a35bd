/**
 * Issue 9 end to end in Chromium, against the real CA server (CFSSL), the real directory
 * (slapd) and the real mail stack: dave, who has no PFX, gets a certificate from the
 * organisation's CA with a key made in his browser; the directory publishes it; dave
 * trusts the organisation CA and sends signed and encrypted mail to alice, who never wrote
 * to him (her certificate comes from the directory); alice reads it verified and
 * decrypted and replies encrypted; dave decrypts with his browser-made key. No request
 * body carries a private key or a passphrase. An address in no directory still gets the
 * Missing certificates dialog.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startHarness, type Harness } from './harness'
import { assertNoSecrets, importPfx, openInbox, recordBodies, summaryOf, trustCa, type RecordedBody } from './smime-helpers'

const PASSPHRASE = { dave: 'dave key store phrase 58', alice: 'alice key store phrase 12', carol: 'carol key store phrase 93' }
const SECRET = 'The dosage changes on Monday: 20 mg'
const SECRET_REPLY = 'Noted, the pharmacy has the new prescription'

let h: Harness
let dave: Page
let alice: Page
const requests: Request[] = []
/** Every request body of both pages, recorded through DevTools as Chromium sent it. */
const bodies: RecordedBody[][] = []

beforeAll(async () => {
  h = await startHarness({ certificates: true })
  ;({ page: dave } = await h.signedIn('dave@example.com'))
  ;({ page: alice } = await h.signedIn('alice@example.com'))
  for (const p of [dave, alice]) {
    p.on('request', (r) => requests.push(r))
    bodies.push(await recordBodies(p))
  }
})
afterAll(async () => {
  await h?.close()
})

/** What the directory holds for an address, as ldapsearch (OpenLDAP's own client) sees it. */
function directoryCertificates(address: string): Buffer[] {
  const out = execFileSync('ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', h.mailstack.directory!.url, '-b', 'dc=example,dc=com', `(mail=${address})`, 'userCertificate;binary'], { encoding: 'utf8' })
  return [...out.matchAll(/^userCertificate;binary:: (\S+)$/gm)].map((m) => Buffer.from(m[1]!, 'base64'))
}

describe('certificates for everyone', () => {
  it('dave, with no PFX, gets a certificate from the organisation CA; the key is made in his browser', async () => {
    await dave.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
    await dave.getByRole('heading', { name: 'Security', level: 1 }).waitFor()
    await h.screenshot(dave, 'enrol-01-security-empty')
    await dave.getByRole('button', { name: 'Get a certificate' }).click()
    const dialog = dave.getByRole('dialog', { name: 'Get a certificate' })
    await dialog.waitFor()
    expect(await dialog.getByRole('radio', { name: /RSA 3072/ }).isChecked()).toBe(true)
    await dialog.getByLabel('Key store passphrase', { exact: true }).fill(PASSPHRASE.dave)
    await dialog.getByLabel('Confirm key store passphrase').fill(PASSPHRASE.dave)
    await h.screenshot(dave, 'enrol-02-dialog')
    await dialog.getByRole('button', { name: 'Request certificate' }).click()
    const identity = dave.getByRole('article', { name: 'Identity dave@example.com' })
    await identity.waitFor({ timeout: 90_000 })
    await dave.getByRole('status').filter({ hasText: 'Your certificate for dave@example.com is ready' }).waitFor()
    expect(await identity.textContent()).toContain('Cachet Demo CA')
    await h.screenshot(dave, 'enrol-03-identity')
  })

  it('the directory publishes it: ldapsearch finds the new certificate on dave\'s entry', async () => {
    const identity = dave.getByRole('article', { name: 'Identity dave@example.com' })
    const [download] = await Promise.all([dave.waitForEvent('download'), identity.getByRole('button', { name: 'Export certificate (.cer)' }).click()])
    const mine = readFileSync((await download.path())!)
    const published = directoryCertificates('dave@example.com')
    expect(published.some((c) => c.equals(mine))).toBe(true)
    // What CFSSL issued follows the strict mailbox profile.
    const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-text'], { input: mine, encoding: 'utf8' })
    expect(text).toMatch(/X509v3 Extended Key Usage:\s*\n\s*E-mail Protection\s*\n/)
    expect(text).toMatch(/email:dave@example\.com/)
    expect(text).toMatch(/CRL Distribution Points/)
  })

  it('dave trusts the organisation CA and writes to alice, found in the directory: Sign and Encrypt without asking', async () => {
    await trustCa(dave, h.mailstack.pki!.caCert)
    await openInbox(dave)
    await dave.getByRole('button', { name: 'Compose' }).click()
    const dialog = dave.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('alice@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('From the new certificate')
    await dialog.getByRole('textbox', { name: 'Message' }).fill(SECRET)
    await dialog.getByRole('listitem', { name: 'alice@example.com: certificate from the directory' }).waitFor()
    await h.screenshot(dave, 'enrol-04-compose-directory')
    const sign = dialog.getByRole('checkbox', { name: 'Sign' })
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    await eventually(() => encrypt.isChecked(), 'Encrypt on by default: every recipient has a certificate')
    if (!(await sign.isChecked())) await sign.check()
    // This test finds the message by its subject in the list and over IMAP: sent with the subject readable (issue 13's Protect subject is on by default).
    await dialog.getByRole('checkbox', { name: 'Protect subject' }).uncheck()
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
    expect(await dave.getByRole('dialog', { name: 'Missing certificates' }).count()).toBe(0)
  })

  it('alice reads it verified and decrypted, and replies encrypted', async () => {
    await importPfx(alice, h.mailstack.pki!.accounts.find((a) => a.email === 'alice@example.com')!.pfx, 'demo', PASSPHRASE.alice)
    await trustCa(alice, h.mailstack.pki!.caCert)
    await openInbox(alice)
    const item = alice.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /From the new certificate/ })
    await item.waitFor({ timeout: 30_000 })
    await item.click()
    const s = await summaryOf(alice)
    expect(s).toMatchObject({ signature: 'valid', encryption: 'decrypted' })
    expect(s.text).toContain('dave@example.com')
    await alice.getByRole('region', { name: 'Message' }).getByText(SECRET).waitFor()
    await h.screenshot(alice, 'enrol-05-alice-reads')
    await alice.getByRole('button', { name: 'Reply', exact: true }).click()
    const dialog = alice.getByRole('dialog', { name: 'Reply' })
    await dialog.getByRole('listitem', { name: 'dave@example.com: certificate from the directory' }).waitFor()
    const body = dialog.getByRole('textbox', { name: 'Message' })
    await body.press('Control+Home')
    await body.pressSequentially(`${SECRET_REPLY}.`)
    const encrypt = dialog.getByRole('checkbox', { name: 'Encrypt' })
    await eventually(() => encrypt.isChecked(), 'Encrypt on: dave has a certificate (from the directory)')
    // This test finds the message by its subject in the list and over IMAP: sent with the subject readable (issue 13's Protect subject is on by default).
    await dialog.getByRole('checkbox', { name: 'Protect subject' }).uncheck()
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
  })

  it('dave decrypts the reply with the key made in his browser', async () => {
    await openInbox(dave)
    const item = dave.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /Re: From the new certificate/ })
    await item.waitFor({ timeout: 30_000 })
    await item.click()
    const s = await summaryOf(dave)
    expect(s.encryption).toBe('decrypted')
    await dave.getByRole('region', { name: 'Message' }).getByText(SECRET_REPLY).waitFor()
    await h.screenshot(dave, 'enrol-06-dave-decrypts')
  })

  it('an address in no directory still gets the Missing certificates dialog', async () => {
    await dave.getByRole('button', { name: 'Compose' }).click()
    const dialog = dave.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('nobody@elsewhere.example')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill('Nobody knows')
    await dialog.getByRole('listitem', { name: 'nobody@elsewhere.example: no certificate' }).waitFor()
    await dialog.getByRole('checkbox', { name: 'Encrypt' }).check()
    await dialog.getByRole('button', { name: 'Send' }).click()
    const missing = dave.getByRole('dialog', { name: 'Missing certificates' })
    await missing.waitFor()
    expect(await missing.textContent()).toContain('nobody@elsewhere.example')
    await missing.getByRole('button', { name: 'Cancel' }).click()
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'detached' })
  })

  it('Contacts: "Find certificate" shows what the directory has, and adds it', async () => {
    await dave.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Contacts' }).click()
    await dave.getByRole('heading', { name: 'Contacts', level: 1 }).waitFor()
    await dave.getByLabel('Address to find').fill('bob@example.com')
    await dave.getByRole('button', { name: 'Find certificate' }).click()
    const found = dave.getByRole('list', { name: 'Certificates for bob@example.com' })
    await found.waitFor()
    expect(await found.textContent()).toContain('Usable for encryption')
    await h.screenshot(dave, 'enrol-07-find-certificate')
    await found.getByRole('button', { name: 'Add to contacts' }).first().click()
    await dave.getByRole('region', { name: 'Contact bob@example.com' }).waitFor()
  })

  it('without the CA: carol creates a request for any CA, and importing what it issued completes the identity', async () => {
    const { page: carol } = await h.signedIn('carol@example.com')
    carol.on('request', (r) => requests.push(r))
    bodies.push(await recordBodies(carol))
    await carol.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
    await carol.getByRole('button', { name: 'Get a certificate' }).click()
    const dialog = carol.getByRole('dialog', { name: 'Get a certificate' })
    await dialog.getByRole('radio', { name: /P-256/ }).check()
    await dialog.getByLabel('Key store passphrase', { exact: true }).fill(PASSPHRASE.carol)
    await dialog.getByLabel('Confirm key store passphrase').fill(PASSPHRASE.carol)
    const [download] = await Promise.all([carol.waitForEvent('download'), dialog.getByRole('button', { name: 'Create a certificate request' }).click()])
    expect(download.suggestedFilename()).toBe('carol@example.com.csr')
    const request = carol.getByRole('listitem', { name: 'Certificate request carol@example.com' })
    await request.waitFor()
    await h.screenshot(carol, 'enrol-08-pending-request')
    // Any CA: here OpenSSL with the demo CA's key, copying the request's extensions.
    const dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-csr-'))
    try {
      const csr = join(dir, 'carol.csr')
      copyFileSync((await download.path())!, csr)
      const verify = spawnSync('openssl', ['req', '-in', csr, '-verify', '-noout'], { encoding: 'utf8' })
      expect(verify.stderr).toContain('verify OK')
      const pki = h.mailstack.pki!
      execFileSync('openssl', ['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', join(pki.dir, 'ca.key'), '-CAcreateserial', '-days', '30', '-copy_extensions', 'copy', '-out', join(dir, 'carol.pem')])
      await request.getByLabel('Import issued certificate').setInputFiles(join(dir, 'carol.pem'))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const identity = carol.getByRole('article', { name: 'Identity carol@example.com' })
    await identity.waitFor()
    expect(await identity.textContent()).toContain('EC')
    await request.waitFor({ state: 'detached' })
    await h.screenshot(carol, 'enrol-09-request-completed')
  })

  it('no request body carried a private key or a passphrase', () => {
    const all = bodies.flat()
    const enrolBodies = all.filter((b) => b.method === 'POST' && new URL(b.url).pathname === '/api/certificates/enrol')
    expect(enrolBodies.length).toBe(1)
    expect(enrolBodies[0]!.body.toString('utf8')).toContain('-----BEGIN CERTIFICATE REQUEST-----')
    assertNoSecrets(requests, { strings: [PASSPHRASE.dave, PASSPHRASE.alice, PASSPHRASE.carol, SECRET, SECRET_REPLY], files: [], keys: [] }, () => Buffer.alloc(0), all)
    // A PKCS#8 RSA or EC private key starts with version 0 and the key's algorithm, then an
    // OCTET STRING (a public key in a request is a BIT STRING after the same algorithm):
    // in no body, raw or in base64 at any of its three alignments.
    const pkcs8Rsa = Buffer.from('020100300d06092a864886f70d010101050004', 'hex')
    const pkcs8Ec = Buffer.from('020100301306072a8648ce3d020106082a8648ce3d03010704', 'hex')
    for (const b of all) {
      const bytes = b.body
      const text = bytes.toString('latin1')
      for (const marker of [pkcs8Rsa, pkcs8Ec]) {
        expect(bytes.includes(marker), `${b.url} carries a PKCS#8 key`).toBe(false)
        for (let o = 0; o < 3; o++) {
          const b64 = marker.subarray(o).toString('base64')
          expect(text.includes(b64.slice(0, Math.floor((b64.length - 4) / 4) * 4)), `${b.url} carries a PKCS#8 key in base64`).toBe(false)
        }
      }
    }
  })
})
