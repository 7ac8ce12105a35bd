/**
 * The message list of the open folder: one page at a time from the bridge (newest first),
 * so a folder of 50,000 messages costs the same as one of 50. Search swaps the source to
 * IMAP SEARCH with the same paging.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { MessageSummary } from '../../contract'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { formatNumber } from '../format'
import { t } from '../i18n'
import { useMailboxesStore } from './mailboxes'

export type LoadState = 'idle' | 'loading' | 'done' | 'error'
export const PAGE_SIZE = 50

export const useMessagesStore = defineStore('messages', () => {
  const mailbox = ref('')
  const page = ref(1)
  const total = ref(0)
  const items = ref<MessageSummary[]>([])
  const query = ref('')
  const state = ref<LoadState>('idle')
  const error = ref('')
  const selectedUid = ref<number | null>(null)
  let controller: AbortController | null = null

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)))
  const rangeText = computed(() => {
    if (total.value === 0) return ''
    const first = (page.value - 1) * PAGE_SIZE + 1
    const last = Math.min(total.value, first + items.value.length - 1)
    return t('list.range', { first: formatNumber(first), last: formatNumber(last), total: formatNumber(total.value) })
  })
  const selected = computed(() => items.value.find((m) => m.uid === selectedUid.value) ?? null)

  async function fetchPage(opts: { quiet?: boolean } = {}) {
    controller?.abort()
    const c = (controller = new AbortController())
    if (!opts.quiet) state.value = 'loading'
    try {
      const res = query.value
        ? await bridge.search(mailbox.value, query.value, 'text', page.value, PAGE_SIZE, c.signal)
        : await bridge.listMessages(mailbox.value, page.value, PAGE_SIZE, c.signal)
      if (c.signal.aborted) return
      items.value = res.messages
      total.value = res.total
      state.value = 'done'
      error.value = ''
    } catch (e) {
      if (c.signal.aborted) return
      state.value = 'error'
      error.value = errorText(e)
    }
  }

  /** Open a folder (first page, no search). */
  async function open(path: string) {
    if (path !== mailbox.value) {
      items.value = []
      total.value = 0
      query.value = ''
      selectedUid.value = null
    }
    mailbox.value = path
    page.value = 1
    await fetchPage()
  }

  async function goToPage(p: number) {
    page.value = Math.min(Math.max(1, p), pageCount.value)
    await fetchPage()
  }

  async function setQuery(q: string) {
    query.value = q.trim()
    page.value = 1
    await fetchPage()
  }

  /** New mail or a change elsewhere: reload the current page without a spinner. */
  async function refresh() {
    if (mailbox.value) await fetchPage({ quiet: true })
  }

  function neighbour(delta: 1 | -1): MessageSummary | null {
    const i = items.value.findIndex((m) => m.uid === selectedUid.value)
    if (i < 0) return items.value[delta > 0 ? 0 : items.value.length - 1] ?? null
    return items.value[i + delta] ?? null
  }

  function patchLocal(uid: number, patch: Partial<MessageSummary>) {
    const m = items.value.find((x) => x.uid === uid)
    if (m) Object.assign(m, patch)
  }

  async function setSeen(uid: number, seen: boolean) {
    const m = items.value.find((x) => x.uid === uid)
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
    items.value = items.value.filter((m) => m.uid !== uid)
    total.value = Math.max(0, total.value - 1)
    void useMailboxesStore().refresh()
    void fetchPage({ quiet: true })
    return next && next.uid !== uid ? next : null
  }

  return {
    mailbox, page, total, items, query, state, error, selectedUid, selected, pageCount, rangeText,
    open, goToPage, setQuery, refresh, neighbour, setSeen, setFlagged, remove,
  }
})
