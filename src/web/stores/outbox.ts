/**
 * What waits on this device (issue 4: "If sending fails the message stays in an outbox
 * with a retry; nothing is lost"; issue 11: "nothing sent twice"): messages on their way
 * out, kept in IndexedDB as the exact bytes that were to go (a retry never seals again,
 * so what is sent is what the engine sealed), and drafts saved on this device, which
 * survive a reload even when the Drafts folder could not be reached.
 *
 * A message is written here before it is sent (begin), so a page that closes or a
 * session that ends mid-send loses nothing. Then it leaves (sent and saved in Sent), or
 * stays 'unsent' (Retry sends it), or stays 'copy-missing' when the server accepted it
 * but the copy to Sent failed: its Retry only appends the bytes to Sent, never sends.
 *
 * The compose store puts things here (begin, settle, saveLocal…); the Outbox bar lists them.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import type { DraftRecord, OutboxRecord } from '../storage/db'
import { deleteDraft, listDrafts } from '../storage/drafts'
import { addToOutbox, listOutbox, markOutboxCopyMissing, markOutboxFailure, outboxState, removeFromOutbox } from '../storage/outbox'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'

/** How a send ended, as the Outbox needs to know it. */
export type SendOutcome = { kind: 'sent' } | { kind: 'copy-missing'; reason: string } | { kind: 'not-sent'; reason: string }

export const useOutboxStore = defineStore('outbox', () => {
  const records = ref<OutboxRecord[]>([])
  /** Messages this page is sending right now (written ahead, not yet answered): not listed. */
  const inFlight = ref<string[]>([])
  /** What waits for the person, oldest first: not sent, sent without its copy, or interrupted. */
  const failed = computed(() => records.value.filter((r) => !inFlight.value.includes(r.id)))
  /** Drafts kept on this device. */
  const drafts = ref<DraftRecord[]>([])
  /** The message being retried or discarded now (its buttons are disabled). */
  const busy = ref<string | null>(null)

  async function refresh(): Promise<void> {
    ;[records.value, drafts.value] = await Promise.all([listOutbox(), listDrafts()])
  }

  /**
   * Keep the sealed bytes before they are sent. Returns the entry's id, or null when the
   * device cannot store it (the send goes ahead all the same, as it did before).
   */
  async function begin(m: { raw: Uint8Array; envelope: { from: string; to: string[] }; subject: string }): Promise<string | null> {
    try {
      const id = await addToOutbox({ ...m, state: 'sending', error: null })
      inFlight.value = [...inFlight.value, id]
      return id
    } catch {
      return null
    }
  }

  /** Record how the send of `begin`'s entry ended. */
  async function settle(id: string, outcome: SendOutcome): Promise<void> {
    try {
      if (outcome.kind === 'sent') await removeFromOutbox(id)
      else if (outcome.kind === 'copy-missing') await markOutboxCopyMissing(id, outcome.reason)
      else await markOutboxFailure(id, outcome.reason)
    } finally {
      inFlight.value = inFlight.value.filter((x) => x !== id)
      await refresh()
    }
  }

  /** A send that failed with no entry written ahead: keep its sealed bytes and envelope with the error, for Retry. */
  async function keep(m: { raw: Uint8Array; envelope: { from: string; to: string[] }; subject: string; error: string }): Promise<void> {
    await addToOutbox(m)
    await refresh()
  }

  /** The path of the Sent folder (special use), listing the folders when they are not known yet. */
  async function sentPath(): Promise<string> {
    const boxes = useMailboxesStore()
    if (!boxes.byRole('sent')) await boxes.refresh()
    const sent = boxes.byRole('sent')
    if (!sent) throw new Error('there is no Sent folder on the mail server')
    return sent.path
  }

  /**
   * Retry: a message that went out but has no copy in Sent is appended to Sent (the same
   * bytes, marked read) and never sent again; any other is sent again. On failure the
   * entry counts one more attempt and says why.
   */
  async function retry(id: string): Promise<void> {
    const rec = records.value.find((o) => o.id === id)
    if (!rec) return
    busy.value = id
    try {
      if (outboxState(rec) === 'copy-missing') {
        try {
          await bridge.appendMessage(await sentPath(), rec.raw, ['\\Seen'])
          await removeFromOutbox(id)
        } catch (e) {
          await markOutboxCopyMissing(id, errorText(e))
        }
      } else {
        if (!rec.envelope.from || !rec.envelope.to?.length) return
        let res
        try {
          res = await bridge.sendMessage(rec.raw, { from: rec.envelope.from, to: rec.envelope.to })
        } catch (e) {
          await markOutboxFailure(id, errorText(e))
          return
        }
        if (res.sentCopyError) await markOutboxCopyMissing(id, res.sentCopyError.message)
        else await removeFromOutbox(id)
      }
      void useMailboxesStore().refresh()
      void useMessagesStore().refresh()
    } finally {
      busy.value = null
      await refresh()
    }
  }

  async function discard(id: string): Promise<void> {
    await removeFromOutbox(id)
    await refresh()
  }

  async function discardDraft(id: string): Promise<void> {
    await deleteDraft(id)
    await refresh()
  }

  /** Forget a device draft once it is sent or replaced; never fails the caller. */
  async function dropDraft(id: string | null): Promise<void> {
    if (id) await deleteDraft(id).catch(() => {})
    await refresh().catch(() => {})
  }

  return { failed, drafts, busy, stateOf: outboxState, refresh, begin, settle, keep, retry, discard, discardDraft, dropDraft }
})
