/**
 * Background indexing of encrypted mail (issue 13, workers/search.ts): while the key store
 * is unlocked the open folder's encrypted messages go into the local index one at a time,
 * those already indexed are skipped, only decrypted ones count, and locking (drop) or a
 * newer folder ends the run at once. The sealed store is IndexedDB in the app; here a map.
 */
import { webcrypto } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import type { CryptoLike } from '../../../../src/core/crypto'
import type { SecurityReport } from '../../../../src/core/message/report'
import type { Vault } from '../../../../src/web/workers/vault'

const sealed = new Map<string, unknown>()
vi.mock('../../../../src/web/storage/searchIndex', () => ({
  getSealedIndex: async () => sealed.get('index') ?? null,
  putSealedIndex: async (s: unknown) => void sealed.set('index', s),
  deleteSealedIndex: async () => void sealed.delete('index'),
}))
const { SearchHolder } = await import('../../../../src/web/workers/search')
const { deriveIndexKey } = await import('../../../../src/web/workers/searchIndex')

const crypto = webcrypto as unknown as CryptoLike
const derived = new Uint8Array(32).fill(7)

function vault(): Vault & { unlocked: boolean } {
  return { unlocked: true, indexKey: () => deriveIndexKey(derived, crypto) } as unknown as Vault & { unlocked: boolean }
}

const report = (subject: string, decrypted = true) =>
  ({ subject, from: 'alice@example.com', verdict: { signature: 'none', encryption: decrypted ? 'decrypted' : 'not-for-you' }, layers: [] }) as unknown as SecurityReport
const entity = (text: string) => new TextEncoder().encode(`Content-Type: text/plain\r\n\r\n${text}\r\n`)
const raw = (uid: number) => new TextEncoder().encode(`Subject: [...]\r\nMessage-ID: <${uid}@x>\r\n\r\nciphertext`)

describe('indexing the open folder in the background', () => {
  it('indexes what it can decrypt, skips what is indexed, and is searchable after', async () => {
    sealed.clear()
    const holder = new SearchHolder(vault(), crypto)
    const fetched: number[] = []
    const run = () =>
      holder.indexInBackground(
        'INBOX',
        [3, 2, 1],
        async (_m, uid) => (fetched.push(uid), raw(uid)),
        async (r) => {
          const uid = Number(/<(\d+)@x>/.exec(new TextDecoder().decode(r))![1])
          return uid === 2 ? { report: report('not ours', false), inner: new Uint8Array(0) } : { report: report(`Results ${uid}`), inner: entity(`word${uid} in the text`) }
        },
        async () => {},
      )
    expect(await run()).toBe(2)
    expect((await holder.search('word3', 'INBOX'))?.map((h) => h.uid)).toEqual([3])
    expect((await holder.search('word2', 'INBOX'))?.length).toBe(0)
    // A second run fetches only the one it could not read.
    fetched.length = 0
    expect(await run()).toBe(0)
    expect(fetched).toEqual([2])
  })

  it('stops at once when the key store locks', async () => {
    sealed.clear()
    const v = vault()
    const holder = new SearchHolder(v, crypto)
    const fetched: number[] = []
    const indexed = await holder.indexInBackground(
      'INBOX',
      [5, 4, 3],
      async (_m, uid) => (fetched.push(uid), raw(uid)),
      async () => ({ report: report('x'), inner: entity('text') }),
      async () => {
        // Locked after the first message: the vault says so and the worker drops the index.
        v.unlocked = false
        holder.drop()
      },
    )
    expect(indexed).toBe(1)
    expect(fetched).toEqual([5])
  })

  it('a newer run (another folder) replaces the older one', async () => {
    sealed.clear()
    const holder = new SearchHolder(vault(), crypto)
    const fetched: string[] = []
    let second: Promise<number> | null = null
    const first = holder.indexInBackground(
      'INBOX',
      [9, 8, 7],
      async (m, uid) => (fetched.push(`${m}/${uid}`), raw(uid)),
      async () => ({ report: report('x'), inner: entity('text') }),
      async () => {
        second ??= holder.indexInBackground('Archive', [1], async (m, uid) => (fetched.push(`${m}/${uid}`), raw(uid)), async () => ({ report: report('y'), inner: entity('more') }), async () => {})
      },
    )
    expect(await first).toBe(1)
    expect(await second).toBe(1)
    expect(fetched).toEqual(['INBOX/9', 'Archive/1'])
  })
})
