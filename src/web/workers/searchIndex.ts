/**
 * The local index of decrypted mail (issue 13, "Search inside encrypted mail"): what the
 * server cannot search because it only holds ciphertext. Lives in the crypto worker, the
 * only place the plaintext exists; at rest it is one AES-GCM sealed record under a key
 * derived (HKDF-SHA-256) from the key store's passphrase-derived key, so it cannot be
 * read without the passphrase, and it dies with the key store when that is locked.
 *
 * Each entry is one message (mailbox + UID): its protected subject, sender, recipients
 * and text, searched with MiniSearch, and a small uid → {subject, from} map per mailbox
 * for the list's protected subjects. No storage and no globals here: the worker
 * (workers/search.ts) loads and saves the sealed record.
 */
import MiniSearch from 'minisearch'
import type { CryptoLike } from '../../core/crypto'
import { CoreError } from '../../core/errors'
import { fromBase64, toBase64 } from '../../core/util/base64'
import { toArrayBuffer } from '../../core/util/bytes'

export interface IndexedMessage {
  mailbox: string
  uid: number
  /** The protected (real) subject. */
  subject: string
  from: string
  to: string
  /** The message's readable text (plain parts; tags removed from HTML). */
  text: string
  /** ISO date, for the list row; null when unknown. */
  date: string | null
  /**
   * The outer (server-visible) header fields, lower-cased: a local hit whose query is in
   * here is also one of the server's TEXT matches, so it is not shown twice.
   */
  outer: string
}

export interface LocalHit {
  mailbox: string
  uid: number
  subject: string
  from: string
  date: string | null
}

export interface ListSubject {
  subject: string
  from: string
}

/** The sealed form kept in IndexedDB: nothing readable without the key. */
export interface SealedIndex {
  v: 1
  iv: string
  data: string
}

/** Text beyond this per message is not indexed (a 25 MB message must not become a 25 MB index). */
export const MAX_TEXT_CHARS = 100_000

const FIELDS = ['subject', 'from', 'to', 'text'] as const
const STORED = ['mailbox', 'uid', 'subject', 'from', 'date', 'outer'] as const
const AAD = new TextEncoder().encode('cachet-search-index/v1')
const HKDF_INFO = new TextEncoder().encode('cachet-search-index/v1/key')
const HKDF_SALT = new TextEncoder().encode('cachet-search-index')

const idOf = (mailbox: string, uid: number) => `${mailbox}\u0000${uid}`
const options = { fields: [...FIELDS], storeFields: [...STORED], idField: 'id' }

type Doc = IndexedMessage & { id: string }
type Stored = Pick<IndexedMessage, (typeof STORED)[number]>

export class LocalIndex {
  private constructor(private readonly ms: MiniSearch<Doc>) {}

  static empty(): LocalIndex {
    return new LocalIndex(new MiniSearch<Doc>(options))
  }

  static fromJSON(json: string): LocalIndex {
    return new LocalIndex(MiniSearch.loadJSON<Doc>(json, options))
  }

  get size(): number {
    return this.ms.documentCount
  }

  has(mailbox: string, uid: number): boolean {
    return this.ms.has(idOf(mailbox, uid))
  }

  /** Index a message (again: an earlier entry of the same mailbox and UID is replaced). */
  add(m: IndexedMessage): void {
    const id = idOf(m.mailbox, m.uid)
    if (this.ms.has(id)) this.ms.discard(id)
    this.ms.add({ ...m, text: m.text.slice(0, MAX_TEXT_CHARS), outer: m.outer.toLowerCase(), id })
  }

  remove(mailbox: string, uid: number): void {
    const id = idOf(mailbox, uid)
    if (this.ms.has(id)) this.ms.discard(id)
  }

  /**
   * Messages whose protected fields or text hold every word of the query (prefix match on
   * the last word, as typed), best first; only `mailbox`'s when given. `exceptOuter`: leave
   * out those whose outer header holds the query as it is (the server finds those itself).
   */
  search(query: string, opts: { mailbox?: string; exceptOuter?: boolean } = {}): LocalHit[] {
    const q = query.trim()
    if (!q) return []
    const needle = q.toLowerCase()
    return this.ms
      .search(q, { combineWith: 'AND', prefix: (_t, i, all) => i === all.length - 1 })
      .map((r) => r as unknown as Stored)
      .filter((r) => opts.mailbox === undefined || r.mailbox === opts.mailbox)
      .filter((r) => !opts.exceptOuter || !r.outer.includes(needle))
      .map((r) => ({ mailbox: r.mailbox, uid: r.uid, subject: r.subject, from: r.from, date: r.date }))
  }

  /** uid → protected subject and sender of the indexed messages of one mailbox (for the list). */
  subjects(mailbox: string): Record<number, ListSubject> {
    const out: Record<number, ListSubject> = {}
    // MiniSearch has no "all documents": its stored fields are reached by id through search
    // of everything (the wildcard query).
    for (const r of this.ms.search(MiniSearch.wildcard)) {
      const s = r as unknown as Stored
      if (s.mailbox === mailbox) out[s.uid] = { subject: s.subject, from: s.from }
    }
    return out
  }

  toJSON(): string {
    return JSON.stringify(this.ms)
  }
}

/** The index key: HKDF-SHA-256 of the key store's derived key, non-extractable, AES-GCM only. */
export async function deriveIndexKey(derived: Uint8Array, crypto: CryptoLike): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', toArrayBuffer(derived), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: toArrayBuffer(HKDF_SALT), info: toArrayBuffer(HKDF_INFO) },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

export async function sealIndex(index: LocalIndex, key: CryptoKey, crypto: CryptoLike): Promise<SealedIndex> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const plain = new TextEncoder().encode(index.toJSON())
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: toArrayBuffer(iv), additionalData: toArrayBuffer(AAD) }, key, toArrayBuffer(plain))
  plain.fill(0)
  return { v: 1, iv: toBase64(iv), data: toBase64(new Uint8Array(data)) }
}

/** Decrypt and load; a wrong key (or a changed record) fails with 'bad-input', never a partial index. */
export async function unsealIndex(sealed: SealedIndex, key: CryptoKey, crypto: CryptoLike): Promise<LocalIndex> {
  let plain: ArrayBuffer
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: toArrayBuffer(fromBase64(sealed.iv)), additionalData: toArrayBuffer(AAD) },
      key,
      toArrayBuffer(fromBase64(sealed.data)),
    )
  } catch {
    throw new CoreError('bad-input', 'The search index cannot be opened with this key store: it was made under another passphrase.')
  }
  return LocalIndex.fromJSON(new TextDecoder().decode(plain))
}
