import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ImapFlow } from 'imapflow'
import { afterEach, describe, expect, it } from 'vitest'
import { CACHED_AT_SAVE, renderDovecotConfig } from '../../../src/mailstack/dovecot-config'
import { mailFormatOf } from '../../../src/mailstack/dovecot'
import { startMailstack, type Mailstack } from '../../../src/mailstack/index'

const dirs: string[] = []
let ms: Mailstack | null = null
afterEach(async () => {
  await ms?.stop()
  ms = null
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cachet-mailformat-test-'))
  dirs.push(d)
  return d
}

async function imap(port: number) {
  const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: 'alice@example.com', pass: 'demo' }, logger: false })
  c.on('error', () => {})
  await c.connect()
  return c
}

describe('mail storage format', () => {
  it('stores a new data folder as sdbox and remembers the choice', async () => {
    const dir = tempDir()
    ms = await startMailstack({ dataDir: dir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false, seed: true })
    expect(readFileSync(join(dir, 'mail-format'), 'utf8').trim()).toBe('sdbox')
    expect(readFileSync(join(dir, 'dovecot.conf'), 'utf8')).toMatch(/^mail_location = sdbox:/m)
    const c = await imap(ms.imapPort)
    const st = await c.status('INBOX', { messages: true })
    expect(st && st.messages).toBe(3)
    await c.logout()
    expect(existsSync(join(dir, 'mail', 'example.com', 'alice', 'sdbox'))).toBe(true)
    expect(mailFormatOf(dir)).toBe('sdbox')
  })

  it('keeps a data folder that already holds maildirs as maildir, so its mail is still there', async () => {
    const dir = tempDir()
    // A store written by an earlier version: alice's Maildir with one message in INBOX
    // (startMailstack gives the mail tree to the mail user when it runs as root).
    const maildir = join(dir, 'mail', 'example.com', 'alice', 'Maildir')
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true })
    const msg = 'From: bob@example.com\r\nTo: alice@example.com\r\nSubject: kept from before\r\n\r\nHello.\r\n'
    writeFileSync(join(maildir, 'cur', `1700000000.M1P1.old,S=${msg.length}:2,S`), msg)
    ms = await startMailstack({ dataDir: dir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false })
    expect(readFileSync(join(dir, 'mail-format'), 'utf8').trim()).toBe('maildir')
    const c = await imap(ms.imapPort)
    await c.mailboxOpen('INBOX')
    const subjects: string[] = []
    for await (const m of c.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '')
    expect(subjects).toEqual(['kept from before'])
    await c.logout()
  })

  it('caches what the message list fetches when a message is saved', () => {
    const conf = renderDovecotConfig({
      dataDir: '/x',
      mailFormat: 'sdbox',
      imapPort: 1,
      lmtpPort: 2,
      passwdFile: '/x/passwd',
      mailUser: 'u',
      mailGroup: 'g',
      mailUid: 1000,
      mailGid: 1000,
      loginUser: 'u',
      rootless: true,
    })
    const line = conf.split('\n').find((l) => l.startsWith('mail_always_cache_fields'))!
    for (const f of ['flags', 'date.received', 'size.virtual', 'imap.bodystructure', 'hdr.from', 'hdr.subject', 'hdr.date', 'hdr.message-id']) {
      expect(line.split(/\s+/)).toContain(f)
    }
    expect(CACHED_AT_SAVE.length).toBe(line.split(/\s+/).length - 2)
  })
})
