/**
 * Search merges the local index of decrypted mail (issue 13) with the server's results:
 * local hits above the server's rows, marked; a locked key store says encrypted mail was
 * not searched; protected subjects replace "[...]". Fake bridge and fake worker answers.
 */
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { MessageSummary } from '../../../../src/contract'

const summary = (uid: number, over: Partial<MessageSummary> = {}): MessageSummary => ({
  uid, seq: uid, flags: [], seen: false, flagged: false, answered: false, draft: false,
  from: [{ name: 'Robot', address: 'robot@example.net' }], to: [], cc: [], subject: `Report ${uid}`,
  date: null, size: 100, hasAttachments: false, smime: 'none', messageId: null, ...over,
})

const local = { hits: null as null | Array<{ mailbox: string; uid: number; subject: string; from: string; date: string | null }>, subjects: {} as Record<number, { subject: string; from: string }> }

vi.mock('../../../../src/web/api/bridge', () => ({
  listMessages: (mailbox: string, page: number, pageSize: number) =>
    Promise.resolve({ mailbox, total: 2, page, pageSize, uidValidity: '1', messages: [summary(9, { smime: 'encrypted', subject: '[...]' }), summary(8, { smime: 'encrypted', subject: '[...]' })] }),
  search: (mailbox: string, _q: string, _f: string, page: number, pageSize: number) =>
    Promise.resolve({ mailbox, total: 2, page, pageSize, uidValidity: '1', messages: [summary(5), summary(3)] }),
  setFlags: () => Promise.resolve({ ok: true }),
  listMailboxes: () => Promise.resolve({ mailboxes: [] }),
}))
vi.mock('../../../../src/web/stores/localSearch', () => ({
  searchLocal: () => Promise.resolve(local.hits),
  protectedSubjects: () => Promise.resolve(local.subjects),
}))

const { useMessagesStore } = await import('../../../../src/web/stores/messages')
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

beforeEach(() => {
  setActivePinia(createPinia())
  local.hits = null
  local.subjects = {}
})

describe('stores/messages: search inside encrypted mail', () => {
  it('puts the local hits above the server results and marks them as found inside encrypted mail', async () => {
    local.hits = [{ mailbox: 'INBOX', uid: 7, subject: 'Lab results', from: 'Alice <alice@example.com>', date: null }]
    const m = useMessagesStore()
    await m.open('INBOX')
    await m.setQuery('zebrafinch')
    await settle()
    expect(m.localSearch).toBe('searched')
    expect(m.total).toBe(3)
    expect([0, 1, 2].map((i) => m.rowAt(i)?.uid)).toEqual([7, 5, 3])
    expect(m.rowAt(0)?.subject).toBe('Lab results')
    expect(m.rowAt(0)?.from[0]).toEqual({ name: 'Alice', address: 'alice@example.com' })
    expect(m.foundInside(7)).toBe(true)
    expect(m.foundInside(5)).toBe(false)
    m.selectedUid = 5
    expect(m.selectedIndex).toBe(1)
  })

  it('with the key store locked it searches the server only and says so', async () => {
    const m = useMessagesStore()
    await m.open('INBOX')
    await m.setQuery('zebrafinch')
    await settle()
    expect(m.localSearch).toBe('locked')
    expect(m.total).toBe(2)
    expect(m.rowAt(0)?.uid).toBe(5)
  })

  it('shows the protected subject of a decrypted message, "Encrypted message" before', async () => {
    local.subjects = { 9: { subject: 'Diagnosis', from: 'alice@example.com' } }
    const m = useMessagesStore()
    await m.open('INBOX')
    await settle()
    expect(m.subjectOf(m.rowAt(0)!)).toBe('Diagnosis')
    expect(m.subjectOf(m.rowAt(1)!)).toBe('Encrypted message')
    m.noteProtected('INBOX', 8, { subject: 'Invoice', from: 'a@b' })
    expect(m.subjectOf(m.rowAt(1)!)).toBe('Invoice')
    expect(m.subjectOf(summary(1, { subject: 'Plain' }))).toBe('Plain')
  })
})
