/**
 * The paged list while the folder changes under it (another device, a filter, another
 * tab): every page is the newest-first slice of the folder as it is when the page is asked
 * for, on the session's reused IMAP connection, against the real Dovecot.
 */
import { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { MessagePage } from '../../../src/contract/index'
import { readPage } from '../../../src/bridge/imap/page'
import { rawMessage, signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
let other: ImapFlow
const FOLDER = 'Paging'

async function imap(): Promise<ImapFlow> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: h.mailstack.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: 'alice@example.com', pass: 'demo' },
    logger: false,
  })
  c.on('error', () => {})
  await c.connect()
  return c
}

const add = (n: number) => other.append(FOLDER, rawMessage({ from: 'bob@example.com', to: 'alice@example.com', subject: `m${n}` }), ['\\Seen'])

/** Expunges the messages with these subjects, from the other connection. */
async function expungeSubjects(...subjects: string[]): Promise<void> {
  const lock = await other.getMailboxLock(FOLDER)
  try {
    const uids: number[] = []
    for await (const m of other.fetch('1:*', { envelope: true, uid: true })) if (subjects.includes(m.envelope?.subject ?? '')) uids.push(m.uid)
    await other.messageDelete(uids, { uid: true })
  } finally {
    lock.release()
  }
}

async function page(n: number, pageSize = 3): Promise<MessagePage> {
  const res = await alice.get(`/api/messages?mailbox=${FOLDER}&page=${n}&pageSize=${pageSize}`)
  expect(res.statusCode, res.body).toBe(200)
  return res.json() as MessagePage
}
const subjects = (p: MessagePage) => p.messages.map((m) => m.subject)

beforeAll(async () => {
  h = await startHarness()
  alice = await signIn(h.app, 'alice@example.com')
  other = await imap()
  await other.mailboxCreate(FOLDER)
  for (let i = 1; i <= 7; i++) await add(i)
}, 60_000)
afterAll(async () => {
  await other?.logout().catch(() => {})
  await h?.stop()
})

describe('paging while the folder changes', () => {
  it('pages newest first down to the oldest, then answers an empty page', async () => {
    expect(subjects(await page(1))).toEqual(['m7', 'm6', 'm5'])
    expect(subjects(await page(2))).toEqual(['m4', 'm3', 'm2'])
    const last = await page(3)
    expect(subjects(last)).toEqual(['m1'])
    expect(last.total).toBe(7)
    expect(subjects(await page(4))).toEqual([])
  })

  it('shows mail that arrived between two pages at the top, and the next page continues from the current state', async () => {
    expect(subjects(await page(1))).toEqual(['m7', 'm6', 'm5'])
    await add(8)
    const first = await page(1)
    expect(first.total).toBe(8)
    expect(subjects(first)).toEqual(['m8', 'm7', 'm6'])
    expect(subjects(await page(2))).toEqual(['m5', 'm4', 'm3'])
  })

  it('never shows a message expunged elsewhere between two pages, and skips none', async () => {
    expect(subjects(await page(2))).toEqual(['m5', 'm4', 'm3'])
    await expungeSubjects('m7', 'm3')
    const first = await page(1)
    expect(first.total).toBe(6)
    expect(subjects(first)).toEqual(['m8', 'm6', 'm5'])
    expect(subjects(await page(2))).toEqual(['m4', 'm2', 'm1'])
    expect(subjects(await page(3))).toEqual([])
  })

  it('shows flags changed elsewhere on the next page request', async () => {
    const lock = await other.getMailboxLock(FOLDER)
    try {
      const m4 = (await other.fetchAll('1:*', { envelope: true, uid: true })).find((m) => m.envelope?.subject === 'm4')!
      await other.messageFlagsAdd(m4.uid, ['\\Flagged'], { uid: true })
      await other.messageFlagsRemove(m4.uid, ['\\Seen'], { uid: true })
    } finally {
      lock.release()
    }
    const m4 = (await page(2)).messages.find((m) => m.subject === 'm4')!
    expect(m4).toMatchObject({ flagged: true, seen: false })
  })

  it('answers a page whose range went stale between sync and FETCH (expunged elsewhere, not yet told)', async () => {
    // A connection that has the folder selected and has not heard of the expunge yet: its
    // EXISTS and sequence numbers are those from before, as between NOOP and FETCH.
    const stale = await imap()
    try {
      await stale.mailboxOpen(FOLDER)
      await expungeSubjects('m6')
      const p = await readPage(stale, 1, 3)
      // Dovecot still answers for m6 from its index (the view before the expunge), and its
      // unsolicited FLAGS (\Deleted) for m6 during the FETCH is folded into m6's row, not
      // shown as a blank extra message.
      expect(p.messages.map((m) => m.subject)).toEqual(['m8', 'm6', 'm5'])
      expect(p.messages.every((m) => m.uid > 0)).toBe(true)
      expect(p.messages[1]!.flags).toContain('\\Deleted')
      expect(p.total).toBe(6)
    } finally {
      await stale.logout().catch(() => {})
    }
    expect(subjects(await page(1))).toEqual(['m8', 'm5', 'm4'])
  })
})
