/**
 * The compose window: fields, attachments (read with progress), Sign / Encrypt, and the
 * two ways out — Send and Save draft.
 *
 * Send: build the MIME draft (compose/build.ts) → when Sign or Encrypt, seal it in the
 * crypto worker (sealSecurely: identity for From, each recipient's certificate, GCM when
 * all announced it) → send EXACTLY those bytes (the bridge files the same bytes in Sent;
 * the sender is always a recipient, so the Sent copy opens). Encrypt with recipients that
 * have no certificate stops at the "Missing certificates" choice; nothing is sent until the
 * user picks. A send that fails after sealing goes to the Outbox (stores/outbox.ts) with Retry.
 * Save draft: sealed to yourself when Encrypt is on, APPENDed to Drafts, and kept locally.
 *
 * The organisation's policy (compose/policy.ts) applies as the user types: a required
 * Sign / Encrypt is on and locked (signOn / encryptOn are what sealing uses); a required
 * encryption that cannot be done blocks Send (policy.blocked) and the Missing
 * certificates dialog then offers no "Send unencrypted".
 */
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { EmailAddress } from '../../contract'
import { parseAddressList } from '../../core/mime/headers'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { buildMessage, type MailboxAddress } from '../compose/build'
import { applyPolicy, blockedText } from '../compose/policy'
import { openMessage, openUnwrapped } from '../mail/open'
import { addressesIn, defaultEncrypt, defaultSign, encryptFor, looksEncrypted } from '../mail/outgoing'
import { router } from '../router'
import { saveDraft as saveLocalDraft } from '../storage/drafts'
import { listIdentities } from '../storage/identities'
import { getSettings } from '../storage/settings'
import { useContactsStore } from './contacts'
import { directoryCertificates } from './directory'
import { identityForAddress } from './identities'
import { openSecurely, sealSecurely } from './keystore'
import { checkSealedSize } from '../../core/message/limits'
import { useReaderStore } from './reader'
import { REWRAPPED_QUOTE_NOTE, forwardBody, forwardSubject, replyBody, replyRecipients, replyReferences, replySubject } from '../mail/quote'
import { foreignCiphertextSigner } from '../mail/security'
import { toMessageView, type AddressView, type MessageView } from '../mail/view'
import { useMailboxesStore } from './mailboxes'
import { useMessagesStore } from './messages'
import { useAnnouncerStore } from './announcer'
import { useOutboxStore } from './outbox'
import { usePolicyStore } from './policy'
import { useSessionStore } from './session'
import { formatNumber } from '../format'
import { t } from '../i18n'

export type ComposeMode = 'new' | 'reply' | 'reply-all' | 'forward' | 'draft'
export type ComposeStatus = 'idle' | 'sealing' | 'sending' | 'saving' | 'sent' | 'saved' | 'error'

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

