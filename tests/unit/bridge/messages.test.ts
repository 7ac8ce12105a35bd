import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MailboxList, MessagePage, MoveResponse, SendResponse } from '../../../src/contract/index'
import { rawMessage, signIn, startHarness, waitFor, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let bob: Client
beforeAll(async () => {
  h = await startHarness()
  alice = await signIn(h.app, 'alice@example.com')
  bob = await signIn(h.app, 'bob@example.com')
})
afterAll(async () => h?.stop())

const page = async (c: Client, mailbox: string, p = 1, pageSize = 50) =>
  MessagePage.parse((await c.get(`/api/messages?mailbox=${encodeURIComponent(mailbox)}&page=${p}&pageSize=${pageSize}`)).json())
const rawOf = async (c: Client, mailbox: string, uid: number) => (await c.get(`/api/messages/${uid}/raw?mailbox=${encodeURIComponent(mailbox)}`)).rawPayload

describe('mailboxes', () => {
  it('lists INBOX and the special-use folders with counts', async () => {
    const res = await alice.get('/api/mailboxes')
    const { mailboxes } = MailboxList.parse(res.json())
    const uses = Object.fromEntries(mailboxes.map((m) => [m.specialUse, m.path]))
    expect(uses).toMatchObject({ inbox: 'INBOX', sent: 'Sent', drafts: 'Drafts', trash: 'Trash', junk: 'Junk' })
    expect(mailboxes[0]!.path).toBe('INBOX')
  })

  it('creates a user folder, which then appears in the list', async () => {
    const res = await alice.post('/api/mailboxes', { path: 'Projects' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ path: 'Projects', specialUse: null, total: 0 })
    const again = await alice.post('/api/mailboxes', { path: 'Projects' })
    expect(again.statusCode).toBe(409)
  })
})

describe('append, list and raw bytes', () => {
  it('pages newest first and fetches only the asked page', async () => {
    await alice.post('/api/mailboxes', { path: 'Paging' })
    for (let i = 1; i <= 12; i++) {
      const r = await alice.raw('/api/messages/append?mailbox=Paging', rawMessage({ from: 'x@example.com', to: 'alice@example.com', subject: `n${i}` }))
      expect(r.statusCode).toBe(200)
    }
    const p1 = await page(alice, 'Paging', 1, 5)
    expect(p1.total).toBe(12)
    expect(p1.messages.map((m) => m.subject)).toEqual(['n12', 'n11', 'n10', 'n9', 'n8'])
    const p3 = await page(alice, 'Paging', 3, 5)
    expect(p3.messages.map((m) => m.subject)).toEqual(['n2', 'n1'])
    expect((await page(alice, 'Paging', 4, 5)).messages).toEqual([])
  })

  it('stores appended bytes untouched, with the flags asked for, and returns them byte for byte', async () => {
    // Odd but legal bytes: 8-bit body, trailing spaces, a long line, no final CRLF.
    const bytes = Buffer.concat([
      rawMessage({ from: 'alice@example.com', to: 'alice@example.com', subject: 'Draft ü', body: 'Grüße   \r\n' + 'x'.repeat(900) }),
      Buffer.from('\r\n-- \r\nend', 'utf8'),
    ])
    const r = await alice.raw('/api/messages/append?mailbox=Drafts&flags=%5CSeen&flags=%5CDraft', bytes)
    expect(r.statusCode).toBe(200)
    const { uid } = r.json() as { uid: number }
    expect(uid).toBeGreaterThan(0)
    const p = await page(alice, 'Drafts')
    const m = p.messages.find((x) => x.uid === uid)!
    expect(m).toMatchObject({ seen: true, draft: true })
    const back = await alice.get(`/api/messages/${uid}/raw?mailbox=Drafts`)
    expect(back.headers['content-type']).toBe('message/rfc822')
    expect(Number(back.headers['x-message-size'])).toBe(bytes.length)
    expect(back.rawPayload.equals(bytes)).toBe(true)
  })

  it('answers not_found for a missing message and a missing folder', async () => {
    expect((await alice.get('/api/messages/999999/raw?mailbox=INBOX')).json()).toMatchObject({ code: 'not_found' })
    expect((await alice.get('/api/messages?mailbox=NoSuchFolder')).json()).toMatchObject({ code: 'not_found' })
  })
})

describe('BODYSTRUCTURE hints', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cachet-smime-'))
    const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'k.pem', '-out', 'c.pem', '-days', '2', '-subj', '/CN=alice',
      '-addext', 'subjectAltName=email:alice@example.com', '-addext', 'extendedKeyUsage=emailProtection'])
    writeFileSync(join(dir, 'body.txt'), 'Content-Type: text/plain\r\n\r\nsecret\r\n')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  const appendFile = async (c: Client, bytes: Buffer, subject: string) => {
    const r = await c.raw('/api/messages/append?mailbox=INBOX', Buffer.concat([Buffer.from(`Subject: ${subject}\r\nFrom: alice@example.com\r\nTo: bob@example.com\r\n`), bytes]))
    expect(r.statusCode).toBe(200)
  }

  it('marks OpenSSL-signed, -opaque-signed and -encrypted messages, and attachments', async () => {
    const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir })
    await appendFile(bob, o(['smime', '-sign', '-in', 'body.txt', '-signer', 'c.pem', '-inkey', 'k.pem']), 'detached')
    await appendFile(bob, o(['smime', '-sign', '-nodetach', '-in', 'body.txt', '-signer', 'c.pem', '-inkey', 'k.pem']), 'opaque')
    await appendFile(bob, o(['smime', '-encrypt', '-aes256', '-in', 'body.txt', 'c.pem']), 'enveloped')
    const withAttachment = [
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'see attached',
      '--b1',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Disposition: attachment; filename="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQK',
      '--b1--',
      '',
    ].join('\r\n')
    await appendFile(bob, Buffer.from(withAttachment), 'attached')
    const p = await page(bob, 'INBOX')
    const by = Object.fromEntries(p.messages.map((m) => [m.subject, m]))
    expect(by.detached).toMatchObject({ smime: 'signed', hasAttachments: false })
    expect(by.opaque).toMatchObject({ smime: 'signed' })
    expect(by.enveloped).toMatchObject({ smime: 'encrypted', hasAttachments: false })
    expect(by.attached).toMatchObject({ smime: 'none', hasAttachments: true })
    expect(readFileSync(join(dir, 'c.pem'), 'utf8')).toContain('CERTIFICATE') // the peer really ran
  })
})

