/**
 * The open message. Data flow (each step a separate, testable function):
 *
 *   bridge.fetchRaw(mailbox, uid)      exact stored bytes, never parsed by the bridge
 *     → openSecurely(raw)              stores/keystore.ts: core/message.open in the crypto
 *                                       worker (keyring, unlock prompt, CRLs) → SecurityReport
 *                                       + the unwrapped inner entity of the message ROOT
 *     → openUnwrapped(raw, inner)      mail/open.ts: outer header + inner body for display
 *     → toMessageView(opened)          mail/view.ts: immutable view model
 *     → forwardedViews(report, bytes)  mail/forwarded.ts: each forwarded message (message/rfc822
 *                                       part) that core opened on its own, with its own report
 *     → ReadingPane                    draws headers, parts (each HTML part in its own
 *                                       sandboxed frame), attachments, problems, and the
 *                                       forwarded messages apart (ForwardedMessage.vue)
 *
 * "Read as unprotected text" (readUnprotected) runs the same path again with weak ciphers
 * allowed, only on the user's click, for content core refused as not confidential.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { openMessage, openUnwrapped } from '../mail/open'
import { forwardedViews, type ForwardedView } from '../mail/forwarded'
import { summarizeSecurity } from '../mail/security'
import { toMessageView, type MessageView } from '../mail/view'
import type { SecurityReport } from '../../core/message/report'
import { refusedAsNotConfidential } from '../../core/message/verdict'
import { latin1 } from '../../core/util/bytes'
import { useContactsStore, type SignerToAdd } from './contacts'
import { openSecurely } from './keystore'
import { WorkerError } from '../workers/client'
import { useAnnouncerStore } from './announcer'
import { useMessagesStore } from './messages'
import { t } from '../i18n'

/** What the engine said about a message, kept per list row ("mailbox\u0000uid"). */
export interface RowVerdict {
  signed: boolean
  encrypted: boolean
  signature: SecurityReport['verdict']['signature']
  encryption: SecurityReport['verdict']['encryption']
}

export const rowKey = (mailbox: string, uid: number) => `${mailbox}\u0000${uid}`

