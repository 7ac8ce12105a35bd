/**
 * What waits on this device (issue 4: "If sending fails the message stays in an outbox
 * with a retry; nothing is lost"): sends that failed after sealing, kept in IndexedDB as
 * the exact bytes that were to go (a retry never seals again, so what is sent is what
 * the engine sealed), and drafts saved on this device, which survive a reload even when
 * the Drafts folder could not be reached.
 *
 * The compose store puts things here (keep, saveLocal…); the Outbox bar lists them.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import type { DraftRecord, OutboxRecord } from '../storage/db'
import { deleteDraft, listDrafts } from '../storage/drafts'
import { addToOutbox, listOutbox, markOutboxFailure, removeFromOutbox } from '../storage/outbox'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'

export const useOutboxStore = defineStore('outbox', () => {
  /** Failed sends, oldest first. */
  const failed = ref<OutboxRecord[]>([])
  /** Drafts kept on this device. */
  const drafts = ref<DraftRecord[]>([])
  /** The failed send being retried or discarded now (its buttons are disabled). */
  const busy = ref<string | null>(null)

  async function refresh(): Promise<void> {
    ;[failed.value, drafts.value] = await Promise.all([listOutbox(), listDrafts()])
  }

  /** A send that failed: keep its sealed bytes and envelope with the error, for Retry. */
  async function keep(m: { raw: Uint8Array; envelope: { from: string; to: string[] }; subject: string; error: string }): Promise<void> {
    await addToOutbox(m)
    await refresh()
  }

  /** Send the kept bytes again; on failure the record counts one more attempt. */
  async function retry(id: string): Promise<void> {
    const rec = failed.value.find((o) => o.id === id)
    if (!rec || !rec.envelope.from || !rec.envelope.to?.length) return
    busy.value = id
    try {
      await bridge.sendMessage(rec.raw, { from: rec.envelope.from, to: rec.envelope.to })
      await removeFromOutbox(id)
      void useMailboxesStore().refresh()
      void useMessagesStore().refresh()
    } catch (e) {
      await markOutboxFailure(id, errorText(e))
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

  return { failed, drafts, busy, refresh, keep, retry, discard, discardDraft, dropDraft }
})