/** Why a message is too large, and about how much to remove (attachment bytes grow ×1.37 in a draft, ×1.87 encrypted). */
function tooBigText(actual: number, limit: number, encrypted: boolean): string {
  const mb = (n: number) => (n / 1048576).toFixed(1)
  const growth = encrypted ? 1.87 : 1.37
  return `the message would be about ${mb(actual)} MB${encrypted ? ' once encrypted' : ''}, and mail servers take at most ${mb(limit)} MB. Remove about ${mb((actual - limit) / growth + 1)} MB of attachments${encrypted ? ' (encryption makes a message nearly twice the size of its attachments)' : ''}.`
}

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
  /** Sign / Encrypt checkboxes; "touched" once the user (or a reply to encrypted mail) set them. */
  const sign = ref(false)
  const encrypt = ref(false)
  const encryptTouched = ref(false)
  /**
   * "Protect subject" (issue 13, RFC 9788): with Encrypt on, the Subject reads "[...]"
   * outside. Starts from the Security setting, unless the user (or a reply to mail whose
   * subject was protected) set it.
   */
  const protectSubject = ref(true)
  let protectSubjectTouched = false
  const hasIdentity = ref(false)
  let defaults = { signAll: false, encryptWhenPossible: false, hasIdentity: false }
  /** Recipient address → Cachet has a usable certificate for it (the chips). */
  const certificates = ref<Record<string, boolean>>({})
  /** Recipients whose certificate comes from the organisation's directory (none in Contacts). */
  const fromDirectory = ref<Record<string, boolean>>({})
  /** Recipients with no personal certificate whose mail goes encrypted to their domain's gateway: address → domain. */
  const viaGateway = ref<Record<string, string>>({})
  /** Set → the "Missing certificates" dialog names these recipients. */
  const missing = ref<string[] | null>(null)
  /** Sealing progress 0..1 (large attachments), from the engine's cumulative reports. */
  const sealProgress = ref(0)
  /** What sealing is doing now (the engine's phase: preparing, signing, encrypting, encoding). */
  const sealPhase = ref('')
  /** This compose's local copy in IndexedDB (drafts store). */
  const localDraftId = ref<string | null>(null)
  /** A draft that could not be reopened (e.g. encrypted and the key store stayed locked). */
  const outboxError = ref('')
  /** Failed sends and drafts kept on this device. */
  const kept = useOutboxStore()
  let nextId = 1

  const busy = computed(() => status.value === 'sending' || status.value === 'saving' || status.value === 'sealing' || attachments.value.some((a) => a.state === 'reading'))
  const recipientList = computed(() => addressesIn([to.value, cc.value, bcc.value]))

  /** The organisation's rules applied to what is being written (recomputed as the user types). */
  const policy = computed(() =>
    applyPolicy(
      usePolicyStore().effective,
      { subject: subject.value, recipients: recipientList.value, body: body.value, hasAttachments: attachments.value.length > 0 },
      certificates.value,
    ),
  )
  /** What sealing uses: the checkbox, or the policy's requirement. */
  const signOn = computed(() => sign.value || policy.value.signRequiredBy !== null)
  const encryptOn = computed(() => encrypt.value || policy.value.encryptRequiredBy !== null)
  // A rule that turns Sign on does so when it starts to apply (the user may untick it after).
  watch(
    () => policy.value.signSuggestedBy,
    (rule) => {
      if (rule) sign.value = true
    },
  )
  // encryptWhenPossible: on as soon as every recipient has a certificate, unless the user chose.
  watch(
    () => [policy.value.encryptSuggestedBy, certificates.value] as const,
    ([rule]) => {
      const list = recipientList.value
      if (rule && !encryptTouched.value && list.length && list.every((e) => certificates.value[e] === true)) encrypt.value = true
    },
  )

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
    missing.value = null
    sealProgress.value = 0
    sealPhase.value = ''
    localDraftId.value = null
    encryptTouched.value = false
    sign.value = false
    encrypt.value = false
    protectSubject.value = true
    protectSubjectTouched = false
    void loadDefaults()
  }

  /** Settings and whether an identity exists for From: the checkboxes' defaults. */
  async function loadDefaults(): Promise<void> {
    const me = useSessionStore().email
    const [settings, ids] = await Promise.all([getSettings(), listIdentities()])
    hasIdentity.value = Boolean(identityForAddress(ids, me))
    defaults = { signAll: settings.signAll, encryptWhenPossible: settings.encryptWhenPossible, hasIdentity: hasIdentity.value }
    sign.value = defaultSign(defaults)
    if (!protectSubjectTouched) protectSubject.value = settings.protectSubject
    await checkCertificates()
  }

  /** Mark each recipient by whether a usable certificate exists; re-derive the Encrypt default. */
  let checkSeq = 0
  async function checkCertificates(): Promise<void> {
    const my = ++checkSeq
    const contacts = useContactsStore()
    const list = recipientList.value
    const me = useSessionStore().email.toLowerCase()
    const next: Record<string, boolean> = {}
    for (const e of list) next[e] = e === me ? hasIdentity.value : Boolean(await contacts.certificateFor(e).catch(() => null))
    // Everyone else is looked up in the directory (cached for the session): a usable
    // certificate there means Cachet encrypts without asking.
    const lookUp = list.filter((e) => !next[e] && e !== me)
    const dir: Record<string, boolean> = {}
    if (lookUp.length) {
      const answers = await directoryCertificates(lookUp)
      for (const e of lookUp) {
        const a = answers.get(e)
        if (a?.state === 'found' && a.certificates.some((c) => c.usable)) next[e] = dir[e] = true
      }
    }
    // No personal certificate at all: the domain's accepted mail gateway stands in.
    const gateways: Record<string, string> = {}
    for (const e of list.filter((x) => !next[x] && x !== me)) {
      const g = await contacts.gatewayFor(e).catch(() => null)
      if (g?.gatewayFor) {
        gateways[e] = g.gatewayFor
        next[e] = true
      }
    }
    if (my !== checkSeq) return // the fields changed meanwhile; a newer check decides
    certificates.value = next
    fromDirectory.value = dir
    viaGateway.value = gateways
    if (!encryptTouched.value) encrypt.value = defaultEncrypt(defaults, list, next)
  }

  function setProtectSubject(on: boolean) {
    protectSubject.value = on
    protectSubjectTouched = true
  }

  function setEncrypt(on: boolean) {
    encrypt.value = on
    encryptTouched.value = true
  }

  function openNew() {
    reset('new')
    isOpen.value = true
  }

  function fromView(v: MessageView, m: 'reply' | 'reply-all' | 'forward') {
    reset(m)
    const me = useSessionStore().email
    const rep = useReaderStore().report
    // Decrypted content signed by someone who was not among its recipients (issue 3, reply
    // oracles): maybe someone else's message re-signed to have it quoted back. Not quoted,
    // not forwarded (attachments included); a note says why.
    const omit = rep && foreignCiphertextSigner(rep) !== null ? REWRAPPED_QUOTE_NOTE : undefined
    if (m === 'forward') {
      subject.value = forwardSubject(v.subject)
      body.value = forwardBody(v, { omit })
      if (omit === undefined) attachments.value = v.attachments
        .filter((a) => !a.inline)
        .map((a) => ({ id: nextId++, filename: a.filename, mimeType: a.mimeType, size: a.size, bytes: a.bytes, progress: 1, state: 'ready' as const }))
    } else {
      const r = replyRecipients(v, me, m === 'reply-all')
      to.value = asField(r.to)
      cc.value = asField(r.cc)
      subject.value = replySubject(v.subject)
      body.value = replyBody(v, { omit })
      inReplyTo.value = v.messageId
      references.value = replyReferences(v)
    }
    // A reply to (or forward of) encrypted mail starts with Encrypt on: what was private stays so.
    if (rep && rep.layers.some((l) => l.kind !== 'signed')) setEncrypt(true)
    // A subject that was protected stays protected in the reply or forward (v.subject is already the protected one).
    if (rep?.protectedHeaders?.hidden.includes('subject')) setProtectSubject(true)
    isOpen.value = true
  }

  /**
   * Fill the compose window from a draft's bytes (Drafts folder or this device). Shared
   * by both ways of reopening so they restore the same fields, In-Reply-To included.
   * Returns false (with the reason shown) when the draft cannot be opened.
   */
  async function loadDraft(raw: Uint8Array): Promise<boolean> {
    outboxError.value = ''
    let opened: Awaited<ReturnType<typeof draftView>>
    try {
      opened = await draftView(raw)
    } catch (e) {
      outboxError.value = t('compose.errors.draftNotOpened', { error: errorText(e) })
      return false
    }
    const { v, encrypted, subjectProtected } = opened
    reset('draft')
    if (encrypted) setEncrypt(true)
    if (subjectProtected !== undefined) setProtectSubject(subjectProtected)
    to.value = asField(v.to)
    cc.value = asField(v.cc)
    subject.value = v.subject
    body.value = v.text
    inReplyTo.value = null
    references.value = v.references
    const irt = /^in-reply-to:\s*(<[^>]+>)/im.exec(new TextDecoder('latin1').decode(raw.subarray(0, 64 * 1024)))
    if (irt) inReplyTo.value = irt[1]!
    attachments.value = v.attachments.map((a) => ({ id: nextId++, filename: a.filename, mimeType: a.mimeType, size: a.size, bytes: a.bytes, progress: 1, state: 'ready' as const }))
    return true
  }

  /** Reopen a saved draft (raw bytes from Drafts) into the compose window. */
  async function openDraft(mailbox: string, uid: number, raw: Uint8Array) {
    if (!(await loadDraft(raw))) return
    draft.value = { mailbox, uid }
    isOpen.value = true
  }

  /** A draft's fields: encrypted drafts (sealed to ourselves) are opened by the engine first. */
  async function draftView(raw: Uint8Array): Promise<{ v: MessageView; encrypted: boolean; subjectProtected?: boolean }> {
    if (looksEncrypted(raw)) {
      const r = await openSecurely(raw)
      if (r.kind === 'opened' && r.report.verdict.encryption === 'decrypted') {
        const hp = r.report.protectedHeaders
        return { v: toMessageView(await openUnwrapped(raw, r.inner, hp)), encrypted: true, subjectProtected: hp?.hidden.includes('subject') ?? false }
      }
      throw new Error(t('compose.errors.draftLocked'))
    }
    return { v: toMessageView(await openMessage(raw)), encrypted: false }
  }

  /** Reopen a draft kept on this device (after a reload). */
  async function openLocalDraft(id: string) {
    const rec = kept.drafts.find((d) => d.id === id)
    if (!rec) return
    if (!(await loadDraft(rec.raw))) return
    localDraftId.value = rec.id
    if (rec.serverUid !== null) {
      const drafts = useMailboxesStore().byRole('drafts')
      if (drafts) draft.value = { mailbox: drafts.path, uid: rec.serverUid }
    }
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
        item.error = t('compose.errors.unreadable', { name: file.name })
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
      throw new Error(t('compose.errors.notAList', { field: label, value: field.trim() }))
    }
    for (const a of list) {
      if (!EmailAddress.safeParse(a.address).success) throw new Error(t('compose.errors.notAnAddress', { field: label, value: a.address || a.name }))
    }
    return list.map((a) => ({ name: a.name, address: a.address }))
  }

  function build() {
    const me = useSessionStore().email
    const toList = recipients(to.value, t('compose.to'))
    const ccList = recipients(cc.value, t('compose.cc'))
    const bccList = recipients(bcc.value, t('compose.bcc'))
    const ready = attachments.value.filter((a) => a.state === 'ready' && a.bytes)
    const totalSize = ready.reduce((n, a) => n + a.size, 0)
    if (totalSize > MAX_ATTACHMENTS) throw new Error(t('compose.errors.tooLarge', { size: formatNumber(Number((totalSize / 1048576).toFixed(1)), undefined, 1), limit: formatNumber(MAX_ATTACHMENTS / 1048576) }))
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

  function startSealing() {
    status.value = 'sealing'
    sealProgress.value = 0
    sealPhase.value = ''
  }

  function onSealProgress(p: { phase: string; done: number; total: number }) {
    sealPhase.value = p.phase
    sealProgress.value = p.total ? p.done / p.total : 0
  }

  /**
   * Seal the built draft when Sign or Encrypt is on. Returns the bytes to send, or null
   * when the user has to act first (missing certificates: the dialog; no identity; locked).
   */
  async function seal(raw: Uint8Array, me: string, envelopeTo: string[], encryptNow: boolean): Promise<Uint8Array | null> {
    // Refused here, in MB and with the reason, rather than sealed and then stranded in the
    // Outbox by the server's limit (core/message/limits.ts).
    const tooBig = checkSealedSize(raw.length, { sign: signOn.value, encrypt: encryptNow, recipients: envelopeTo.length + 1 })
    if (tooBig) throw new Error(tooBigText(tooBig.actual, tooBig.limit, encryptNow))
    if (!signOn.value && !encryptNow) return raw
    startSealing()
    const r = await sealSecurely(raw, {
      from: me,
      sign: signOn.value,
      encrypt: encryptNow,
      recipients: encryptFor(envelopeTo.map((e) => e.toLowerCase()), me),
      protectSubject: encryptNow && protectSubject.value,
      onProgress: onSealProgress,
    })
    sealProgress.value = 1
    if (r.kind === 'sealed') return r.raw
    status.value = 'idle'
    if (r.kind === 'missing-certificates') missing.value = r.emails
    else if (r.kind === 'no-identity') throw new Error(`there is no certificate and key for ${r.from}. Import your PFX under Security, or untick Sign and Encrypt.`)
    else throw new Error('your key store is still locked. Unlock it to sign, or untick Sign.')
    return null
  }

  /**
   * Send. `choice` answers the "Missing certificates" dialog: 'unencrypted' sends without
   * encryption (still signed if Sign is on). Nothing is sent while that dialog is open.
   */
  async function send(choice?: 'unencrypted'): Promise<boolean> {
    error.value = ''
    missing.value = null
    let sealed: Uint8Array | null
    let envelope: { from: string; to: string[] }
    try {
      const { built, envelopeTo, me } = build()
      if (envelopeTo.length === 0) throw new Error(t('compose.errors.noRecipient'))
      envelope = { from: me, to: [...new Set(envelopeTo)] }
      // Never in clear when a rule requires encryption: neither blocked nor "unencrypted".
      if (policy.value.blocked) throw new Error(blockedText(policy.value.blocked))
      if (choice === 'unencrypted') {
        if (policy.value.encryptRequiredBy) throw new Error(t('compose.errors.mustEncrypt', { rule: policy.value.encryptRequiredBy }))
        setEncrypt(false)
      }
      sealed = await seal(built.raw, me, envelopeTo, encryptOn.value)
      if (!sealed) return false
    } catch (e) {
      status.value = 'error'
      error.value = t('compose.errors.notSent', { error: errorText(e) })
      return false
    }
    status.value = 'sending'
    progress.value = 0
    // Kept before it leaves: a session that ends or a page that closes mid-send loses nothing.
    const outboxId = await kept.begin({ raw: sealed, envelope, subject: subject.value })
    let sent
    try {
      sent = await bridge.sendMessage(sealed, envelope, (s, t) => (progress.value = t ? s / t : 0))
    } catch (e) {
      // The exact bytes (already sealed) wait in the Outbox; the list shows them with Retry.
      if (outboxId) await kept.settle(outboxId, { kind: 'not-sent', reason: errorText(e) }).catch(() => {})
      else await kept.keep({ raw: sealed, envelope, subject: subject.value, error: errorText(e) })
      await dropLocalDraft()
      status.value = 'error'
      error.value = t('compose.errors.notSentKept', { error: errorText(e) })
      useAnnouncerStore().say(error.value, 'assertive')
      isOpen.value = false
      return false
    }
    // It went out. Without its copy in Sent it stays in the Outbox, whose Retry only saves the copy.
    if (outboxId) {
      await kept.settle(outboxId, sent.sentCopyError ? { kind: 'copy-missing', reason: sent.sentCopyError.message } : { kind: 'sent' }).catch(() => {})
    }
    await dropOldDraft()
    await dropLocalDraft()
    status.value = 'sent'
    useAnnouncerStore().say(t(sent.sentCopyError ? 'announce.sentNoCopy' : 'announce.sent'))
    isOpen.value = false
    void useMailboxesStore().refresh()
    void useMessagesStore().refresh()
    return true
  }

  /** "Import certificate" in the Missing certificates dialog: to Contacts, the draft kept open. */
  async function importMissing(): Promise<void> {
    missing.value = null
    await router.push({ name: 'contacts' })
  }

  async function dropLocalDraft() {
    const id = localDraftId.value
    localDraftId.value = null
    await kept.dropDraft(id)
  }

  /**
   * Save draft: with Encrypt on, the draft is sealed to yourself only (no signature, no
   * key needed) before it leaves the browser; the same bytes are kept in IndexedDB so a
   * reload loses nothing.
   */
  async function saveDraft(): Promise<boolean> {
    error.value = ''
    const drafts = useMailboxesStore().byRole('drafts')
    if (!drafts) {
      status.value = 'error'
      error.value = t('compose.errors.noDrafts')
      return false
    }
    try {
      const { built, me } = build()
      let raw = built.raw
      const tooBig = checkSealedSize(raw.length, { sign: false, encrypt: encryptOn.value })
      if (tooBig) throw new Error(tooBigText(tooBig.actual, tooBig.limit, encryptOn.value))
      if (encryptOn.value) {
        startSealing()
        const r = await sealSecurely(raw, { from: me, sign: false, encrypt: true, recipients: [], onProgress: onSealProgress })
        if (r.kind !== 'sealed') throw new Error(r.kind === 'no-identity' ? `an encrypted draft needs your certificate for ${me}; import your PFX under Security, or untick Encrypt.` : 'it could not be encrypted.')
        raw = r.raw
      }
      localDraftId.value = await saveLocalDraft({
        ...(localDraftId.value ? { id: localDraftId.value } : {}),
        raw,
        encrypted: encryptOn.value,
        subject: subject.value,
        serverUid: null,
      })
      status.value = 'saving'
      progress.value = 0
      const res = await bridge.appendMessage(drafts.path, raw, ['\\Draft', '\\Seen'], (s, t) => (progress.value = t ? s / t : 0))
      await dropOldDraft()
      if (res.uid) {
        draft.value = { mailbox: res.mailbox, uid: res.uid }
        await saveLocalDraft({ id: localDraftId.value, raw, encrypted: encryptOn.value, subject: subject.value, serverUid: res.uid })
      }
      await kept.refresh()
      status.value = 'saved'
      void useMailboxesStore().refresh()
      if (useMessagesStore().mailbox === drafts.path) void useMessagesStore().refresh()
      return true
    } catch (e) {
      status.value = 'error'
      error.value = t(localDraftId.value ? 'compose.errors.draftNotSavedKept' : 'compose.errors.draftNotSaved', { error: errorText(e) })
      await kept.refresh().catch(() => {})
      return false
    }
  }

  function close() {
    isOpen.value = false
  }

  return {
    isOpen, mode, to, cc, bcc, subject, body, attachments, status, error, progress, busy, draft,
    sign, encrypt, signOn, encryptOn, protectSubject, policy, hasIdentity, certificates, fromDirectory, viaGateway, missing, sealProgress, sealPhase, recipientList, outboxError, localDraftId,
    openNew, fromView, openDraft, openLocalDraft, addFiles, removeAttachment, send, saveDraft, close,
    setEncrypt, setProtectSubject, checkCertificates, importMissing,
  }
})
