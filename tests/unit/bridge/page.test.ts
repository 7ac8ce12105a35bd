import type { FetchMessageObject, ImapFlow } from 'imapflow'
import { describe, expect, it } from 'vitest'
import { mergeRows, pageRange, readPage } from '../../../src/bridge/imap/page'

const row = (o: Partial<FetchMessageObject> & { seq: number }) => ({ uid: 0, ...o }) as FetchMessageObject

describe('page range from EXISTS', () => {
  it('is the top pageSize sequence numbers for page 1, then the next older ones', () => {
    expect(pageRange(50_000, 1, 50)).toEqual({ from: 49_951, to: 50_000 })
    expect(pageRange(50_000, 2, 50)).toEqual({ from: 49_901, to: 49_950 })
    expect(pageRange(50_000, 1000, 50)).toEqual({ from: 1, to: 50 })
  })
  it('is short on the last page and null past it or in an empty folder', () => {
    expect(pageRange(7, 3, 3)).toEqual({ from: 1, to: 1 })
    expect(pageRange(7, 4, 3)).toBeNull()
    expect(pageRange(0, 1, 50)).toBeNull()
  })
})

describe('one row per message from a FETCH', () => {
  it('folds an unsolicited FLAGS update into the data row of its message, newest first', () => {
    const rows = [
      row({ seq: 2, uid: 12, flags: new Set(['\\Seen']), envelope: { subject: 'b' } }),
      row({ seq: 3, uid: 13, flags: new Set(), envelope: { subject: 'c' } }),
      row({ seq: 2, uid: null as unknown as number, flags: new Set(['\\Seen', '\\Deleted']) }),
    ]
    const out = mergeRows(rows, 2, 3)
    expect(out.map((r) => [r.seq, r.uid, r.envelope?.subject])).toEqual([
      [3, 13, 'c'],
      [2, 12, 'b'],
    ])
    expect([...out[1]!.flags!]).toEqual(['\\Seen', '\\Deleted'])
  })
  it('drops updates for messages outside the page and rows that never got a UID', () => {
    const out = mergeRows([row({ seq: 9, uid: 19 }), row({ seq: 2 }), row({ seq: 3, uid: 13 })], 2, 3)
    expect(out.map((r) => r.uid)).toEqual([13])
  })
})

describe('a page nobody waits for any more', () => {
  it('is not fetched when the client went away while the request waited its turn', async () => {
    let fetched = 0
    const c = { mailbox: { exists: 50_000, uidValidity: 7n }, fetchAll: () => ((fetched += 1), Promise.resolve([])) } as unknown as ImapFlow
    const gone = new AbortController()
    gone.abort()
    expect(await readPage(c, 1000, 50, gone.signal)).toEqual({ total: 50_000, uidValidity: '7', messages: [] })
    expect(fetched).toBe(0)
    await readPage(c, 1000, 50, new AbortController().signal)
    expect(fetched).toBe(1)
  })
})
