/**
 * The key store as the page sees it: locked or unlocked, idle minutes, "remember on this
 * device", and the security settings (sign all, encrypt when possible, auto-collect).
 * Passphrases go from here to the worker and nowhere else; nothing secret comes back.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { DEFAULT_SETTINGS, type Settings } from '../storage/db'
import { getSettings, updateSettings } from '../storage/settings'
import { cryptoWorker, type KeystoreStatus, type SealRequest } from '../workers/client'
import type { ForwardedMessage } from '../../core/message/forwarded'
import type { SecurityReport } from '../../core/message/report'
import { listCertificates } from '../storage/certificates'
import { listIdentities } from '../storage/identities'
import { encryptionCertificateFor, gatewayCertificateFor, useContactsStore, type CertificateCheck, type CertificateRecord, type SignerToAdd } from './contacts'
import { validateCertificate } from '../pki'
import { directoryEncryptionCertificates } from './directory'
import { identityForAddress } from './identities'
import { refreshOcsp } from './ocsp'
import { certificatesInReport, keyringForOpen, refreshCrls } from './trust'

export const useKeystoreStore = defineStore('keystore', () => {
  const status = ref<KeystoreStatus | null>(null)
  const settings = ref<Settings>({ ...DEFAULT_SETTINGS })
  const loaded = ref(false)
  /** Set while some screen waits for the user to unlock (the UnlockDialog shows then). */
  const unlockRequested = ref(false)
  let waiters: ((ok: boolean) => void)[] = []
  let unsubscribe: (() => void) | null = null

  async function init(): Promise<void> {
    if (!unsubscribe) unsubscribe = cryptoWorker().onStatus((s) => (status.value = s))
    const [s, st] = await Promise.all([getSettings(), cryptoWorker().call('status', {})])
    settings.value = s
    status.value = st
    loaded.value = true
  }

  async function unlock(passphrase: string): Promise<void> {
    status.value = await cryptoWorker().call('unlock', { passphrase })
    unlockRequested.value = false
    for (const w of waiters) w(true)
    waiters = []
  }

  async function lock(): Promise<void> {
    status.value = await cryptoWorker().call('lock', {})
  }

  /**
   * Ask the user to unlock (shows the UnlockDialog wherever it is mounted); resolves true
   * once unlocked, false if the user cancelled. The reading pane calls this on 'key-locked'.
   */
  function requestUnlock(): Promise<boolean> {
    // Callers ask after the worker answered 'key-locked', so a possibly stale status here
    // must not short-cut the prompt.
    unlockRequested.value = true
    return new Promise((resolve) => waiters.push(resolve))
  }

  function cancelUnlock(): void {
    unlockRequested.value = false
    for (const w of waiters) w(false)
    waiters = []
  }

  async function setIdleMinutes(minutes: number): Promise<void> {
    status.value = await cryptoWorker().call('configure', { idleMinutes: minutes })
    settings.value = await updateSettings({ lockIdleMinutes: status.value.idleMinutes })
  }

  async function setRemember(remember: boolean, passphrase?: string): Promise<void> {
    status.value = await cryptoWorker().call('setRemember', { remember, ...(passphrase !== undefined ? { passphrase } : {}) })
    settings.value = await updateSettings({ rememberOnDevice: remember })
  }

  async function update(patch: Partial<Pick<Settings, 'signAll' | 'encryptWhenPossible' | 'autoCollectCertificates'>>): Promise<void> {
    settings.value = await updateSettings(patch)
  }

  async function refresh(): Promise<void> {
    status.value = await cryptoWorker().call('status', {})
  }

  return {
    status,
    settings,
    loaded,
    unlockRequested,
    init,
    refresh,
    unlock,
    lock,
    requestUnlock,
    cancelUnlock,
    setIdleMinutes,
    setRemember,
    update,
  }
})

/* ------------------------------------------------------------------------------------
 * One-call entry points for the reading pane and compose. They assemble the keyring,
 * run the worker, ask for the passphrase when a key is locked (through the store's
 * requestUnlock, i.e. the UnlockDialog) and retry, so callers handle only outcomes.
 * ---------------------------------------------------------------------------------- */

export type SecureOpenOutcome =
  | {
      kind: 'opened'
      report: SecurityReport
      inner: Uint8Array
      /** Signers whose certificate is not in Contacts (offer "Add to contacts"); non-empty
       *  `replacesKnown` = the sender's certificate changed: say so. */
      signersToAdd: SignerToAdd[]
      /** The message's bytes (with `transfer`, the caller's own were moved away: use these). */
      raw: Uint8Array
      /** Forwarded messages' bytes, in the order of report.forwarded (core forwarded.ts). */
      forwarded: ForwardedMessage[]
    }
  /** The user cancelled the unlock prompt: show the report (it names the recipients). */
  | { kind: 'key-locked'; report: SecurityReport; identityIds: string[]; raw: Uint8Array }

