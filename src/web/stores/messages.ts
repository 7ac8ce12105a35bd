/**
 * The message list of the open folder, newest first, as one scrollable sequence of
 * `total` rows of which only the blocks near the screen are loaded (list/blocks.ts): a
 * folder of 50,000 messages opens like one of 50 and scrolls to its end without paging.
 * Search swaps the source to IMAP SEARCH with the same blocks, and puts above them the
 * hits of the local index of decrypted mail (issue 13) that the server cannot find: rows
 * 0..k-1 are those, row k + j is the server's row j.
 *
 * Rows are plain frozen objects in a cache outside Vue's reactivity; `version` (a
 * shallowRef) is bumped when the cache changes, and every reader of rows reads it, so a
 * loaded block redraws the list without 50,000 reactive proxies.
 */
import { defineStore } from 'pinia'
import { t } from '../i18n'
import { computed, markRaw, ref, shallowRef, watch } from 'vue'
import type { MessageSummary } from '../../contract'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { BlockCache, BlockLoader, BLOCK_SIZE, blockOf, blocksFor, pageOfBlock, type BlockAnswer, type RowRange } from '../list/blocks'
import { useKeystoreStore } from './keystore'
import { forgetSearchIndex, protectedSubjects, searchLocal, type ListSubject, type LocalHit } from './localSearch'
import { useMailboxesStore } from './mailboxes'

export type LoadState = 'idle' | 'loading' | 'done' | 'error'

const frozen = (m: MessageSummary): MessageSummary => markRaw(Object.freeze(m))

/** RFC 9788 §4.2: what encrypted mail with a protected Subject says outside. */
const OBSCURED_SUBJECTS = new Set(['[...]', '...', ''])

