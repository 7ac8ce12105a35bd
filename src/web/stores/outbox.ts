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
import { addToOutbox, getOutbox, listOutbox, markOutboxCopyMissing, markOutboxFailure, outboxState, removeFromOutbox } from '../storage/outbox'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'
import { t } from '../i18n'

/** How a send ended, as the Outbox needs to know it. */
export type SendOutcome = { kind: 'sent' } | { kind: 'copy-missing'; reason: string } | { kind: 'not-sent'; reason: string }

/** The Web Lock a tab holds while it sends (or retries) one Outbox entry. */
const lockName = (id: string) => `cachet-outbox-${id}`

export const useOutboxStore = defineStore('outbox', () => {
  const records = ref<OutboxRecord[]>([])
  /** Messages this page is sending right now (written ahead, not yet answered): not listed. */
  const sendingHere = ref<string[]>([])
  /** Messages another tab is sending or retrying right now (it holds their lock): not listed. */
  const elsewhere = ref<string[]>([])
  /** What waits for the person, oldest first: not sent, sent without its copy, or interrupted. */
  const failed = computed(() => records.value.filter((r) => !sendingHere.value.includes(r.id) && !elsewhere.value.includes(r.id)))
  /** Locks this page holds, until each is really released (not merely asked to be). */
  const ownLocks = new Set<string>()
  const releases = new Map<string, () => void>()

  /**
   * Take the entry's lock (Web Locks, shared by every tab of this origin): false when
   * another tab holds it, so two tabs never send the same bytes at once, and a tab never
   * offers Retry for what another is sending (it looks interrupted in IndexedDB).
   */
  function hold(id: string): Promise<boolean> {
    const locks = globalThis.navigator?.locks
    if (!locks) return Promise.resolve(true)
    return new Promise((granted) => {
      let mine = false
      void locks
        .request(lockName(id), { ifAvailable: true }, (lock) => {
          if (!lock) return granted(false)
          mine = true
          ownLocks.add(id)
          granted(true)
          return new Promise<void>((release) => releases.set(id, release))
        })
        .catch(() => granted(false))
        // Settles once the lock is released: until then query() still lists it.
        .finally(() => mine && ownLocks.delete(id))
    })
  }

  function release(id: string): void {
    releases.get(id)?.()
    releases.delete(id)
  }

  /** Ids whose lock another tab holds now. */
  async function heldElsewhere(): Promise<string[]> {
    const locks = globalThis.navigator?.locks
    if (!locks) return []
    // Ours before the query too: a lock released while it runs may still be listed as held.
    const mine = new Set(ownLocks)
    const { held = [] } = await locks.query()
    return held.flatMap((l) => {
      const id = l.name?.startsWith('cachet-outbox-') ? l.name.slice('cachet-outbox-'.length) : null
      return id && !mine.has(id) && !ownLocks.has(id) ? [id] : []
    })
  }
  /** Drafts kept on this device. */
  const drafts = ref<DraftRecord[]>([])
  /** The message being retried or discarded now (its buttons are disabled). */
  const busy = ref<string | null>(null)

  async function refresh(): Promise<void> {
    ;[records.value, drafts.value, elsewhere.value] = await Promise.all([listOutbox(), listDrafts(), heldElsewhere()])
  }

  /**
   * Keep the sealed bytes before they are sent. Returns the entry's id, or null when the
   * device cannot store it (the send goes ahead all the same, as it did before).
   */
  async function begin(m: { raw: Uint8Array; envelope: { from: string; to: string[] }; subject: string }): Promise<string | null> {
    try {
      const id = await addToOutbox({ ...m, state: 'sending', error: null })
      await hold(id)
      sendingHere.value = [...sendingHere.value, id]
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
      release(id)
      sendingHere.value = sendingHere.value.filter((x) => x !== id)
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
    if (!sent) throw new Error(t('misc.noSentFolder'))
    return sent.path
  }

  /**
   * Retry: a message that went out but has no copy in Sent is appended to Sent (the same
   * bytes, marked read) and never sent again; any other is sent again. On failure the
   * entry counts one more attempt and says why.
   */
  async function retry(id: string): Promise<void> {
    if (busy.value === id) return
    busy.value = id
    if (!(await hold(id))) {
      // Another tab is sending it right now.
      busy.value = null
      await refresh()
      return
    }
    try {
      // As stored now, not as this page last listed it: another tab may have sent it since.
      const rec = await getOutbox(id)
      if (!rec) return
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
      release(id)
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
