/**
 * The compose window: fields, attachments (read with progress), and the two ways out —
 * Send (raw bytes to the bridge, which submits by SMTP and files the same bytes in Sent)
 * and Save draft (APPEND to Drafts with \Draft). A failed send leaves everything in place
 * with the error shown.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { EmailAddress } from '../../contract'
import { parseAddressList } from '../../core/mime/headers'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { buildMessage, type MailboxAddress } from '../compose/build'
import { openMessage } from '../mail/open'
import { forwardBody, forwardSubject, replyBody, replyRecipients, replyReferences, replySubject } from '../mail/quote'
import { toMessageView, type AddressView, type MessageView } from '../mail/view'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'
import { useSessionStore } from './session'

export type ComposeMode = 'new' | 'reply' | 'reply-all' | 'forward' | 'draft'
export type ComposeStatus = 'idle' | 'sending' | 'saving' | 'sent' | 'saved' | 'error'

export interface ComposeAttachment {
  id: number
  filename: string
  mimeType: string
  size: number
  bytes: Uint8Array | null
  /** 0..1 while the file is read. */
  progress: number
  state: 'reading' | 'ready' | 'error'
  error?: string
}

const asField = (list: AddressView[]) => list.map((a) => a.display).join(', ')

/** Largest total of attachments we accept before sending (the bridge limit is 50 MB raw). */
const MAX_ATTACHMENTS = 35 * 1024 * 1024