/** A local hit as a list row: the protected fields; flags and size are not known without the server. */
function localRow(h: LocalHit): MessageSummary {
  const addr = /<([^>]+)>/.exec(h.from)?.[1] ?? h.from
  const name = h.from.replace(/<[^>]*>/, '').replace(/"/g, '').trim()
  return frozen({
    uid: h.uid, seq: 1, flags: ['\\Seen'], seen: true, flagged: false, answered: false, draft: false,
    from: [{ name, address: addr }], to: [], cc: [], subject: h.subject, date: h.date, size: 0,
    hasAttachments: false, smime: 'encrypted', messageId: null,
  })
}

export const useMessagesStore = defineStore('messages', () => {
  const mailbox = ref('')
  /** Rows of the server's list or search. */
  const serverTotal = ref(0)
  /** Search hits only the local index of decrypted mail found, shown above the server's. */
  const localRows = shallowRef<readonly MessageSummary[]>([])
  /** What the local index said about the current search: 'locked' = encrypted mail not searched. */
  const localSearch = ref<'none' | 'searched' | 'locked'>('none')
  /** Protected subjects of the open folder's decrypted messages (from the encrypted local index). */
  const subjects = shallowRef<Record<number, ListSubject>>({})
  const total = computed(() => serverTotal.value + localRows.value.length)
  const query = ref('')
  const state = ref<LoadState>('idle')
  const error = ref('')
  const selectedUid = ref<number | null>(null)
  /** Rows on screen now (without the drawing margin), reported by the list. */
  const view = shallowRef<RowRange | null>(null)
  /** Rows the list draws (screen plus margin): their blocks are the ones fetched. */
  let drawn: RowRange | null = null
  const version = shallowRef(0)
  const cache = new BlockCache<MessageSummary>()
  /** Bumped by every open/search/refresh: an answer for an older one is dropped. */
  let epoch = 0
  const loaded = ref(false)

  const bump = () => (version.value = version.value + 1)

  function fetchBlock(b: number, signal: AbortSignal): Promise<BlockAnswer<MessageSummary>> {
    const my = epoch
    const req = query.value
      ? bridge.search(mailbox.value, query.value, 'text', pageOfBlock(b), BLOCK_SIZE, signal)
      : bridge.listMessages(mailbox.value, pageOfBlock(b), BLOCK_SIZE, signal)
    return req.then((res) => {
      if (my !== epoch) throw new DOMException('superseded', 'AbortError')
      return { total: res.total, rows: res.messages.map(frozen) }
    })
  }

  /** Blocks that must stay in the cache: the drawn ones and the selected row's. */
  function keep(): Set<number> {
    const out = new Set(blocksFor(drawn, serverTotal.value))
    const sel = selectedIndex.value - localRows.value.length
    if (sel >= 0) out.add(blockOf(sel))
    return out
  }

  function onLoaded(b: number, answer: BlockAnswer<MessageSummary>) {
    if (loaded.value && answer.total !== serverTotal.value) {
      // Mail arrived or left since the other blocks were read: every offset moved.
      serverTotal.value = answer.total
      cache.invalidate(new Set(blocksFor(drawn, serverTotal.value)))
      cache.set(b, answer.rows, keep())
      loader.reset()
      want()
    } else {
      serverTotal.value = answer.total
      cache.set(b, answer.rows, keep())
    }
    loaded.value = true
    state.value = 'done'
    error.value = ''
    bump()
  }

  function onError(_b: number, e: unknown) {
    if (e instanceof DOMException && e.name === 'AbortError') return
    state.value = 'error'
    error.value = errorText(e)
  }

  const loader = new BlockLoader<MessageSummary>(fetchBlock, (b) => cache.has(b), onLoaded, onError)

  /**
   * Ask for the drawn rows' blocks; the first block when nothing is drawn (before the
   * first answer, or an empty folder, which must still learn of its first message).
   */
  function want() {
    const blocks = loaded.value && drawn && serverTotal.value > 0 ? blocksFor(drawn, serverTotal.value) : [0]
    for (const b of blocks) cache.touch(b)
    loader.want(blocks)
  }

  /** Start over for another folder or search: nothing loaded, the first block asked for. */
  function restart(opts: { quiet?: boolean } = {}) {
    epoch++
    loader.reset()
    if (!opts.quiet) {
      cache.clear()
      loaded.value = false
      state.value = 'loading'
      bump()
    }
    want()
  }

  /**
   * The list scrolled: `shown` is on screen, `drawn` is what it draws around it. Blocks
   * that left the drawn range and are still in flight are aborted; those not yet asked
   * for are skipped.
   */
  function show(shown: RowRange | null, drawnRows: RowRange | null) {
    view.value = shown
    drawn = toServer(drawnRows)
    if (loaded.value) want()
  }

  /** The server's rows among list rows (the local hits above them are not the server's). */
  function toServer(r: RowRange | null): RowRange | null {
    const k = localRows.value.length
    if (!r || r.last < k) return null
    return { first: Math.max(0, r.first - k), last: r.last - k }
  }

  /** Row `i` of the folder (0 = newest), or null while its block loads. Reactive. */
  function rowAt(i: number): MessageSummary | null {
    void version.value
    const k = localRows.value.length
    return i < k ? (localRows.value[i] ?? null) : cache.rowAt(i - k)
  }

  /** The loaded row of a UID, or null. Reactive. */
  function find(uid: number): MessageSummary | null {
    void version.value
    return cache.find((m) => m.uid === uid) ?? localRows.value.find((m) => m.uid === uid) ?? null
  }

  /** Found by the local index inside encrypted mail (a row above the server's). */
  function foundInside(uid: number): boolean {
    return localRows.value.some((m) => m.uid === uid)
  }

  /**
   * The subject to show: the protected one once the message was decrypted in this browser,
   * "Encrypted message" for encrypted mail whose outside says nothing ("[...]").
   */
  function subjectOf(m: MessageSummary): string {
    const p = subjects.value[m.uid]
    if (p) return p.subject || t('common.noSubject')
    if (m.smime === 'encrypted' && OBSCURED_SUBJECTS.has(m.subject.trim())) return t('list.encryptedMessage')
    return m.subject || t('common.noSubject')
  }

  /** A message of `path` just decrypted (reader): its protected subject for the list. */
  function noteProtected(path: string, uid: number, s: ListSubject) {
    if (path === mailbox.value) subjects.value = { ...subjects.value, [uid]: s }
  }

  async function loadSubjects() {
    const path = mailbox.value
    const got = await protectedSubjects(path)
    if (path === mailbox.value) subjects.value = got
  }

  /** The key store locked: nothing decrypted stays on screen; unlocked: read the index again. */
  watch(
    () => useKeystoreStore().status?.unlocked,
    (unlocked) => {
      if (unlocked) {
        void loadSubjects()
        if (query.value) void searchInside()
      } else {
        subjects.value = {}
        if (localRows.value.length) {
          localRows.value = []
          bump()
        }
        if (query.value) localSearch.value = 'locked'
      }
    },
  )

  /** "Forget search index" (Security): deleted in the worker and IndexedDB; nothing of it stays on screen. */
  async function forgetIndex() {
    await forgetSearchIndex()
    subjects.value = {}
    if (localRows.value.length) {
      localRows.value = []
      bump()
    }
  }

  /** Ask the local index for the current search; its hits go above the server's rows. */
  async function searchInside() {
    const my = epoch
    const q = query.value
    const hits = q ? await searchLocal(q, mailbox.value) : []
    if (my !== epoch || q !== query.value) return
    localSearch.value = !q ? 'none' : hits === null ? 'locked' : 'searched'
    localRows.value = (hits ?? []).map(localRow)
    bump()
  }

  const selectedIndex = computed(() => {
    void version.value
    const uid = selectedUid.value
    if (uid === null) return -1
    const local = localRows.value.findIndex((m) => m.uid === uid)
    if (local >= 0) return local
    const i = cache.findIndex((m) => m.uid === uid)
    return i < 0 ? -1 : i + localRows.value.length
  })
  const selected = computed(() => (selectedUid.value === null ? null : find(selectedUid.value)))

  /** Open a folder (from the top, no search); the open one again: read what is drawn again, quietly. */
  async function open(path: string) {
    if (path === mailbox.value && loaded.value) return refresh()
    if (path !== mailbox.value) {
      serverTotal.value = 0
      localRows.value = []
      localSearch.value = 'none'
      subjects.value = {}
      query.value = ''
      selectedUid.value = null
      drawn = null
      view.value = null
    }
    mailbox.value = path
    restart()
    void loadSubjects()
  }

  async function setQuery(q: string) {
    query.value = q.trim()
    serverTotal.value = 0
    localRows.value = []
    localSearch.value = 'none'
    drawn = null
    view.value = null
    restart()
    await searchInside()
  }

  /**
   * New mail or a change elsewhere: read the drawn blocks again without a spinner; what is
   * on screen stays until its fresh copy arrives.
   */
  async function refresh() {
    if (!mailbox.value) return
    cache.invalidate(new Set(blocksFor(drawn, serverTotal.value)))
    restart({ quiet: true })
  }

  /** The loaded row `delta` away from the selection (from the screen's edge without one). */
  function neighbour(delta: 1 | -1): MessageSummary | null {
    const i = targetIndex(delta)
    return i === null ? null : rowAt(i)
  }

  function targetIndex(delta: 1 | -1): number | null {
    const sel = selectedIndex.value
    const i = sel >= 0 ? sel + delta : delta > 0 ? (view.value?.first ?? 0) : (view.value?.last ?? total.value - 1)
    return i >= 0 && i < total.value ? i : null
  }

  /** j/k: the row `delta` away from the selection, loading its block first when needed. */
  async function step(delta: 1 | -1): Promise<MessageSummary | null> {
    const i = targetIndex(delta)
    if (i === null) return null
    const my = epoch
    const k = localRows.value.length
    if (i >= k && (!(await loader.load(blockOf(i - k))) || my !== epoch)) return null
    return rowAt(i)
  }

  function patchLocal(uid: number, patch: Partial<MessageSummary>) {
    if (cache.replace((m) => m.uid === uid, (m) => frozen({ ...m, ...patch }))) bump()
    if (foundInside(uid)) {
      localRows.value = localRows.value.map((m) => (m.uid === uid ? frozen({ ...m, ...patch }) : m))
      bump()
    }
  }

  async function setSeen(uid: number, seen: boolean) {
    const m = find(uid)
    if (m && m.seen === seen) return
    patchLocal(uid, { seen })
    useMailboxesStore().adjustUnread(mailbox.value, seen ? -1 : 1)
    try {
      await bridge.setFlags({ mailbox: mailbox.value, uids: [uid], ...(seen ? { add: ['\\Seen'] } : { remove: ['\\Seen'] }) })
    } catch (e) {
      patchLocal(uid, { seen: !seen })
      useMailboxesStore().adjustUnread(mailbox.value, seen ? 1 : -1)
      throw e
    }
  }

  async function setFlagged(uid: number, flagged: boolean) {
    patchLocal(uid, { flagged })
    try {
      await bridge.setFlags({ mailbox: mailbox.value, uids: [uid], ...(flagged ? { add: ['\\Flagged'] } : { remove: ['\\Flagged'] }) })
    } catch (e) {
      patchLocal(uid, { flagged: !flagged })
      throw e
    }
  }

  /** Move (or delete to Trash) and drop from the list; returns the message to show next. */
  async function remove(uid: number, destination: string | null): Promise<MessageSummary | null> {
    const next = neighbour(1) ?? neighbour(-1)
    if (destination) await bridge.moveMessages(mailbox.value, [uid], destination)
    else await bridge.deleteMessages(mailbox.value, [uid])
    if (foundInside(uid)) {
      localRows.value = localRows.value.filter((m) => m.uid !== uid)
      bump()
    } else {
      if (cache.remove((m) => m.uid === uid)) bump()
      serverTotal.value = Math.max(0, serverTotal.value - 1)
    }
    void useMailboxesStore().refresh()
    void refresh()
    return next && next.uid !== uid ? next : null
  }

  return {
    mailbox, total, query, state, error, selectedUid, selected, selectedIndex, view, loaded, localSearch,
    open, setQuery, refresh, show, rowAt, find, neighbour, step, setSeen, setFlagged, remove,
    foundInside, subjectOf, noteProtected, forgetIndex,
  }
})