/** The list row's lock/ribbon from the engine: which layers the root really has, and their verdict. */
function rowVerdict(report: SecurityReport): RowVerdict {
  return {
    signed: report.layers.some((l) => l.kind === 'signed'),
    encrypted: report.layers.some((l) => l.kind !== 'signed'),
    signature: report.verdict.signature,
    encryption: report.verdict.encryption,
  }
}

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
  /** The engine's report on the open message (null: not opened by the engine). */
  const report = shallowRef<SecurityReport | null>(null)
  /** The key store stayed locked (prompt cancelled): the message is shown undecrypted. */
  const keyLocked = ref(false)
  /** Why the engine could not look at the message at all (shown; the message is shown plain). */
  const securityError = ref('')
  /** Signers not in Contacts yet (offer "Add to contacts"); replacesKnown = a changed certificate. */
  const signersToAdd = ref<SignerToAdd[]>([])
  const contactNote = ref('')
  /** Engine verdicts of opened messages, for the list's lock/ribbon after opening. */
  const verdicts = ref<Record<string, RowVerdict>>({})
  /** Forwarded messages the engine opened on their own, each with its own report (issue 16). */
  const forwarded = shallowRef<ForwardedView[]>([])
  /**
   * "Read as unprotected text" of content refused for a worthless cipher (issue 16):
   * 'done' when what is shown was read with weak ciphers allowed, on the user's request.
   */
  const unprotected = ref<'no' | 'loading' | 'done'>('no')
  const unprotectedError = ref('')
  let seq = 0

  /** Content decrypted from CBC has no integrity (EFAIL): never load remote content for it. */
  const remoteForbidden = computed(() => (report.value ? summarizeSecurity(report.value).noIntegrity : false))
  // The open message's verdict is announced as it arrives (issue 14), in the summary's words.
  watch([report, keyLocked], ([r, locked]) => {
    if (!r) return
    const s = summarizeSecurity(r, { keyLocked: locked })
    const words = [s.signed?.text, s.encrypted?.text].filter((w): w is string => Boolean(w))
    useAnnouncerStore().say(words.length ? words.join('. ') : t('summary.plain'))
  })

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
    report.value = null
    keyLocked.value = false
    securityError.value = ''
    signersToAdd.value = []
    contactNote.value = ''
    forwarded.value = []
    unprotected.value = 'no'
    unprotectedError.value = ''
    const known = useMessagesStore().find(id)
    flags.value = known ? { seen: known.seen, flagged: known.flagged } : null
    try {
      const fetched = await bridge.fetchRaw(path, id)
      if (my !== seq) return
      const result = await openWithEngine(fetched, my)
      if (my !== seq || !result) return
      const { opened, bytes } = result
      raw.value = bytes
      view.value = toMessageView(opened)
      forwarded.value = result.forwarded
      showSource.value = view.value.unreadable
      state.value = 'done'
      const messages = useMessagesStore()
      const summary = messages.find(id)
      if (summary && !summary.seen && messages.mailbox === path) void messages.setSeen(id, true).catch(() => {})
      flags.value = { seen: true, flagged: summary?.flagged ?? flags.value?.flagged ?? false }
    } catch (e) {
      if (my !== seq) return
      state.value = 'error'
      error.value = errorText(e)
    }
  }

  /**
   * Run the engine on the stored bytes (in the crypto worker). A locked key store makes
   * openSecurely show the unlock prompt and retry; cancelled, the message shows its header
   * and the report only. An engine failure (it should return a report for any input) is
   * said in words and the message is displayed as plain mail without any security claim.
   * The bytes move to the worker and back (no 25 MB copy, issue #5): from here on only the
   * returned `bytes` hold them.
   */
  async function openWithEngine(fetched: Uint8Array, my: number) {
    let bytes = fetched
    try {
      const at = { mailbox: mailbox.value, uid: uid.value ?? 0 }
      const r = await openSecurely(fetched, { transfer: true, index: at })
      bytes = r.raw
      if (my !== seq) return null
      report.value = r.report
      verdicts.value = { ...verdicts.value, [rowKey(mailbox.value, uid.value ?? 0)]: rowVerdict(r.report) }
      // Decrypted (and so now in the local index): the list shows its protected subject.
      if (r.kind === 'opened' && r.report.verdict.encryption === 'decrypted') {
        useMessagesStore().noteProtected(at.mailbox, at.uid, { subject: r.report.subject ?? '', from: r.report.from ?? '' })
      }
      if (r.kind === 'key-locked') {
        keyLocked.value = true
        return { opened: await openUnwrapped(bytes, new Uint8Array(0)), bytes, forwarded: [] }
      }
      signersToAdd.value = r.signersToAdd
      return { opened: await openUnwrapped(bytes, r.inner, r.report.protectedHeaders), bytes, forwarded: await forwardedViews(r.report.forwarded, r.forwarded) }
    } catch (e) {
      if (my !== seq) return null
      if (e instanceof WorkerError && e.returned) bytes = e.returned
      securityError.value = t('reader.checkFailed', { error: errorText(e) })
      return { opened: await openMessage(bytes), bytes, forwarded: [] }
    }
  }

  /**
   * "Read as unprotected text" (issue 16): the engine refused the content because its
   * cipher gives no real confidentiality (40-bit RC2, single DES); on the user's explicit
   * request it is opened again with such ciphers allowed and shown under a report that says
   * it is not confidential. The list row keeps the refused verdict: nothing about the message
   * changed, only that this person chose to read it.
   */
  async function readUnprotected(): Promise<void> {
    const bytes = raw.value
    if (!bytes || !report.value || !refusedAsNotConfidential(report.value) || unprotected.value !== 'no') return
    const my = seq
    unprotected.value = 'loading'
    unprotectedError.value = ''
    try {
      const r = await openSecurely(bytes, { allowWeakCiphers: true })
      if (my !== seq) return
      if (r.kind !== 'opened') {
        unprotected.value = 'no'
        unprotectedError.value = t('reader.unprotectedLocked')
        return
      }
      const opened = await openUnwrapped(bytes, r.inner)
      const fwd = await forwardedViews(r.report.forwarded, r.forwarded)
      if (my !== seq) return
      report.value = r.report
      signersToAdd.value = r.signersToAdd
      view.value = toMessageView(opened)
      forwarded.value = fwd
      unprotected.value = 'done'
    } catch (e) {
      if (my !== seq) return
      unprotected.value = 'no'
      unprotectedError.value = t('reader.unprotectedFailed', { error: errorText(e) })
    }
  }

  /** "Unlock" on a message left locked: prompt again and reopen. */
  async function retryUnlock(): Promise<void> {
    if (uid.value === null) return
    const path = mailbox.value
    const id = uid.value
    state.value = 'empty'
    await open(path, id)
  }

  /** "Add to contacts": store the signer's certificate next to any other for that address. */
  async function addToContacts(sha256: string): Promise<void> {
    if (!report.value) return
    contactNote.value = ''
    try {
      const r = await useContactsStore().collectFromSignedMail(report.value, { explicit: true })
      const added = r.added.find((c) => c.sha256 === sha256) ?? r.added[0]
      signersToAdd.value = signersToAdd.value.filter((s) => s.sha256 !== sha256)
      contactNote.value = added ? t('reader.contactAdded', { name: added.emails.join(', ') || added.subject }) : t('reader.contactKnown')
    } catch (e) {
      contactNote.value = t('reader.contactFailed', { error: errorText(e) })
    }
  }

  function close() {
    seq++
    state.value = 'empty'
    uid.value = null
    view.value = null
    raw.value = null
    flags.value = null
    report.value = null
    keyLocked.value = false
    signersToAdd.value = []
    forwarded.value = []
    unprotected.value = 'no'
    unprotectedError.value = ''
  }

  return {
    flags, state, mailbox, uid, raw, view, error, allowRemote, showSource, sourceText,
    report, keyLocked, securityError, signersToAdd, contactNote, verdicts, remoteForbidden, forwarded, unprotected, unprotectedError,
    open, close, retryUnlock, addToContacts, readUnprotected,
  }
})
