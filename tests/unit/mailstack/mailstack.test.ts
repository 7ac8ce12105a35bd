import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ImapFlow } from 'imapflow'
import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMailstack, type Mailstack } from '../../../src/mailstack/index'

let dir: string
let ms: Mailstack
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-mailstack-test-'))
  ms = await startMailstack({ dataDir: dir, imapPort: 0, smtpPort: 0, lmtpPort: 0, seed: true })
})
afterAll(async () => {
  await ms?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const smtp = (user: string, pass: string) =>
  nodemailer.createTransport({ host: '127.0.0.1', port: ms.smtpPort, secure: false, ignoreTLS: true, auth: { user, pass } })

async function imap(user: string, pass = 'demo') {
  const c = new ImapFlow({ host: '127.0.0.1', port: ms.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false })
  c.on('error', () => {})
  await c.connect()
  return c
}

describe('mail stack', () => {
  it('runs Dovecot with its own configuration under the data folder, on loopback', () => {
    expect(existsSync(join(dir, 'dovecot.conf'))).toBe(true)
    expect(existsSync(join(dir, 'run'))).toBe(true)
    expect(readdirSync(join(dir, 'mail'))).toEqual(['example.com'])
  })

  it('has the four demo accounts with special-use folders, and welcome mail', async () => {
    for (const user of ['alice', 'bob', 'carol', 'dave']) {
      const c = await imap(`${user}@example.com`)
      const list = await c.list()
      const uses = Object.fromEntries(list.filter((e) => e.specialUse).map((e) => [e.specialUse, e.path]))
      expect(uses).toMatchObject({ '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Trash': 'Trash', '\\Junk': 'Junk' })
      expect(list.filter((e) => e.subscribed).length).toBeGreaterThanOrEqual(5)
      const st = await c.status('INBOX', { messages: true })
      expect(st && st.messages).toBe(3)
      await c.logout()
    }
  })

  it('refuses a wrong IMAP password', async () => {
    await expect(imap('alice@example.com', 'nope')).rejects.toBeTruthy()
  })

  it('submission: needs AUTH, delivers to local accounts, refuses others and foreign senders', async () => {
    await expect(smtp('alice@example.com', 'wrong').sendMail({ from: 'alice@example.com', to: 'bob@example.com', text: 'x' })).rejects.toMatchObject({
      responseCode: 535,
    })
    const anon = nodemailer.createTransport({ host: '127.0.0.1', port: ms.smtpPort, secure: false, ignoreTLS: true })
    await expect(anon.sendMail({ from: 'alice@example.com', to: 'bob@example.com', text: 'x' })).rejects.toBeTruthy()
    await expect(
      smtp('alice@example.com', 'demo').sendMail({ from: 'alice@example.com', to: 'someone@elsewhere.test', text: 'x' }),
    ).rejects.toMatchObject({ code: 'EENVELOPE' })
    await expect(smtp('alice@example.com', 'demo').sendMail({ from: 'bob@example.com', to: 'bob@example.com', text: 'x' })).rejects.toMatchObject({
      code: 'EENVELOPE',
    })
    const info = await smtp('alice@example.com', 'demo').sendMail({ from: 'alice@example.com', to: 'dave@example.com', subject: 'via submission', text: 'hi' })
    expect(info.accepted).toEqual(['dave@example.com'])
    const c = await imap('dave@example.com')
    await c.mailboxOpen('INBOX')
    const subjects: string[] = []
    for await (const m of c.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '')
    expect(subjects).toContain('via submission')
    await c.logout()
  })

  it('keeps mail across a restart and seeds welcome mail only once', async () => {
    const ports = { imapPort: ms.imapPort, smtpPort: ms.smtpPort, lmtpPort: ms.lmtpPort }
    await ms.stop()
    ms = await startMailstack({ dataDir: dir, ...ports, seed: true })
    const c = await imap('dave@example.com')
    const st = await c.status('INBOX', { messages: true })
    expect(st && st.messages).toBe(4) // 3 welcome + 1 from the previous test
    await c.logout()
  })

  it('creates a demo CA and a PFX per account (password demo) with emailProtection and the address', () => {
    const pki = ms.pki!
    const alice = pki.accounts.find((a) => a.email === 'alice@example.com')!
    execFileSync('openssl', ['verify', '-CAfile', pki.caCert, '-purpose', 'smimesign', alice.certPem])
    const text = execFileSync('openssl', ['x509', '-in', alice.certPem, '-noout', '-text'], { encoding: 'utf8' })
    expect(text).toContain('E-mail Protection')
    expect(text).toContain('email:alice@example.com')
    const dump = execFileSync('openssl', ['pkcs12', '-in', alice.pfx, '-passin', 'pass:demo', '-nodes'], { encoding: 'utf8' })
    expect(dump).toContain('PRIVATE KEY')
    expect(dump.match(/BEGIN CERTIFICATE/g)?.length).toBe(2)
  })
})
