/**
 * The windowed message list's store (stores/messages.ts) over a fake bridge whose answers
 * the test releases by hand: which blocks it asks for, what a refresh reads again, j/k
 * across a block boundary, and flags patched in place. No timing: every step waits for
 * the promise queue only.
 */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { MessagePage, MessageSummary } from '../../../../src/contract'
import { BLOCK_SIZE } from '../../../../src/web/list/blocks'

/** The folder the fake bridge serves: uids 1..n, newest (highest) first. */
const folder = { n: 0 }
const asked: Array<{ page: number; pageSize: number; q?: string; field?: string }> = []

const summary = (uid: number): MessageSummary => ({
  uid, seq: uid, flags: [], seen: false, flagged: false, answered: false, draft: false,
  from: [{ name: 'Robot', address: 'robot@example.net' }], to: [], cc: [], subject: `Report ${uid}`,
  date: null, size: 100, hasAttachments: false, smime: 'none', messageId: null,
})

function page(p: number, size: number): MessagePage {
  const newest = folder.n - (p - 1) * size
  const messages: MessageSummary[] = []
  for (let uid = newest; uid > Math.max(0, newest - size); uid--) messages.push(summary(uid))
  return { mailbox: 'INBOX', total: folder.n, page: p, pageSize: size, uidValidity: '1', messages }
}

vi.mock('../../../../src/web/api/bridge', () => ({
  listMessages: (_mailbox: string, p: number, pageSize: number) => {
    asked.push({ page: p, pageSize })
    return Promise.resolve(page(p, pageSize))
  },
  search: (_mailbox: string, q: string, field: string, p: number, pageSize: number) => {
    asked.push({ page: p, pageSize, q, field })
    // Matches: every third message of the folder, newest first.
    const all = Array.from({ length: Math.floor(folder.n / 3) }, (_, i) => folder.n - 3 * i)
    const uids = all.slice((p - 1) * pageSize, p * pageSize)
    return Promise.resolve({ mailbox: 'INBOX', total: all.length, page: p, pageSize, uidValidity: '1', messages: uids.map(summary) })
  },
  setFlags: () => Promise.resolve({ ok: true }),
  listMailboxes: () => Promise.resolve({ mailboxes: [] }),
}))

const { useMessagesStore } = await import('../../../../src/web/stores/messages')
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

beforeEach(() => {
  setActivePinia(createPinia())
  asked.length = 0
})

describe('stores/messages (windowed list)', () => {
  it('opens a folder with its first block only, whatever its size', async () => {
    folder.n = 50_000
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    expect(asked).toEqual([{ page: 1, pageSize: BLOCK_SIZE }])
    expect(m.total).toBe(50_000)
    expect(m.rowAt(0)?.uid).toBe(50_000)
    expect(m.rowAt(BLOCK_SIZE)).toBeNull()
  })

  it('scrolled to the end, asks for the last block and not those in between', async () => {
    folder.n = 50_000
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    asked.length = 0
    m.show({ first: 49_988, last: 49_999 }, { first: 49_978, last: 49_999 })
    await settle()
    expect(asked.map((a) => a.page)).toEqual([1000])
    expect(m.rowAt(49_999)?.uid).toBe(1)
  })

  it('refreshes an empty folder, so that its first message shows', async () => {
    folder.n = 0
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    expect(m.total).toBe(0)
    m.show(null, null)
    folder.n = 1
    await m.refresh()
    await settle()
    expect(m.total).toBe(1)
    expect(m.rowAt(0)?.subject).toBe('Report 1')
  })

  it('on new mail reads the drawn blocks again, and the newcomer is row 0', async () => {
    folder.n = 120
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    m.show({ first: 0, last: 11 }, { first: 0, last: 21 })
    folder.n = 121
    asked.length = 0
    const refreshed = m.refresh()
    // Until the fresh copy arrives, the stale rows are still drawn.
    expect(m.rowAt(0)?.uid).toBe(120)
    await refreshed
    await settle()
    expect(asked.map((a) => a.page)).toEqual([1])
    expect(m.total).toBe(121)
    expect(m.rowAt(0)?.uid).toBe(121)
    expect(m.rowAt(1)?.uid).toBe(120)
  })

  it('j/k cross a block boundary, loading the next block when it is not loaded', async () => {
    folder.n = 500
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    m.show({ first: 0, last: 11 }, { first: 0, last: 21 })
    m.selectedUid = 500 - (BLOCK_SIZE - 1) // the last row of the first block
    expect(m.selectedIndex).toBe(BLOCK_SIZE - 1)
    asked.length = 0
    const next = await m.step(1)
    expect(asked.map((a) => a.page)).toEqual([2])
    expect(next?.uid).toBe(500 - BLOCK_SIZE)
    m.selectedUid = next!.uid
    expect(m.selectedIndex).toBe(BLOCK_SIZE)
    expect((await m.step(-1))?.uid).toBe(500 - (BLOCK_SIZE - 1))
    // Nothing before the newest nor after the oldest.
    m.selectedUid = 500
    expect(await m.step(-1)).toBeNull()
  })

  it('without a selection, j starts at the first row on screen', async () => {
    folder.n = 500
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    expect((await m.step(1))?.uid).toBe(500)
    m.show({ first: 30, last: 41 }, { first: 20, last: 51 })
    await settle()
    expect((await m.step(1))?.uid).toBe(470)
  })

  it('patches seen and flagged in the loaded row (rows are replaced, never mutated)', async () => {
    folder.n = 10
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    const before = m.find(7)!
    await m.setFlagged(7, true)
    await m.setSeen(7, true)
    expect(m.find(7)).toMatchObject({ flagged: true, seen: true })
    expect(before.flagged).toBe(false)
    expect(Object.isFrozen(m.find(7))).toBe(true)
  })

  it('searches in blocks too: the matches are the rows, from the top', async () => {
    folder.n = 3000
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    m.show({ first: 500, last: 511 }, { first: 460, last: 551 })
    await settle()
    asked.length = 0
    await m.setQuery(' report ')
    await settle()
    expect(asked).toEqual([{ page: 1, pageSize: BLOCK_SIZE, q: 'report', field: 'text' }])
    expect(m.total).toBe(1000)
    expect(m.rowAt(1)?.uid).toBe(2997)
    m.show({ first: 988, last: 999 }, { first: 948, last: 999 })
    await settle()
    expect(m.rowAt(999)?.uid).toBe(3)
    expect(asked.slice(1).map((a) => [a.page, a.q])).toEqual([[20, 'report'], [19, 'report']])
  })

  it('opening the open folder again keeps its rows drawn while it reads them again', async () => {
    folder.n = 100
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    m.show({ first: 0, last: 11 }, { first: 0, last: 51 })
    await settle()
    folder.n = 101
    const again = m.open('INBOX')
    expect(m.rowAt(0)?.uid).toBe(100)
    await again
    await settle()
    expect(m.rowAt(0)?.uid).toBe(101)
    expect(m.state).toBe('done')
  })
})