export const useComposeStore = defineStore('compose', () => {
  const isOpen = ref(false)
  const mode = ref<ComposeMode>('new')
  const to = ref('')
  const cc = ref('')
  const bcc = ref('')
  const subject = ref('')
  const body = ref('')
  const attachments = ref<ComposeAttachment[]>([])
  const inReplyTo = ref<string | null>(null)
  const references = ref<string[]>([])
  const status = ref<ComposeStatus>('idle')
  const error = ref('')
  /** Upload progress of Send / Save draft, 0..1. */
  const progress = ref(0)
  /** The Drafts copy this compose came from or was last saved as (replaced on save/send). */
  const draft = ref<{ mailbox: string; uid: number } | null>(null)
  let nextId = 1

  const busy = computed(() => status.value === 'sending' || status.value === 'saving' || attachments.value.some((a) => a.state === 'reading'))

  function reset(m: ComposeMode) {
    mode.value = m
    to.value = cc.value = bcc.value = subject.value = body.value = ''
    attachments.value = []
    inReplyTo.value = null
    references.value = []
    status.value = 'idle'
    error.value = ''
    progress.value = 0
    draft.value = null
  }

  function openNew() {
    reset('new')
    isOpen.value = true
  }

  function fromView(v: MessageView, m: 'reply' | 'reply-all' | 'forward') {
    reset(m)
    const me = useSessionStore().email
    if (m === 'forward') {
      subject.value = forwardSubject(v.subject)
      body.value = forwardBody(v)
      attachments.value = v.attachments
        .filter((a) => !a.inline)
        .map((a) => ({ id: nextId++, filename: a.filename, mimeType: a.mimeType, size: a.size, bytes: a.bytes, progress: 1, state: 'ready' as const }))
    } else {
      const r = replyRecipients(v, me, m === 'reply-all')
      to.value = asField(r.to)
      cc.value = asField(r.cc)
      subject.value = replySubject(v.subject)
      body.value = replyBody(v)
      inReplyTo.value = v.messageId
      references.value = replyReferences(v)
    }
    isOpen.value = true
  }

  /** Reopen a saved draft (raw bytes from Drafts) into the compose window. */
  async function openDraft(mailbox: string, uid: number, raw: Uint8Array) {
    const v = toMessageView(await openMessage(raw))
    reset('draft')
    to.value = asField(v.to)
    cc.value = asField(v.cc)
    subject.value = v.subject
    body.value = v.text
    inReplyTo.value = null
    references.value = v.references
    const irt = /^in-reply-to:\s*(<[^>]+>)/im.exec(new TextDecoder('latin1').decode(raw.subarray(0, 64 * 1024)))
    if (irt) inReplyTo.value = irt[1]!
    attachments.value = v.attachments.map((a) => ({ id: nextId++, filename: a.filename, mimeType: a.mimeType, size: a.size, bytes: a.bytes, progress: 1, state: 'ready' as const }))
    draft.value = { mailbox, uid }
    isOpen.value = true
  }

  function addFiles(files: FileList | File[]) {
    for (const file of Array.from(files)) {
      const a: ComposeAttachment = { id: nextId++, filename: file.name, mimeType: file.type || 'application/octet-stream', size: file.size, bytes: null, progress: 0, state: 'reading' }
      attachments.value.push(a)
      const item = attachments.value[attachments.value.length - 1]!
      const reader = new FileReader()
      reader.onprogress = (e) => {
        if (e.lengthComputable) item.progress = e.loaded / e.total
      }
      reader.onload = () => {
        item.bytes = new Uint8Array(reader.result as ArrayBuffer)
        item.progress = 1
        item.state = 'ready'
      }
      reader.onerror = () => {
        item.state = 'error'
        item.error = `Could not read ${file.name}.`
      }
      reader.readAsArrayBuffer(file)
    }
  }

  function removeAttachment(id: number) {
    attachments.value = attachments.value.filter((a) => a.id !== id)
  }

  /** Parse a recipients field; throws words naming the first bad entry. */
  function recipients(field: string, label: string): MailboxAddress[] {
    if (!field.trim()) return []
    const list = parseAddressList(field)
    const parts = field.split(/[,;]/).map((s) => s.trim()).filter(Boolean)
    if (list.length === 0 || list.length < parts.filter((p) => p.includes('@')).length) {
      throw new Error(`${label}: “${field.trim()}” is not a list of email addresses. Separate addresses with commas.`)
    }
    for (const a of list) {
      if (!EmailAddress.safeParse(a.address).success) throw new Error(`${label}: “${a.address || a.name}” is not an email address.`)
    }
    return list.map((a) => ({ name: a.name, address: a.address }))
  }

  function build() {
    const me = useSessionStore().email
    const toList = recipients(to.value, 'To')
    const ccList = recipients(cc.value, 'Cc')
    const bccList = recipients(bcc.value, 'Bcc')
    const ready = attachments.value.filter((a) => a.state === 'ready' && a.bytes)
    const totalSize = ready.reduce((n, a) => n + a.size, 0)
    if (totalSize > MAX_ATTACHMENTS) throw new Error(`Attachments total ${(totalSize / 1048576).toFixed(1)} MB; the limit is ${MAX_ATTACHMENTS / 1048576} MB.`)
    const built = buildMessage({
      from: { name: '', address: me },
      to: toList,
      cc: ccList,
      subject: subject.value,
      text: body.value,
      attachments: ready.map((a) => ({ filename: a.filename, mimeType: a.mimeType, bytes: a.bytes! })),
      inReplyTo: inReplyTo.value,
      references: references.value,
    })
    return { built, envelopeTo: [...toList, ...ccList, ...bccList].map((a) => a.address), me }
  }

  async function dropOldDraft() {
    const d = draft.value
    if (!d) return
    draft.value = null
    try {
      await bridge.deleteMessages(d.mailbox, [d.uid])
    } catch {}
  }

  async function send(): Promise<boolean> {
    error.value = ''
    try {
      const { built, envelopeTo, me } = build()
      if (envelopeTo.length === 0) throw new Error('Add at least one recipient in To, Cc or Bcc.')
      status.value = 'sending'
      progress.value = 0
      await bridge.sendMessage(built.raw, { from: me, to: [...new Set(envelopeTo)] }, (s, t) => (progress.value = t ? s / t : 0))
      await dropOldDraft()
      status.value = 'sent'
      isOpen.value = false
      void useMailboxesStore().refresh()
      void useMessagesStore().refresh()
      return true
    } catch (e) {
      status.value = 'error'
      error.value = `Not sent: ${errorText(e)}`
      return false
    }
  }

  async function saveDraft(): Promise<boolean> {
    error.value = ''
    const drafts = useMailboxesStore().byRole('drafts')
    if (!drafts) {
      status.value = 'error'
      error.value = 'There is no Drafts folder on this account, so the draft cannot be saved.'
      return false
    }
    try {
      const { built } = build()
      status.value = 'saving'
      progress.value = 0
      const res = await bridge.appendMessage(drafts.path, built.raw, ['\\Draft', '\\Seen'], (s, t) => (progress.value = t ? s / t : 0))
      await dropOldDraft()
      if (res.uid) draft.value = { mailbox: res.mailbox, uid: res.uid }
      status.value = 'saved'
      void useMailboxesStore().refresh()
      if (useMessagesStore().mailbox === drafts.path) void useMessagesStore().refresh()
      return true
    } catch (e) {
      status.value = 'error'
      error.value = `Draft not saved: ${errorText(e)}`
      return false
    }
  }

  function close() {
    isOpen.value = false
  }

  return {
    isOpen, mode, to, cc, bcc, subject, body, attachments, status, error, progress, busy, draft,
    openNew, fromView, openDraft, addFiles, removeAttachment, send, saveDraft, close,
  }
})
