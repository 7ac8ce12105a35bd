/**
 * Worker side of the local search index (issue 13): the decrypted index lives here, in
 * memory, only while the key store is unlocked; it is read from and written to IndexedDB
 * sealed (workers/searchIndex.ts). Locking drops it (`drop`), so a locked store searches
 * the server only.
 */
import type { CryptoLike } from '../../core/crypto'
import { bodyText, header, isAttachment, parseMime, type MimeEntity } from '../../core/mime/parse'
import type { SecurityReport } from '../../core/message/report'
import { deleteSealedIndex, getSealedIndex, putSealedIndex } from '../storage/searchIndex'
import { LocalIndex, MAX_TEXT_CHARS, sealIndex, unsealIndex, type ListSubject, type LocalHit } from './searchIndex'
import type { Vault } from './vault'

/** The readable text of a decrypted entity: its text/plain parts, else its HTML without tags. */
export function textOf(inner: Uint8Array): string {
  const plain: string[] = []
  const html: string[] = []
  let size = 0
  const walk = (e: MimeEntity) => {
    if (size > MAX_TEXT_CHARS) return
    if (e.children.length) return e.children.forEach(walk)
    if (isAttachment(e) || e.contentType.type !== 'text') return
    const t = bodyText(e)
    size += t.length
    if (e.contentType.subtype === 'plain') plain.push(t)
    else if (e.contentType.subtype === 'html') html.push(t.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' '))
  }
  walk(parseMime(inner, { maxParts: 200 }))
  return (plain.length ? plain : html).join('\n').slice(0, MAX_TEXT_CHARS)
}

/** The outer header block of the message as the server has it (for leaving out hits the server finds). */
function outerHeader(raw: Uint8Array): string {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024))
  const text = new TextDecoder('latin1').decode(head)
  const end = text.search(/\r?\n\r?\n/)
  return end < 0 ? text : text.slice(0, end)
}

export class SearchHolder {
  private index: LocalIndex | null = null
  private key: CryptoKey | null = null
  private loading: Promise<void> | null = null
  private gen = 0
  private saving: Promise<void> = Promise.resolve()

  constructor(
    private readonly vault: Vault,
    private readonly crypto: CryptoLike,
  ) {}

  /** The key store locked: forget the decrypted index and its key. */
  drop(): void {
    this.gen++
    this.index = null
    this.key = null
    this.loading = null
  }

  private async ready(): Promise<{ index: LocalIndex; key: CryptoKey } | null> {
    if (!this.vault.unlocked) return null
    if (!this.index || !this.key) {
      const gen = this.gen
      this.loading ??= (async () => {
        const key = await this.vault.indexKey()
        const sealed = await getSealedIndex()
        // Sealed under another passphrase (changed since): start again rather than fail search.
        const index = sealed && key ? await unsealIndex(sealed, key, this.crypto).catch(() => LocalIndex.empty()) : LocalIndex.empty()
        if (gen !== this.gen || !key) return
        this.index = index
        this.key = key
      })()
      await this.loading
    }
    return this.index && this.key && this.vault.unlocked ? { index: this.index, key: this.key } : null
  }

  /** A message just decrypted: index its protected fields and text, then save the index sealed. */
  async indexOpened(at: { mailbox: string; uid: number }, report: SecurityReport, inner: Uint8Array | null, raw: Uint8Array): Promise<void> {
    const r = await this.ready()
    if (!r || !inner) return
    const field = (name: string) => report.protectedHeaders?.fields.filter((f) => f.name.toLowerCase() === name).map((f) => f.value).join(', ') ?? ''
    let text = ''
    try {
      text = textOf(inner)
    } catch {
      // Indexed by its header fields only.
    }
    const innerHead = parseMime(inner, { maxParts: 1 })
    const date = field('date') || header(innerHead, 'date') || null
    const parsed = date ? new Date(date) : null
    r.index.add({
      mailbox: at.mailbox,
      uid: at.uid,
      subject: report.subject ?? '',
      from: report.from ?? '',
      to: [field('to'), field('cc')].filter(Boolean).join(', '),
      text,
      date: parsed && !Number.isNaN(parsed.getTime()) ? parsed.toISOString() : null,
      outer: outerHeader(raw),
    })
    await this.save(r.index, r.key)
  }

  /** Saves run one after another, each sealing the index as it is then. */
  private save(index: LocalIndex, key: CryptoKey): Promise<void> {
    const gen = this.gen
    this.saving = this.saving.then(async () => {
      if (gen !== this.gen) return
      await putSealedIndex(await sealIndex(index, key, this.crypto))
    })
    return this.saving
  }

  /** Local hits, or null when the key store is locked (encrypted mail was not searched). */
  async search(query: string, mailbox: string): Promise<LocalHit[] | null> {
    const r = await this.ready()
    return r ? r.index.search(query, { mailbox, exceptOuter: true }) : null
  }

  async subjects(mailbox: string): Promise<Record<number, ListSubject> | null> {
    const r = await this.ready()
    return r ? r.index.subjects(mailbox) : null
  }

  /** "Forget search index": gone from memory and from IndexedDB, locked or not. */
  async forget(): Promise<void> {
    const had = this.index !== null
    this.drop()
    await this.saving.catch(() => {})
    await deleteSealedIndex()
    if (had && this.vault.unlocked) await this.ready()
  }
}
