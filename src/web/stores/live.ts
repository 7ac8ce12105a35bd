/**
 * New mail without reloading: the bridge's SSE stream (IMAP IDLE on INBOX). Any event
 * refreshes folder counts, and the list when it shows the mailbox the event is about.
 * Events are coalesced: a burst of deliveries costs one refresh.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as bridge from '../api/bridge'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'

export const useLiveStore = defineStore('live', () => {
  const live = ref(false)
  let stop: (() => void) | null = null
  let timer: ReturnType<typeof setTimeout> | null = null
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

  function start(mailbox = 'INBOX') {
    stop?.()
    stop = bridge.subscribeEvents(
      mailbox,
      (e) => {
        if (e.type === 'ready') return
        pending.add(e.mailbox)
        if (!timer) timer = setTimeout(() => void flush(), 250)
      },
      (ok) => (live.value = ok),
    )
  }

  function end() {
    stop?.()
    stop = null
    live.value = false
  }

  return { live, start, end }
})
