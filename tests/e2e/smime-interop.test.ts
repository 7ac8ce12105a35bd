/**
 * Issue 4 (Read) against messages made by other S/MIME implementations DURING the test:
 * OpenSSL `cms -sign` / `-encrypt` / both, NSS `cmsutil` sign and envelope, a signed
 * message tampered in the IMAP store, and the identity/trust failures. Each is APPENDed
 * to bob's INBOX over IMAP and opened in Chromium; the summary's data-signature and
 * data-encryption must equal `cachet-smime inspect` with the same keys and trust (bob's
 * PFX, the demo CA). Screenshots of every badge kind; CBC content never offers remote content.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { crlf, opaqueMessage, textEntity, withHeaders } from '../interop/harness/eml'
import { ROOT, eventually, startHarness, type Harness } from './harness'
import { assertNoSecrets, importPfx, openInbox, recordBodies, summaryOf, trustCa, type RecordedBody } from './smime-helpers'

const PFX_PASSWORD = 'pfx-interop-93d2'
const PASSPHRASE = 'bob interop key store 58'
const SECRET = 'Wire the deposit to the usual account'

let h: Harness
let dir: string
let pki: DemoPki
let bob: Page
const requests: Request[] = []
let bodies: RecordedBody[] = []

const acct = (who: string) => pki.accounts.find((a) => a.email.startsWith(who))!

function openssl(args: string[], input?: Uint8Array | string): Buffer {
  return execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
}

function file(name: string, data: Uint8Array | string): string {
  const p = join(dir, name)
  writeFileSync(p, data)
  return p
}

const entity = (text: string) => crlf(textEntity(text))
const htmlEntity = (html: string) => Buffer.from(`Content-Type: text/html; charset=utf-8\r\n\r\n${html}\r\n`)

/** openssl cms -sign (detached multipart/signed unless opaque), by a demo account. */
function opensslSign(who: string, content: Uint8Array, opaque = false): Buffer {
  const a = acct(who)
  return crlf(openssl(['cms', '-sign', '-binary', '-in', file(`sign-${Date.now()}.in`, content), '-signer', a.certPem, '-inkey', a.keyPem, ...(opaque ? ['-nodetach'] : [])]))
}

function opensslEncrypt(toWho: string, content: Uint8Array, cipher: string): Buffer {
  return crlf(openssl(['cms', '-encrypt', '-binary', `-${cipher}`, '-in', file(`enc-${Date.now()}.in`, content), acct(toWho).certPem]))
}

/** An NSS database with the demo CA trusted, alice's identity and bob's certificate. */
function nssDb(): string {
  const db = `sql:${join(dir, 'nss')}`
  execFileSync('mkdir', ['-p', join(dir, 'nss')])
  execFileSync('certutil', ['-N', '-d', db, '--empty-password'])
  execFileSync('certutil', ['-A', '-d', db, '-n', 'demo-ca', '-t', 'C,C,C', '-i', pki.caCert])
  execFileSync('pk12util', ['-i', acct('alice').pfx, '-d', db, '-W', PFX_PASSWORD, '-K', ''])
  execFileSync('certutil', ['-A', '-d', db, '-n', 'bob', '-t', ',,', '-i', acct('bob').certPem])
  return db
}

function cmsutil(db: string, args: string[], content: Uint8Array): Buffer {
  return execFileSync('cmsutil', [...args, '-i', file(`nss-${Date.now()}.in`, content), '-d', db, '-p', ''], { stdio: ['pipe', 'pipe', 'pipe'] })
}

/** `cachet-smime inspect` with bob's PFX and the demo CA as trust anchor. */
function inspect(raw: Uint8Array): { signature: string; encryption: string } {
  const p = file(`inspect-${Date.now()}-${Math.random().toString(36).slice(2)}.eml`, raw)
  let out: string
  try {
    out = execFileSync('node', [join(ROOT, 'bin/cachet-smime.js'), 'inspect', p, '--pfx', acct('bob').pfx, '--password', PFX_PASSWORD, '--trust', pki.caCert], { encoding: 'utf8' })
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '')
  }
  return JSON.parse(out).verdict
}

