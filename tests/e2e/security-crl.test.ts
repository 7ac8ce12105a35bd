/**
 * Revocation on the Contacts page: certificates name a CRL distribution point; the app
 * fetches the CRL through the bridge's relay (GET /api/crl), caches it, and shows a
 * revoked certificate as revoked, never as valid. The CA, the revocation and the CRL are
 * made by `openssl ca` during the test and served by a plain HTTP server on loopback (so
 * this test runs its own bridge with CACHET_ALLOW_PRIVATE_CRL's setting on).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/bridge/config'
import { startBridge, type RunningBridge } from '../../src/bridge/server'
import { ImapFlow } from 'imapflow'
import { DEMO_PASSWORD, startMailstack, type Mailstack } from '../../src/mailstack/index'
import { ROOT, eventually, signIn } from './harness'

let dir: string
let mailDir: string
let crlServer: Server
let mailstack: Mailstack
let bridge: RunningBridge
let browser: Browser
const crlHits: string[] = []

function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] })
}

function makePki(crlUrl: string): void {
  writeFileSync(join(dir, 'index.txt'), '')
  writeFileSync(join(dir, 'crlnumber'), '01\n')
  writeFileSync(join(dir, 'serial'), '1000\n')
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]', 'default_ca=CA_default',
      '[CA_default]', `dir=${dir}`, 'database=$dir/index.txt', 'crlnumber=$dir/crlnumber', 'new_certs_dir=$dir',
      'serial=$dir/serial', 'default_md=sha256', 'default_crl_days=7', 'policy=policy_any', 'copy_extensions=none',
      '[policy_any]', 'commonName=supplied', 'emailAddress=optional',
      '[v3_ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign',
      '[leaf]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection',
      `crlDistributionPoints=URI:${crlUrl}`,
    ].join('\n'),
  )
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-subj', '/CN=CRL Test CA', '-extensions', 'v3_ca', '-config', 'ca.cnf'])
  for (const who of ['bob', 'carol']) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}/emailAddress=${who}@example.com`])
    openssl(['ca', '-batch', '-config', 'ca.cnf', '-in', `${who}.csr`, '-out', `${who}.pem`, '-cert', 'ca.pem', '-keyfile', 'ca.key', '-days', '200', '-extensions', 'leaf', '-notext'])
  }
  openssl(['ca', '-config', 'ca.cnf', '-revoke', 'bob.pem', '-cert', 'ca.pem', '-keyfile', 'ca.key'])
  openssl(['ca', '-config', 'ca.cnf', '-gencrl', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-out', 'ca.crl.pem'])
  openssl(['crl', '-in', 'ca.crl.pem', '-outform', 'DER', '-out', 'ca.crl'])
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-crl-'))
  crlServer = createServer((req, res) => {
    crlHits.push(req.url ?? '')
    if (req.url === '/ca.crl') res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(readFileSync(join(dir, 'ca.crl')))
    else res.writeHead(404).end()
  })
  await new Promise<void>((r) => crlServer.listen(0, '127.0.0.1', r))
  makePki(`http://127.0.0.1:${(crlServer.address() as AddressInfo).port}/ca.crl`)
  mailDir = mkdtempSync(join(tmpdir(), 'cachet-e2e-'))
  mailstack = await startMailstack({ dataDir: mailDir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false })
  bridge = await startBridge(
    loadConfig({}, {
      host: '127.0.0.1',
      port: 0,
      imap: { host: '127.0.0.1', port: mailstack.imapPort, tls: false, rejectUnauthorized: true },
      smtp: { host: '127.0.0.1', port: mailstack.smtpPort, tls: false, rejectUnauthorized: true },
      staticDir: join(ROOT, 'dist'),
      logLevel: false,
      allowPrivateCrl: true,
    }),
  )
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
})
afterAll(async () => {
  await browser?.close().catch(() => {})
  await bridge?.close().catch(() => {})
  await mailstack?.stop().catch(() => {})
  crlServer?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
  if (mailDir) rmSync(mailDir, { recursive: true, force: true })
})

describe('revocation on the Contacts page', () => {
  it('fetches the CRL through the bridge, caches it, and shows the revoked certificate as revoked', async () => {
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${bridge.port}`, viewport: { width: 1400, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const relayed: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/crl')) relayed.push(r.url())
    })
    await page.goto('/signin')
    await signIn(page, 'alice@example.com').catch(async (e: unknown) => {
      throw new Error(`sign-in failed; page says: ${await page.locator('body').innerText()}`, { cause: e })
    })
    await page.goto('/contacts')
    await page.getByRole('button', { name: 'Import certificates' }).click()
    await page.getByLabel('Certificate files').setInputFiles([join(dir, 'ca.pem'), join(dir, 'bob.pem'), join(dir, 'carol.pem')])
    await page.getByRole('status').filter({ hasText: 'Added 3 certificates' }).waitFor()

    const ca = page.getByRole('article', { name: /Certificate CN=CRL Test CA/ })
    await ca.getByRole('checkbox', { name: 'Trust for email' }).click()
    await page.getByRole('dialog', { name: 'Trust certificate' }).getByRole('button', { name: 'Trust' }).click()

    const bob = page.getByRole('region', { name: 'Contact bob@example.com' })
    const carol = page.getByRole('region', { name: 'Contact carol@example.com' })
    await eventually(async () => /Revoked/.test((await bob.getByTestId('trust-status').textContent()) ?? ''), 'bob shown as revoked')
    expect(await bob.getByTestId('revocation').textContent()).toMatch(/REVOKED/)
    await eventually(async () => /^Trusted/.test((await carol.getByTestId('trust-status').textContent()) ?? ''), 'carol trusted')
    expect(await carol.getByTestId('revocation').textContent()).toMatch(/not revoked/)
    expect(relayed.length).toBeGreaterThan(0)
    expect(relayed.every((u) => u.includes('/api/crl?url='))).toBe(true)
    await page.screenshot({ path: join(ROOT, 'screenshots', 'contacts-03-revoked.png'), fullPage: true })

    // Cached until nextUpdate: a reload does not fetch it again.
    const hits = crlHits.length
    await page.reload()
    await eventually(async () => /Revoked/.test((await page.getByRole('region', { name: 'Contact bob@example.com' }).getByTestId('trust-status').textContent()) ?? ''), 'still revoked after reload')
    expect(crlHits.length).toBe(hits)
    await context.close()
  })
})

describe('revocation of a forwarded message\'s signer (issue 16)', () => {
  it('a message signed by revoked bob, forwarded inside carol\'s unsigned one: the CRL is fetched for it and its own summary says revoked', async () => {
    // bob signs (openssl cms -sign, now), carol forwards it as a message/rfc822 part of an unsigned multipart/mixed.
    const date = new Date().toUTCString()
    writeFileSync(join(dir, 'fwd.in'), 'Content-Type: text/plain\r\n\r\nSigned by bob, whose certificate is revoked.\r\n')
    const signed = openssl(['cms', '-sign', '-in', join(dir, 'fwd.in'), '-signer', join(dir, 'bob.pem'), '-inkey', join(dir, 'bob.key')]).toString('latin1').replace(/\r?\n/g, '\r\n')
    const raw = Buffer.from(
      `From: carol@example.com\r\nTo: alice@example.com\r\nSubject: Fwd: from bob\r\nDate: ${date}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="f"\r\n\r\n--f\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--f\r\nContent-Type: message/rfc822\r\n\r\n` +
        `From: bob@example.com\r\nTo: carol@example.com\r\nSubject: from bob\r\nDate: ${date}\r\n${signed}\r\n--f--\r\n`,
      'latin1',
    )
    const imap = new ImapFlow({ host: '127.0.0.1', port: mailstack.imapPort, secure: false, auth: { user: 'alice@example.com', pass: DEMO_PASSWORD }, logger: false })
    await imap.connect()
    await imap.append('INBOX', raw)
    await imap.logout()

    // A fresh browser (no CRL cached): only the CA is imported and trusted, so nothing fetched bob's CRL before.
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${bridge.port}`, viewport: { width: 1400, height: 900 } })
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    await page.goto('/signin')
    await signIn(page, 'alice@example.com')
    await page.goto('/contacts')
    await page.getByRole('button', { name: 'Import certificates' }).click()
    await page.getByLabel('Certificate files').setInputFiles([join(dir, 'ca.pem')])
    const ca = page.getByRole('article', { name: /Certificate CN=CRL Test CA/ })
    await ca.getByRole('checkbox', { name: 'Trust for email' }).click()
    await page.getByRole('dialog', { name: 'Trust certificate' }).getByRole('button', { name: 'Trust' }).click()
    await eventually(() => ca.getByRole('checkbox', { name: 'Trust for email' }).isChecked(), 'the CA trusted')

    await page.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Mail' }).click()
    await page.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /, Fwd: from bob, / }).click()
    const fwd = page.getByRole('region', { name: 'Message' }).getByRole('article', { name: 'Forwarded message: from bob' })
    const summary = fwd.getByTestId('forwarded-security-summary')
    await summary.waitFor()
    expect(await summary.getAttribute('data-signature')).toBe('revoked')
    expect(await summary.textContent()).toContain("Certificate revoked: bob@example.com's certificate was revoked by its issuer")
    expect(await page.getByRole('region', { name: 'Message' }).getByTestId('security-summary').getAttribute('data-signature')).toBe('none')
    await context.close()
  })
})