describe('flags, move, delete', () => {
  it('adds and removes flags', async () => {
    const r = await alice.raw('/api/messages/append?mailbox=INBOX', rawMessage({ from: 'x@example.com', to: 'alice@example.com', subject: 'flags' }))
    const { uid } = r.json() as { uid: number }
    expect((await alice.post('/api/messages/flags', { mailbox: 'INBOX', uids: [uid], add: ['\\Seen', '\\Flagged'] })).statusCode).toBe(200)
    let m = (await page(alice, 'INBOX')).messages.find((x) => x.uid === uid)!
    expect(m).toMatchObject({ seen: true, flagged: true })
    await alice.post('/api/messages/flags', { mailbox: 'INBOX', uids: [uid], remove: ['\\Seen'] })
    m = (await page(alice, 'INBOX')).messages.find((x) => x.uid === uid)!
    expect(m).toMatchObject({ seen: false, flagged: true })
  })

  it('moves to a folder and deletes to Trash, then for good from Trash', async () => {
    const r = await alice.raw('/api/messages/append?mailbox=INBOX', rawMessage({ from: 'x@example.com', to: 'alice@example.com', subject: 'mover' }))
    const { uid } = r.json() as { uid: number }
    const moved = MoveResponse.parse((await alice.post('/api/messages/move', { mailbox: 'INBOX', uids: [uid], destination: 'Projects' })).json())
    expect(moved.destination).toBe('Projects')
    const newUid = moved.uidMap![String(uid)]!
    expect((await page(alice, 'Projects')).messages.map((m) => m.subject)).toContain('mover')
    const del = MoveResponse.parse((await alice.post('/api/messages/delete', { mailbox: 'Projects', uids: [newUid] })).json())
    expect(del.destination).toBe('Trash')
    expect((await page(alice, 'Projects')).messages.map((m) => m.subject)).not.toContain('mover')
    const trashUid = del.uidMap![String(newUid)]!
    expect((await page(alice, 'Trash')).messages.map((m) => m.uid)).toContain(trashUid)
    const gone = MoveResponse.parse((await alice.post('/api/messages/delete', { mailbox: 'Trash', uids: [trashUid] })).json())
    expect(gone.destination).toBeNull()
    expect((await page(alice, 'Trash')).messages.map((m) => m.uid)).not.toContain(trashUid)
  })

  it('refuses to move into a folder that does not exist', async () => {
    const res = await alice.post('/api/messages/move', { mailbox: 'INBOX', uids: [1], destination: 'Nowhere' })
    expect(res.statusCode).toBe(404)
  })
})

