/**
 * New mail without reloading: the bridge's SSE streams (IMAP IDLE, RFC 2177). IDLE
 * watches one mailbox per connection, so there are at most two streams: INBOX always
 * (new mail and its count, whatever folder is open) and the open folder when it is
 * another one (mail filed there by server-side rules, or moved there from another
 * device). Other folders' counts are refreshed every few minutes while the page is
 * visible, and when it becomes visible again.
 *
 * Any event refreshes folder counts, and the list when it shows the mailbox the event is
 * about. Events are coalesced: a burst of deliveries costs one refresh.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as bridge from '../api/bridge'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'

const INBOX = 'INBOX'
/** Counts of folders nobody is IDLE on: refreshed this often while the page is visible. */
export const COUNTS_EVERY_MS = 3 * 60_000

export const useLiveStore = defineStore('live', () => {
  const live = ref(false)
  /** Mailbox path → stop function of its stream. */
  const streams = new Map<string, () => void>()
  const up = new Map<string, boolean>()
  let timer: ReturnType<typeof setTimeout> | null = null
  let counts: ReturnType<typeof setInterval> | null = null
  const pending = new Set<string>()

  async function flush() {
    timer = null
    const messages = useMessagesStore()
    const listToo = pending.has(messages.mailbox)
    pending.clear()
    // One after the other: both run on the session's single IMAP connection.
    await useMailboxesStore().refresh()
    if (listToo) await messages.refresh()
  }

  function queue(mailbox: string) {
    pending.add(mailbox)
    if (!timer) timer = setTimeout(() => void flush(), 250)
  }

  function open(mailbox: string) {
    if (streams.has(mailbox)) return
    streams.set(
      mailbox,
      bridge.subscribeEvents(
        mailbox,
        (e) => {
          if (e.type !== 'ready') queue(e.mailbox)
        },
        (ok) => {
          up.set(mailbox, ok)
          // "Live" is about new mail: the INBOX stream.
          live.value = up.get(INBOX) === true
        },
      ),
    )
  }

  function close(mailbox: string) {
    streams.get(mailbox)?.()
    streams.delete(mailbox)
    up.delete(mailbox)
  }

  function onVisible() {
    if (document.visibilityState === 'visible' && streams.size) void useMailboxesStore().refresh().catch(() => {})
  }

  /** Start (or keep) INBOX's stream, and follow `folder` too when it is another one. */
  function start(folder = INBOX) {
    open(INBOX)
    follow(folder)
    if (!counts) {
      counts = setInterval(() => document.visibilityState === 'visible' && void useMailboxesStore().refresh().catch(() => {}), COUNTS_EVERY_MS)
      document.addEventListener('visibilitychange', onVisible)
    }
  }

  /** The open folder changed: its stream replaces the previous folder's (INBOX stays). */
  function follow(folder: string) {
    for (const m of [...streams.keys()]) if (m !== INBOX && m !== folder) close(m)
    if (folder !== INBOX && streams.has(INBOX)) open(folder)
  }

  function end() {
    for (const m of [...streams.keys()]) close(m)
    if (counts) clearInterval(counts)
    counts = null
    document.removeEventListener('visibilitychange', onVisible)
    if (timer) clearTimeout(timer)
    timer = null
    pending.clear()
    live.value = false
  }

  return { live, start, follow, end }
})
