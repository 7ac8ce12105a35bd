import { describe, expect, it } from 'vitest'
import { deriveIndexKey, LocalIndex, sealIndex, unsealIndex, type IndexedMessage } from '../../../../src/web/workers/searchIndex'

const crypto = globalThis.crypto

const msg = (uid: number, over: Partial<IndexedMessage> = {}): IndexedMessage => ({
  mailbox: 'INBOX',
  uid,
  subject: `Subject ${uid}`,
  from: 'Alice <alice@example.com>',
  to: 'bob@example.com',
  text: 'nothing special',
  date: '2026-01-01T00:00:00.000Z',
  outer: 'From: alice@example.com\r\nSubject: [...]',
  ...over,
})

describe('LocalIndex (search inside encrypted mail)', () => {
  it('finds a message by a word of its text, subject or sender, every word required, last word as a prefix', () => {
    const idx = LocalIndex.empty()
    idx.add(msg(1, { text: 'the biopsy results are benign' }))
    idx.add(msg(2, { subject: 'Quarterly invoice', text: 'please pay' }))
    idx.add(msg(3, { mailbox: 'Archive', text: 'biopsy appointment' }))
    expect(idx.search('biopsy').map((h) => h.uid).sort()).toEqual([1, 3])
    expect(idx.search('biopsy', { mailbox: 'INBOX' })).toEqual([
      { mailbox: 'INBOX', uid: 1, subject: 'Subject 1', from: 'Alice <alice@example.com>', date: '2026-01-01T00:00:00.000Z' },
    ])
    expect(idx.search('invoice').map((h) => h.uid)).toEqual([2])
    expect(idx.search('biopsy ben').map((h) => h.uid)).toEqual([1])
    expect(idx.search('biopsy invoice')).toEqual([])
    expect(idx.search('  ')).toEqual([])
  })

  it('indexing the same message again replaces it', () => {
    const idx = LocalIndex.empty()
    idx.add(msg(1, { text: 'first version' }))
    idx.add(msg(1, { text: 'second version' }))
    expect(idx.size).toBe(1)
    expect(idx.search('first')).toEqual([])
    expect(idx.search('second').map((h) => h.uid)).toEqual([1])
  })

  it('leaves out hits the server finds itself (query in the outer header) when asked', () => {
    const idx = LocalIndex.empty()
    idx.add(msg(1, { text: 'alice wrote this' }))
    expect(idx.search('alice').map((h) => h.uid)).toEqual([1])
    expect(idx.search('alice', { exceptOuter: true })).toEqual([])
  })

  it('gives the protected subjects of one mailbox for the list', () => {
    const idx = LocalIndex.empty()
    idx.add(msg(7, { subject: 'Lab results' }))
    idx.add(msg(8, { mailbox: 'Sent', subject: 'Other' }))
    expect(idx.subjects('INBOX')).toEqual({ 7: { subject: 'Lab results', from: 'Alice <alice@example.com>' } })
  })

  it('serialises, encrypts, decrypts and searches the same; the sealed form holds no plaintext', async () => {
    const idx = LocalIndex.empty()
    idx.add(msg(1, { subject: 'Diagnosis', text: 'zebrafinch oncology' }))
    const key = await deriveIndexKey(new Uint8Array(32).fill(7), crypto)
    const sealed = await sealIndex(idx, key, crypto)
    const stored = JSON.stringify(sealed) + atob(sealed.data)
    expect(stored).not.toMatch(/zebrafinch|Diagnosis|oncology/)
    const back = await unsealIndex(sealed, key, crypto)
    expect(back.search('zebrafinch').map((h) => h.subject)).toEqual(['Diagnosis'])
    expect(back.subjects('INBOX')[1]?.subject).toBe('Diagnosis')
  })

  it('a key derived from another key store cannot open it', async () => {
    const idx = LocalIndex.empty()
    idx.add(msg(1))
    const sealed = await sealIndex(idx, await deriveIndexKey(new Uint8Array(32).fill(1), crypto), crypto)
    await expect(unsealIndex(sealed, await deriveIndexKey(new Uint8Array(32).fill(2), crypto), crypto)).rejects.toMatchObject({ code: 'bad-input' })
  })

  it('forgetting a message takes it out of search and the list map', () => {
    const idx = LocalIndex.empty()
    idx.add(msg(1, { text: 'zebrafinch' }))
    idx.remove('INBOX', 1)
    idx.remove('INBOX', 99)
    expect(idx.search('zebrafinch')).toEqual([])
    expect(idx.subjects('INBOX')).toEqual({})
  })
})