/** The report and, depth first, the report of every message forwarded in it (core report.forwarded). */
function withForwarded(report: SecurityReport): SecurityReport[] {
  return [report, ...(report.forwarded ?? []).flatMap((f) => withForwarded(f.report))]
}

/** A buffer that can move to the worker as it is (a view of all of it): moving part of a larger one would take the rest along. */
function movable(b: Uint8Array): b is Uint8Array<ArrayBuffer> {
  return b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength
}

/**
 * Open a raw message with everything Cachet knows: unlocked identities (in the worker),
 * trust anchors, contacts' certificates, cached CRLs. Fetches CRLs the signers name when
 * their revocation is unknown and opens again with them; stores signers' certificates when
 * the auto-collect setting is on.
 *
 * `transfer`: move the bytes to the worker instead of copying them (a 25 MB message: its
 * size in memory and tens of ms, issue #5). The caller's `raw` is then emptied (detached);
 * the worker hands the bytes back with every answer, so retries (after unlocking, with
 * fresh CRLs) move them again, and the outcome's `raw` holds them at the end.
 *
 * `allowWeakCiphers`: only on the user's explicit "Read as unprotected text" (issue 16):
 * content under 40-bit RC2 or single DES is then read instead of refused.
 */
export async function openSecurely(
  raw: Uint8Array,
  opts: { promptUnlock?: boolean; transfer?: boolean; allowWeakCiphers?: boolean; index?: { mailbox: string; uid: number } } = {},
): Promise<SecureOpenOutcome> {
  const keystore = useKeystoreStore()
  let keyring = await keyringForOpen()
  let bytes = raw
  // A failed call hands the bytes back too (WorkerError.returned), for the caller's plain display.
  const open = async (kr: typeof keyring, mayMove = true) => {
    const move = mayMove && opts.transfer === true && movable(bytes)
    const args = { raw: bytes, keyring: kr, ...(opts.allowWeakCiphers ? { allowWeakCiphers: true } : {}), ...(opts.index ? { index: opts.index } : {}) }
    const r = await cryptoWorker().call('open', args, move ? { transfer: [bytes.buffer as ArrayBuffer] } : {})
    if (move) bytes = r.raw
    return r
  }
  let r = await open(keyring)
  if (r.kind === 'key-locked' && opts.promptUnlock !== false) {
    if (await keystore.requestUnlock()) r = await open(keyring)
  }
  if (r.kind === 'key-locked') return { ...r, raw: bytes }
  // A forwarded message's signers count too (issue 16): its own summary must not say "verified" for want of a CRL.
  const unknownRevocation = () => withForwarded(r.report).some((rep) => rep.layers.some((l) => l.kind === 'signed' && l.signers.some((s) => s.revocation === 'unknown')))
  const certs = withForwarded(r.report).flatMap(certificatesInReport)
  // OCSP first (issue 11, as Thunderbird), then CRLs for what is still unknown. Each reopens
  // only when something new arrived. Copied, not moved: `r.inner` may be a view of these
  // bytes (a message only signed).
  if (certs.length) {
    const { fetched } = await refreshOcsp(certs, keyring).catch(() => ({ fetched: 0 }))
    if (fetched > 0) {
      keyring = await keyringForOpen()
      const again = await open(keyring, false)
      if (again.kind === 'opened') r = again
    }
  }
  if (certs.length && r.kind === 'opened' && unknownRevocation()) {
    const { fetched } = await refreshCrls(certs).catch(() => ({ fetched: 0 }))
    if (fetched > 0) {
      keyring = await keyringForOpen()
      const again = await open(keyring, false)
      if (again.kind === 'opened') r = again
    }
  }
  const contacts = useContactsStore()
  await contacts.collectFromSignedMail(r.report).catch(() => null)
  const signersToAdd = await contacts.signersToAdd(r.report).catch(() => [])
  return { kind: 'opened', report: r.report, inner: r.inner ?? new Uint8Array(0), signersToAdd, raw: bytes, forwarded: r.forwarded }
}

export interface SecureSealRequest {
  /** The From address: picks the identity (default for it, else one carrying it). */
  from: string
  sign: boolean
  encrypt: boolean
  /** Every recipient address (To, Cc, Bcc). */
  recipients: string[]
  /** Encrypting: obscure the Subject outside ("Protect subject", RFC 9788). */
  protectSubject?: boolean
  onProgress?: (p: { phase: string; done: number; total: number }) => void
}