describe('send', () => {
  it('delivers the raw bytes to the recipient and appends the same bytes to Sent', async () => {
    const bytes = rawMessage({ from: 'Alice <alice@example.com>', to: '"Bob, B." <bob@example.com>', subject: 'Lunch?', body: 'At noon.' })
    const res = await alice.raw('/api/send', bytes)
    expect(res.statusCode).toBe(200)
    const sent = SendResponse.parse(res.json())
    expect(sent.accepted).toEqual(['bob@example.com'])
    expect(sent.sentMailbox).toBe('Sent')
    expect((await rawOf(alice, 'Sent', sent.sentUid!)).equals(bytes)).toBe(true)
    const got = await waitFor(async () => (await page(bob, 'INBOX')).messages.find((m) => m.subject === 'Lunch?'))
    const delivered = await rawOf(bob, 'INBOX', got.uid)
    // Delivery adds only the Return-Path trace field on top (RFC 5321 §4.4); the rest is identical.
    expect(delivered.toString('latin1')).toBe(`Return-Path: <alice@example.com>\r\n${bytes.toString('latin1')}`)
  })

  it('sends to Bcc recipients given in envelopeTo, and refuses a Bcc header', async () => {
    const bytes = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'secret bcc' })
    const res = await alice.raw('/api/send?envelopeTo=bob%40example.com&envelopeTo=carol%40example.com', bytes)
    expect(SendResponse.parse(res.json()).accepted.sort()).toEqual(['bob@example.com', 'carol@example.com'])
    const carol = await signIn(h.app, 'carol@example.com')
    await waitFor(async () => (await page(carol, 'INBOX')).messages.find((m) => m.subject === 'secret bcc'))
    const withBcc = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'x', extraHeaders: ['Bcc: carol@example.com'] })
    const refused = await alice.raw('/api/send', withBcc)
    expect(refused.statusCode).toBe(400)
    expect(refused.json().message).toMatch(/Bcc/)
  })

  it('reports recipients the server refuses (no relaying to the outside)', async () => {
    const res = await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'someone@elsewhere.test', subject: 'out' }))
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'recipient_rejected' })
  })

  it('refuses an envelope sender other than the signed-in account', async () => {
    const res = await alice.raw('/api/send?envelopeFrom=bob%40example.com', rawMessage({ from: 'bob@example.com', to: 'bob@example.com', subject: 'spoof' }))
    expect(res.statusCode).toBe(400)
  })
})

describe('search', () => {
  it('finds by subject, sender and body with IMAP SEARCH', async () => {
    await bob.raw('/api/messages/append?mailbox=INBOX', rawMessage({ from: 'Quentin <quentin@example.org>', to: 'bob@example.com', subject: 'Quarterly numbers', body: 'The zebra report.' }))
    const q = async (field: string, term: string) =>
      MessagePage.parse((await bob.get(`/api/search?mailbox=INBOX&field=${field}&q=${encodeURIComponent(term)}`)).json())
    expect((await q('subject', 'Quarterly')).messages.map((m) => m.subject)).toEqual(['Quarterly numbers'])
    expect((await q('from', 'quentin')).total).toBe(1)
    expect((await q('body', 'zebra')).total).toBe(1)
    expect((await q('text', 'zebra')).total).toBe(1)
    expect((await q('subject', 'nothing-like-this')).total).toBe(0)
  })
})
