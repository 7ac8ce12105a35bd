/**
 * Header protection (RFC 9788, issue 13) against OpenSSL: what `cachet-smime seal` writes
 * with the header fields protected is decrypted and verified by `openssl cms`, and the real
 * Subject is found only inside; payloads OpenSSL encrypts during the test — the older
 * protected-headers="v1" form Thunderbird and Enigmail send, and RFC 9788's hp="cipher" —
 * are read by `cachet-smime inspect` with their inner subjects.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachetSmime, identityArgs, inspect } from './harness/cli'
import { makeDraft } from './harness/draft'
import { createPki, type Leaf, type Pki } from './harness/pki'
import { run } from './harness/run'

let pki: Pki
let dir: string
let alice: Leaf
let bob: Leaf

const SUBJECT = 'Custody hearing moved to 14 May'

beforeAll(async () => {
  pki = await createPki('cachet-hp')
  dir = join(pki.dir, 'hp')
  await mkdir(dir)
  alice = await pki.issue('alice', { key: 'rsa2048' })
  bob = await pki.issue('bob', { key: 'rsa2048' })
}, 300_000)

afterAll(async () => {
  await pki?.cleanup()
})

let seq = 0
async function file(data: Uint8Array | string, ext = 'eml'): Promise<string> {
  const p = join(dir, `f-${seq++}.${ext}`)
  await writeFile(p, data)
  return p
}

async function sealed(args: string[]): Promise<Buffer> {
  const draft = await makeDraft({ from: `Alice <${alice.email}>`, to: [bob.email], subject: SUBJECT, text: 'The hearing is at 10:00 in room 4.\n' })
  const r = await cachetSmime(['seal', ...identityArgs(alice), ...args], draft)
  expect(r.status, r.stderr).toBe(0)
  return r.stdout
}

const headerOf = (b: Buffer) => {
  const t = b.toString('latin1')
  return t.slice(0, t.search(/\r?\n\r?\n/))
}

describe('Cachet seals with header protection; OpenSSL reads it', () => {
  it('sign + encrypt with --protect-subject: [...] outside; OpenSSL decrypts and verifies, and the signed payload carries the real Subject with hp="cipher"', async () => {
    const out = await sealed(['--sign', '--encrypt', '--to', bob.certPath, '--protect-subject'])
    expect(headerOf(out)).toMatch(/^Subject: \[\.\.\.\]$/m)
    expect(out.toString('latin1')).not.toContain('Custody')
    const decrypted = await run('openssl', ['cms', '-decrypt', '-in', await file(out), '-recip', bob.certPath, '-inkey', bob.keyPath, '-binary'])
    expect(decrypted.status, decrypted.stderr).toBe(0)
    const content = join(dir, `verified-${seq++}.eml`)
    const verified = await run('openssl', ['cms', '-verify', '-in', await file(decrypted.stdout), '-CAfile', pki.root.certPath, '-purpose', 'smimesign', '-out', content])
    expect(verified.status, verified.stderr).toBe(0)
    const payload = await run('cat', [content])
    const head = headerOf(payload.stdout)
    expect(head).toMatch(new RegExp(`^Subject: ${SUBJECT}$`, 'm'))
    expect(head).toMatch(/^From: Alice <alice@/m)
    expect(head).toMatch(/hp="cipher"/)
    expect(head).toMatch(/^HP-Outer: Subject: \[\.\.\.\]$/m)
    // The legacy display: a client that does not read protected headers shows the subject on top.
    expect(payload.stdout.toString('latin1')).toMatch(new RegExp(`\\r\\n\\r\\nSubject: ${SUBJECT}\\r\\n\\r\\nThe hearing is at 10:00`))
  })

  it('encrypt only with --protect-subject: the entity OpenSSL decrypts is the payload itself, with the real Subject and hp="cipher"', async () => {
    const out = await sealed(['--encrypt', '--to', bob.certPath, '--protect-subject'])
    expect(headerOf(out)).toMatch(/^Subject: \[\.\.\.\]$/m)
    const decrypted = await run('openssl', ['cms', '-decrypt', '-in', await file(out), '-recip', bob.certPath, '-inkey', bob.keyPath, '-binary'])
    expect(decrypted.status, decrypted.stderr).toBe(0)
    const head = headerOf(decrypted.stdout)
    expect(head).toMatch(new RegExp(`^Subject: ${SUBJECT}$`, 'm'))
    expect(head).toMatch(/^Content-Type: text\/plain;.*\r?\n(?: .*\r?\n)*? hp="cipher"/m)
    // And Cachet itself shows the protected subject and says what the server saw.
    const r = await inspect(await file(out), identityArgs(bob))
    expect(r.report.subject).toBe(SUBJECT)
    expect(r.report.protectedHeaders).toMatchObject({ source: 'rfc9788-cipher', hidden: ['subject'], legacyDisplay: true })
    expect(r.report.text).toBe('The hearing is at 10:00 in room 4.\r\n')
  })

  it('sign only: the header fields inside the signature with hp="clear"; OpenSSL verifies it', async () => {
    const out = await sealed(['--sign'])
    const content = join(dir, `verified-${seq++}.eml`)
    const verified = await run('openssl', ['cms', '-verify', '-in', await file(out), '-CAfile', pki.root.certPath, '-purpose', 'smimesign', '-out', content])
    expect(verified.status, verified.stderr).toBe(0)
    const head = headerOf((await run('cat', [content])).stdout)
    expect(head).toMatch(new RegExp(`^Subject: ${SUBJECT}$`, 'm'))
    expect(head).toMatch(/hp="clear"/)
    expect(head).not.toMatch(/HP-Outer/)
    const r = await inspect(await file(out), ['--trust', pki.root.certPath])
    expect(r.report.verdict.signature).toBe('valid')
    expect(r.report.protectedHeaders).toMatchObject({ source: 'rfc9788-clear', hidden: [] })
  })

  it('--protect-subject without --encrypt is a usage error', async () => {
    const draft = await makeDraft({ from: alice.email, to: [bob.email], subject: 's', text: 't' })
    const r = await cachetSmime(['seal', ...identityArgs(alice), '--sign', '--protect-subject'], draft)
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--protect-subject applies to --encrypt/)
  })
})

describe('OpenSSL encrypts header-protected payloads; inspect reads the inner subject', () => {
  async function opensslEncrypted(payload: string, outerSubject: string): Promise<string> {
    const r = await run('openssl', ['cms', '-encrypt', '-aes256', '-in', await file(payload, 'txt'), '-from', alice.email, '-to', bob.email, '-subject', outerSubject, bob.certPath])
    expect(r.status, r.stderr).toBe(0)
    expect(headerOf(r.stdout)).toMatch(new RegExp(`^Subject: ${outerSubject.replace(/[[\].]/g, '\\$&')}$`, 'm'))
    return file(r.stdout)
  }

  it('protected-headers="v1" (Thunderbird, Enigmail): the inner Subject, and "..." as what the server saw', async () => {
    const payload =
      `Content-Type: text/plain; charset=utf-8; protected-headers="v1"\r\nSubject: ${SUBJECT}\r\nFrom: Alice <${alice.email}>\r\nTo: ${bob.email}\r\n\r\nSee you there.\r\n`
    const r = await inspect(await opensslEncrypted(payload, '...'), identityArgs(bob))
    expect(r.report.verdict.encryption).toBe('decrypted')
    expect(r.report.subject).toBe(SUBJECT)
    expect(r.report.protectedHeaders).toMatchObject({ source: 'protected-headers-v1', hidden: ['subject'] })
    expect(r.report.protectedHeaders?.outer).toContainEqual({ name: 'Subject', value: '...' })
    expect(r.report.text).toBe('See you there.\r\n')
  })

  it('RFC 9788 hp="cipher" with HP-Outer and a legacy display: the inner Subject, the legacy display hidden', async () => {
    const payload =
      `Subject: ${SUBJECT}\r\nFrom: Alice <${alice.email}>\r\nTo: ${bob.email}\r\nHP-Outer: From: Alice <${alice.email}>\r\nHP-Outer: To: ${bob.email}\r\nHP-Outer: Subject: [...]\r\n` +
      `Content-Type: text/plain; charset="us-ascii"; hp-legacy-display="1"; hp="cipher"\r\n\r\nSubject: ${SUBJECT}\r\n\r\nSee you there.\r\n`
    const r = await inspect(await opensslEncrypted(payload, '[...]'), identityArgs(bob))
    expect(r.report.subject).toBe(SUBJECT)
    expect(r.report.protectedHeaders).toMatchObject({ source: 'rfc9788-cipher', hidden: ['subject'], legacyDisplay: true })
    expect(r.report.protectedHeaders?.hpOuter).toContainEqual({ name: 'Subject', value: '[...]' })
    expect(r.report.text).toBe('See you there.\r\n')
  })
})