export type SecureSealOutcome =
  | { kind: 'sealed'; raw: Uint8Array; cipher: SealRequest['cipher'] | null }
  /** Encrypt was asked but these recipients have no usable certificate (the "Missing certificates" dialog). */
  | { kind: 'missing-certificates'; emails: string[] }
  /** No identity for the From address (import a PFX on the Security page). */
  | { kind: 'no-identity'; from: string }
  /** The user cancelled the unlock prompt. */
  | { kind: 'key-locked' }

/**
 * Seal a draft for sending: finds the identity for From and each recipient's certificate,
 * picks AES-256-GCM when every recipient announced it (SMIMECapabilities) and CBC
 * otherwise, and asks for the passphrase if the signing key is locked.
 */
export async function sealSecurely(draftRaw: Uint8Array, req: SecureSealRequest): Promise<SecureSealOutcome> {
  const identity = identityForAddress(await listIdentities(), req.from)
  if (!identity) return { kind: 'no-identity', from: req.from }
  let recipients: Uint8Array[] = []
  let cipher: SealRequest['cipher'] | null = null
  // RSAES-OAEP (RFC 8017) when every recipient announced it in SMIMECapabilities (RFC 8551 §2.5.2).
  let oaep = false
  if (req.encrypt) {
    const records = await listCertificates()
    const checks = await revocationChecks(records, req.recipients)
    const fromContacts = req.recipients.map((email) => ({ email, cert: encryptionCertificateFor(records, email, checks) }))
    // Whoever has no usable certificate in Contacts: the directory's usable ones (judged
    // like any other: trusted chain, the address, encryption usage, validity, not revoked).
    const chosen: { email: string; ders: Uint8Array[]; capabilities: string[] | null }[] = []
    for (const c of fromContacts) {
      let ders = c.cert ? [c.cert.der] : await directoryEncryptionCertificates(c.email)
      let capabilities = c.cert?.capabilities ?? null
      // No personal certificate anywhere: the accepted mail gateway of the domain, if any.
      const gateway = ders.length === 0 ? gatewayCertificateFor(records, c.email, checks) : null
      if (gateway) {
        ders = [gateway.der]
        capabilities = gateway.capabilities
      }
      chosen.push({ email: c.email, ders, capabilities })
    }
    const missing = chosen.filter((c) => c.ders.length === 0).map((c) => c.email)
    if (missing.length) return { kind: 'missing-certificates', emails: missing }
    recipients = chosen.flatMap((c) => c.ders)
    // No announced capabilities (a directory certificate) means the conservative choice.
    cipher = chosen.every((c) => c.capabilities?.some((n) => /aes-?256-?gcm/i.test(n))) ? 'aes-256-gcm' : 'aes-256-cbc'
    oaep = chosen.length > 0 && chosen.every((c) => c.capabilities?.some((n) => /rsaes-?oaep/i.test(n)))
  }
  const options: SealRequest = { identityId: identity.id, sign: req.sign, encrypt: req.encrypt, recipients, ...(cipher ? { cipher } : {}), ...(oaep ? { oaep } : {}), ...(req.encrypt && req.protectSubject ? { protectSubject: true } : {}) }
  const call = () => cryptoWorker().call('seal', { draftRaw, options }, req.onProgress ? { onProgress: req.onProgress } : {})
  let r = await call()
  if (r.kind === 'key-locked') {
    if (!(await useKeystoreStore().requestUnlock())) return { kind: 'key-locked' }
    r = await call()
    if (r.kind === 'key-locked') return { kind: 'key-locked' }
  }
  return { kind: 'sealed', raw: r.raw, cipher }
}

/** Revocation of the candidate certificates of these addresses, from the cached CRLs: a revoked one is never encrypted to. */
async function revocationChecks(records: readonly CertificateRecord[], emails: readonly string[]): Promise<Record<string, CertificateCheck>> {
  const wanted = new Set(emails.map((e) => e.trim().toLowerCase()))
  const domains = new Set([...wanted].map((e) => e.split('@').pop()))
  // Gateway certificates of the recipients' domains are checked too (they may stand in).
  const candidates = records.filter((r) => r.emails.some((e) => wanted.has(e)) || (r.gatewayFor !== undefined && domains.has(r.gatewayFor)))
  if (candidates.length === 0) return {}
  const keyring = await keyringForOpen()
  const out: Record<string, CertificateCheck> = {}
  for (const r of candidates) {
    try {
      const v = await validateCertificate(
        r.der,
        { anchors: keyring.trustAnchors, intermediates: keyring.certificates, crls: keyring.crls, purpose: 'email-encryption' },
        globalThis.crypto,
      )
      out[r.sha256] = { status: v.status, reasons: v.reasons, revocation: v.revocation }
    } catch (e) {
      out[r.sha256] = { status: 'error', reasons: [e instanceof Error ? e.message : String(e)], revocation: 'unknown' }
    }
  }
  return out
}
