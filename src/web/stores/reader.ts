/**
 * The open message. Data flow (each step a separate, testable function):
 *
 *   bridge.fetchRaw(mailbox, uid)      exact stored bytes, never parsed by the bridge
 *     → openMessage(raw)               mail/open.ts: parse for display + MIME diagnosis
 *                                       (S/MIME: core/message.open in the crypto worker)
 *     → toMessageView(opened)          mail/view.ts: immutable view model
 *     → ReadingPane                    draws headers, parts (each HTML part in its own
 *                                       sandboxed frame), attachments, problems
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { openMessage } from '../mail/open'
import { toMessageView, type MessageView } from '../mail/view'
import { latin1 } from '../../core/util/bytes'
import { useMessagesStore } from './messages'

export type ReaderState = 'empty' | 'loading' | 'done' | 'error'

export const useReaderStore = defineStore('reader', () => {
  const state = ref<ReaderState>('empty')
  const mailbox = ref('')
  const uid = ref<number | null>(null)
  const raw = shallowRef<Uint8Array | null>(null)
  const view = shallowRef<MessageView | null>(null)
  const error = ref('')
  const allowRemote = ref(false)
  const showSource = ref(false)
  /** Flags of the open message, kept here too: a search may hide it from the list. */
  const flags = ref<{ seen: boolean; flagged: boolean } | null>(null)
  let seq = 0

  /** The raw source as text for "View source" (latin1: one char per byte, nothing lost). */
  const sourceText = computed(() => (raw.value ? latin1(raw.value, 0, Math.min(raw.value.length, 4 * 1024 * 1024)) : ''))

  async function open(path: string, id: number) {
    if (mailbox.value === path && uid.value === id && state.value === 'done') return
    const my = ++seq
    mailbox.value = path
    uid.value = id
    state.value = 'loading'
    view.value = null
    raw.value = null
    error.value = ''
    allowRemote.value = false
    showSource.value = false
    const known = useMessagesStore().items.find((m) => m.uid === id)
    flags.value = known ? { seen: known.seen, flagged: known.flagged } : null
    try {
      const bytes = await bridge.fetchRaw(path, id)
      if (my !== seq) return
      const opened = await openMessage(bytes)
      if (my !== seq) return
      raw.value = bytes
      view.value = toMessageView(opened)
      showSource.value = view.value.unreadable
      state.value = 'done'
      const messages = useMessagesStore()
      const summary = messages.items.find((m) => m.uid === id)
      if (summary && !summary.seen && messages.mailbox === path) void messages.setSeen(id, true).catch(() => {})
      flags.value = { seen: true, flagged: summary?.flagged ?? flags.value?.flagged ?? false }
    } catch (e) {
      if (my !== seq) return
      state.value = 'error'
      error.value = errorText(e)
    }
  }

  function close() {
    seq++
    state.value = 'empty'
    uid.value = null
    view.value = null
    raw.value = null
    flags.value = null
  }

  return { flags, state, mailbox, uid, raw, view, error, allowRemote, showSource, sourceText, open, close }
})