interface Case {
  subject: string
  raw: Buffer
  expect: { signature: string; encryption: string }
  words: RegExp
  shot: string
}

const cases: Case[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-smime-interop-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com', 'carol@example.com'], PFX_PASSWORD)
  const env = (subject: string, from = 'Alice <alice@example.com>') => ({ from, to: 'bob@example.com', subject })
  const db = nssDb()

  const signed = withHeaders(env('OpenSSL signed'), opensslSign('alice', entity('Signed by OpenSSL.')))
  const tampered = Buffer.from(signed.toString('latin1').replace(Buffer.from('Signed by OpenSSL.').toString('base64'), Buffer.from('Signed by OpenSSL!').toString('base64')), 'latin1')
  expect(tampered.equals(signed)).toBe(false)
  const cbc = withHeaders(env('OpenSSL CBC'), opensslEncrypt('bob', htmlEntity(`<p>${SECRET}</p><img src="https://attacker.example/x.png">`), 'aes-256-cbc'))
  const gcm = withHeaders(env('OpenSSL GCM'), opensslEncrypt('bob', entity(`${SECRET} (GCM)`), 'aes-256-gcm'))
  const both = withHeaders(env('OpenSSL signed and encrypted'), opensslEncrypt('bob', opensslSign('alice', entity(`${SECRET} (signed inside)`)), 'aes-256-gcm'))
  const nssSigned = opaqueMessage(env('NSS signed'), cmsutil(db, ['-S', '-G', '-P', '-N', 'alice@example.com', '-H', 'SHA256'], entity('Signed by NSS.')), { smimeType: 'signed-data' })
  const nssEnc = opaqueMessage(env('NSS encrypted'), cmsutil(db, ['-E', '-r', 'bob@example.com'], entity(`${SECRET} (NSS)`)), { smimeType: 'enveloped-data' })
  const notForBob = withHeaders(env('For carol only'), opensslEncrypt('carol', entity('Only carol can read this.'), 'aes-256-cbc'))
  const mismatch = withHeaders(env('Mismatched signer', 'Carol <carol@example.com>'), opensslSign('alice', entity('Claims to be from carol.')))
  // A self-signed certificate for alice's address: cryptographically fine, issuer unknown.
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '30', '-subj', '/CN=Self Alice/emailAddress=alice@example.com',
    '-addext', 'subjectAltName=email:alice@example.com', '-addext', 'extendedKeyUsage=emailProtection', '-addext', 'keyUsage=critical,digitalSignature,keyEncipherment'])
  const selfSigned = withHeaders(env('Self-signed'), crlf(openssl(['cms', '-sign', '-binary', '-in', file('self.in', entity('From an unknown issuer.')), '-signer', 'self.pem', '-inkey', 'self.key'])))

  cases.push(
    { subject: 'OpenSSL signed', raw: signed, expect: { signature: 'valid', encryption: 'none' }, words: /Signed by alice@example\.com, verified/, shot: 'smime-10-openssl-signed-valid' },
    { subject: 'OpenSSL signed (tampered)', raw: Buffer.from(tampered.toString('latin1').replace('Subject: OpenSSL signed', 'Subject: OpenSSL signed (tampered)'), 'latin1'), expect: { signature: 'invalid', encryption: 'none' }, words: /Signature invalid: the message was altered/, shot: 'smime-11-tampered-invalid' },
    { subject: 'OpenSSL CBC', raw: cbc, expect: { signature: 'none', encryption: 'decrypted' }, words: /Encrypted \(AES-256-CBC\) — no integrity protection/, shot: 'smime-12-cbc-no-integrity' },
    { subject: 'OpenSSL GCM', raw: gcm, expect: { signature: 'none', encryption: 'decrypted' }, words: /Encrypted with AES-256-GCM for you/, shot: 'smime-13-gcm' },
    { subject: 'OpenSSL signed and encrypted', raw: both, expect: { signature: 'valid', encryption: 'decrypted' }, words: /Signed by alice@example\.com, verified.*Encrypted with AES-256-GCM for you/s, shot: 'smime-14-openssl-both' },
    { subject: 'NSS signed', raw: nssSigned, expect: { signature: 'valid', encryption: 'none' }, words: /Signed by alice@example\.com, verified/, shot: 'smime-15-nss-signed' },
    { subject: 'NSS encrypted', raw: nssEnc, expect: { signature: 'none', encryption: 'decrypted' }, words: /Encrypted/, shot: 'smime-16-nss-encrypted' },
    { subject: 'For carol only', raw: notForBob, expect: { signature: 'none', encryption: 'not-for-you' }, words: /encrypted for a certificate you have not imported: issuer .*Cachet Demo CA.*, serial [0-9a-f]+/, shot: 'smime-17-not-for-you' },
    { subject: 'Mismatched signer', raw: mismatch, expect: { signature: 'email-mismatch', encryption: 'none' }, words: /Signed by alice@example\.com, who is not the sender carol@example\.com/, shot: 'smime-18-email-mismatch' },
    { subject: 'Self-signed', raw: selfSigned, expect: { signature: 'untrusted', encryption: 'none' }, words: /Signature not trusted: issuer unknown \(signed by alice@example\.com\)/, shot: 'smime-19-untrusted' },
  )
  h = await startHarness()
  for (const c of cases) await h.append('bob@example.com', 'INBOX', c.raw)
})
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('messages made by OpenSSL and NSS show the same verdict in the UI as inspect', () => {
  it('bob imports his demo PFX and trusts the demo CA', async () => {
    bob = (await h.signedIn('bob@example.com')).page
    bob.on('request', (r) => requests.push(r))
    bodies = await recordBodies(bob)
    await importPfx(bob, acct('bob').pfx, PFX_PASSWORD, PASSPHRASE)
    await trustCa(bob, pki.caCert)
    await openInbox(bob)
  })

  it('every case: data-signature / data-encryption equal inspect, and the words say it', async () => {
    for (const c of cases) {
      const cli = inspect(c.raw)
      expect(cli, `inspect of "${c.subject}"`).toEqual(c.expect)
      const item = bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: new RegExp(`, ${c.subject.replace(/[()]/g, '\\$&')}, `) })
      await item.click()
      await bob.getByRole('region', { name: 'Message' }).getByRole('heading', { name: c.subject, exact: true }).waitFor()
      const s = await summaryOf(bob)
      expect({ signature: s.signature, encryption: s.encryption }, `UI verdict of "${c.subject}"`).toEqual(cli)
      expect(s.text).toMatch(c.words)
      if (s.signature !== 'none') expect(s.text).toContain('alice@example.com') // the signer's real address
      await h.screenshot(bob, c.shot)
    }
  })

  it('a signer with a different certificate than the stored one is shown as a change, never swapped silently', async () => {
    const list = bob.getByRole('list', { name: 'Messages' })
    await list.getByRole('listitem', { name: /, OpenSSL signed, / }).click()
    await summaryOf(bob)
    await bob.getByRole('button', { name: 'Add to contacts' }).click()
    await bob.getByRole('status').filter({ hasText: 'Added alice@example.com to Contacts' }).waitFor()
    await list.getByRole('listitem', { name: /, Self-signed, / }).click()
    await bob.getByRole('region', { name: 'Message' }).getByRole('heading', { name: 'Self-signed', exact: true }).waitFor()
    const change = bob.getByRole('status').filter({ hasText: 'signed with a different certificate' })
    await change.waitFor()
    expect(await change.textContent()).toContain('alice@example.com')
    expect(await change.getByRole('button', { name: 'Add to contacts' }).count()).toBe(1)
    await h.screenshot(bob, 'smime-23-certificate-changed')
    // Still only the first certificate is stored for alice.
    await bob.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Contacts' }).click()
    const contact = bob.getByRole('region', { name: 'Contact alice@example.com' })
    await contact.waitFor()
    expect(await contact.getByRole('article').count()).toBe(1)
    await contact.scrollIntoViewIfNeeded()
    await h.screenshot(bob, 'smime-24-contacts-with-certificate')
    await openInbox(bob)
  })

  it('CBC-decrypted HTML never offers "Load remote content"', async () => {
    await bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /, OpenSSL CBC, / }).click()
    const msg = bob.getByRole('region', { name: 'Message' })
    await msg.getByText('Remote content is blocked for good').waitFor()
    expect(await msg.getByRole('button', { name: 'Load remote content' }).count()).toBe(0)
    // Chromium reports an image the frame's CSP refused as a request that failed with
    // 'csp' (and only sometimes, by timing): that one never left the browser. Anything
    // else, even a failed DNS lookup, did try to leave.
    await bob.waitForTimeout(500)
    const attempts = requests.filter((r) => r.url().includes('attacker.example'))
    expect(attempts.filter((r) => r.failure()?.errorText !== 'csp').map((r) => `${r.url()} ${r.failure()?.errorText ?? 'sent'}`)).toEqual([])
  })

  it('the details view lists every layer of a signed and encrypted message', async () => {
    await bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /, OpenSSL signed and encrypted, / }).click()
    await summaryOf(bob)
    await bob.getByRole('button', { name: 'Security details' }).click()
    const d = bob.getByRole('region', { name: 'Security details' })
    const text = (await d.textContent()) ?? ''
    expect(text).toMatch(/Layer 1: encryption/)
    expect(text).toMatch(/Layer 2: signature/)
    expect(text).toContain('AES-256-GCM')
    expect(text).toContain('your key')
    expect(text).toContain('Cachet Demo CA')
    await h.screenshot(bob, 'smime-20-details-both-layers')
  })

  it('a locked key store asks for the passphrase, then opens the message', async () => {
    await bob.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click()
    await bob.getByRole('button', { name: 'Lock now' }).click()
    await openInbox(bob)
    await bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: /, OpenSSL GCM, / }).click()
    const prompt = bob.getByRole('dialog', { name: 'Unlock key store' })
    await prompt.waitFor()
    await h.screenshot(bob, 'smime-21-unlock-prompt')
    // Cancelled: nothing is decrypted, the pane says the key store is locked and offers to unlock.
    await prompt.getByRole('button', { name: 'Cancel' }).click()
    const locked = await summaryOf(bob)
    expect(locked.encryption).toBe('not-for-you')
    expect(locked.text).toContain('your key store is locked')
    await h.screenshot(bob, 'smime-22-locked-cancelled')
    await bob.getByRole('button', { name: 'Unlock to read' }).click()
    await prompt.waitFor()
    await prompt.getByLabel('Key store passphrase').fill(PASSPHRASE)
    await prompt.getByRole('button', { name: 'Unlock' }).click()
    await eventually(async () => (await summaryOf(bob)).encryption === 'decrypted', 'decrypted after unlock')
    const s = await summaryOf(bob)
    expect(s.encryption).toBe('decrypted')
    await bob.getByRole('region', { name: 'Message' }).getByText(`${SECRET} (GCM)`).waitFor()
  })

  it('no request carried key material, the passphrase or decrypted text', () => {
    assertNoSecrets(requests, { strings: [PASSPHRASE, PFX_PASSWORD, SECRET, '-----BEGIN'], files: [acct('bob').pfx], keys: [acct('bob').keyPem] }, (pem) =>
      execFileSync('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER']),
      bodies,
    )
    expect(readFileSync(acct('bob').pfx).length).toBeGreaterThan(1000)
  })
})
