/**
 * Contacts' certificates: an address book of people (by email) with their certificates,
 * plus the authorities (CA and self-signed roots) the user imported.
 *
 * Certificates arrive by import (.cer .crt .pem .der .p7b .p7c) or from signed mail
 * (`collectFromSignedMail`). A newer certificate for an address is stored NEXT TO the old
 * one, never in its place (issue 3: certificate replacement must be visible).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { SecurityReport, SignerReport } from '../../core/message/report'
import type { CertificateStatus, SignerContinuity } from '../../core/pki'
import { fromBase64 } from '../../core/util/base64'
import { isCoreError } from '../../core/errors'
import type { CertificateRecord, CertificateSource } from '../storage/db'
export type { CertificateRecord }
import { certificatesFor, deleteCertificate, getCertificate, listCertificates, setGateway, upsertCertificate } from '../storage/certificates'
import { getSettings } from '../storage/settings'
import { readCertificates, signerContinuity, summarizeCertificate, validateCertificate } from '../pki'
import { keyringForOpen, refreshCrls } from './trust'
import { t } from '../i18n'

export interface Contact {
  email: string
  /** Newest first (by notBefore). */
  certificates: CertificateRecord[]
}

export interface CertificateCheck {
  status: CertificateStatus | 'error'
  reasons: string[]
  /** From the cached CRLs: 'unknown' when none covers this certificate. */
  revocation: 'good' | 'revoked' | 'unknown'
}

/** Group certificates by address; certificates without an address are authorities. Pure. */
export function groupContacts(records: readonly CertificateRecord[]): { contacts: Contact[]; authorities: CertificateRecord[] } {
  const byEmail = new Map<string, CertificateRecord[]>()
  const authorities: CertificateRecord[] = []
  for (const r of records) {
    if (r.emails.length === 0 || (r.isCA && r.emails.length === 0)) authorities.push(r)
    for (const e of r.emails) {
      const list = byEmail.get(e) ?? []
      list.push(r)
      byEmail.set(e, list)
    }
  }
  const contacts = [...byEmail.entries()]
    .map(([email, certs]) => ({ email, certificates: certs.sort((a, b) => b.notBefore.localeCompare(a.notBefore)) }))
    .sort((a, b) => a.email.localeCompare(b.email))
  authorities.sort((a, b) => a.subject.localeCompare(b.subject))
  return { contacts, authorities }
}

/**
 * The certificate to encrypt to for an address: newest currently valid one that may be
 * used for encryption. `checks` (when known) rules out revoked or otherwise unusable ones. Pure.
 */
export function encryptionCertificateFor(
  records: readonly CertificateRecord[],
  email: string,
  checks: Readonly<Record<string, CertificateCheck>> = {},
  now = new Date(),
): CertificateRecord | null {
  const a = email.trim().toLowerCase()
  const usable = records.filter((r) => r.emails.includes(a) && usableForEncryption(r, checks, now))
  usable.sort((x, y) => y.notBefore.localeCompare(x.notBefore))
  return usable[0] ?? null
}

/** Currently valid, an encryption usage, and not known to be revoked or broken. */
function usableForEncryption(r: CertificateRecord, checks: Readonly<Record<string, CertificateCheck>>, now: Date): boolean {
  const t = now.toISOString()
  if (r.notBefore > t || r.notAfter < t) return false
  if (r.extendedKeyUsage.length > 0 && !r.extendedKeyUsage.some((u) => u === 'emailProtection' || u === 'anyExtendedKeyUsage')) return false
  if (r.keyUsage.length > 0 && !r.keyUsage.some((u) => u === 'keyEncipherment' || u === 'keyAgreement')) return false
  const c = checks[r.sha256]
  return !c || (c.status !== 'revoked' && c.status !== 'error')
}

/**
 * The accepted mail gateway certificate for an address's domain (Open Group gateway
 * profile: a domain certificate), for a recipient with no personal certificate. Pure.
 */
export function gatewayCertificateFor(
  records: readonly CertificateRecord[],
  email: string,
  checks: Readonly<Record<string, CertificateCheck>> = {},
  now = new Date(),
): CertificateRecord | null {
  const domain = email.trim().toLowerCase().split('@').pop() ?? ''
  const usable = records.filter((r) => domain && r.gatewayFor === domain && usableForEncryption(r, checks, now))
  usable.sort((x, y) => y.notBefore.localeCompare(x.notBefore))
  return usable[0] ?? null
}

/**
 * The domains a certificate may be accepted as the gateway for: those it names (the
 * domains of its addresses). A certificate is never a gateway for a domain it does not name.
 */
export function gatewayDomains(r: CertificateRecord): string[] {
  return [...new Set(r.emails.map((e) => e.split('@').pop() ?? '').filter(Boolean))]
}

async function recordFor(der: Uint8Array, source: CertificateSource, capabilities: string[] | null): Promise<CertificateRecord> {
  const s = await summarizeCertificate(der, globalThis.crypto)
  const now = new Date().toISOString()
  return {
    sha256: s.sha256,
    der,
    subject: s.subject,
    issuer: s.issuer,
    serial: s.serial,
    emails: s.emails.map((e) => e.toLowerCase()),
    notBefore: s.notBefore,
    notAfter: s.notAfter,
    selfSigned: s.selfSigned,
    isCA: s.isCA,
    keyAlgorithm: s.keyAlgorithm,
    ...(s.keySize !== undefined ? { keySize: s.keySize } : {}),
    keyUsage: s.keyUsage,
    extendedKeyUsage: s.extendedKeyUsage,
    source,
    firstSeen: now,
    lastSeen: now,
    capabilities,
    capabilitiesSeen: capabilities ? now : null,
  }
}

/** Signers of a report whose certificate the mail carried, with the DER decoded. */
function signersWithCertificates(report: SecurityReport): { signer: SignerReport; der: Uint8Array }[] {
  const out: { signer: SignerReport; der: Uint8Array }[] = []
  for (const l of report.layers) {
    if (l.kind !== 'signed') continue
    for (const s of l.signers) if (s.certificate) out.push({ signer: s, der: fromBase64(s.certificate) })
  }
  return out
}

export interface SignerToAdd {
  signer: SignerReport
  /** SHA-256 of the signer's certificate. */
  sha256: string
  /** Other certificates already stored for the signer's addresses (a changed certificate). */
  replacesKnown: CertificateRecord[]
  /** The address `continuity` is about (signerAddress), or null when the certificate names none. */
  address: string | null
  /**
   * How this certificate continues the ones stored for `address` (issue 9, core/pki
   * continuity.ts): 'changed' (a different key from a different issuer) is said in the
   * security summary; a renewal by the same issuer, or the same key, stays quiet.
   */
  continuity: SignerContinuity
}

/** The signer's address: the From address when its certificate vouches for it, else the certificate's first. */
export function signerAddress(signer: SignerReport): string | null {
  const a = signer.email ?? signer.emails[0]
  return a ? a.toLowerCase() : null
}

/**
 * Signer continuity of a signer's certificate against `stored`, the Contacts certificates
 * (any; only those for the signer's address count). Pure.
 *
 * What "before" means: the certificates in Contacts now. A certificate that is itself in
 * Contacts is 'same': the user accepted it (their "Add to contacts", an import) or it was
 * the first one collected for the address. Auto-collection never stores a new certificate
 * for an address that already has another one (collectFromSignedMail), so collecting it
 * before this comparison cannot hide a change, and every message signed with a changed
 * certificate keeps saying so, on every open, until the user adds it, as SSH keeps
 * warning until known_hosts is updated. After that the warning would only be noise
 * repeated on all of the sender's mail; the old certificate stays stored for the record.
 * Mail signed with an OLD certificate found after a new one was added is quiet for the
 * same reason: that certificate is in Contacts.
 */
export async function continuityOf(
  signer: SignerReport,
  der: Uint8Array,
  stored: readonly CertificateRecord[],
): Promise<{ address: string | null; continuity: SignerContinuity }> {
  const address = signerAddress(signer)
  if (address === null) return { address, continuity: { kind: 'first' } }
  const known = stored.filter((r) => r.emails.includes(address)).map((r) => r.der)
  try {
    return { address, continuity: await signerContinuity(der, known) }
  } catch {
    // An unreadable signer certificate verified nothing: there is no continuity to state.
    return { address, continuity: { kind: 'first' } }
  }
}

/** A SignerToAdd for a signer whose certificate (`record`) is not in Contacts. */
async function signerToAdd(signer: SignerReport, der: Uint8Array, record: CertificateRecord): Promise<SignerToAdd> {
  const address = signerAddress(signer)
  const stored = address !== null ? await certificatesFor(address) : []
  return { signer, sha256: record.sha256, replacesKnown: await otherCertificatesFor(record), ...(await continuityOf(signer, der, stored)) }
}

/** Stored certificates for any of this certificate's addresses, other than itself. */
async function otherCertificatesFor(record: CertificateRecord): Promise<CertificateRecord[]> {
  const seen = new Map<string, CertificateRecord>()
  for (const e of record.emails) for (const c of await certificatesFor(e)) if (c.sha256 !== record.sha256) seen.set(c.sha256, c)
  return [...seen.values()]
}

export interface ImportSummary {
  added: CertificateRecord[]
  known: CertificateRecord[]
  errors: { file: string; message: string }[]
}

export const useContactsStore = defineStore('contacts', () => {
  const records = ref<CertificateRecord[]>([])
  const checks = ref<Record<string, CertificateCheck>>({})
  const state = ref<'idle' | 'loading' | 'done' | 'error'>('idle')

  const grouped = computed(() => groupContacts(records.value))

  async function load(): Promise<void> {
    state.value = 'loading'
    try {
      records.value = await listCertificates()
      state.value = 'done'
    } catch (e) {
      state.value = 'error'
      throw e
    }
    void validateAll().then(refreshRevocation)
  }

  /**
   * Fetch (through the bridge) the CRLs the stored certificates name (those with a trusted
   * chain only: trust.ts refreshCrls), then check again if any arrived, so a revoked
   * certificate is shown as revoked. Failures leave the status as it was (revocation
   * 'unknown'); they are retried later.
   */
  async function refreshRevocation(): Promise<void> {
    try {
      const { fetched } = await refreshCrls(records.value.map((r) => r.der))
      if (fetched > 0) await validateAll()
    } catch {}
  }

  /** After a trust decision: validate again, and fetch the CRLs that a newly trusted chain names. */
  async function recheck(): Promise<void> {
    await validateAll()
    await refreshRevocation()
  }

  /** Validate every stored certificate against the current trust store (for "trusted or not"). */
  async function validateAll(): Promise<void> {
    const keyring = await keyringForOpen()
    const next: Record<string, CertificateCheck> = {}
    for (const r of records.value) {
      try {
        const v = await validateCertificate(
          r.der,
          { anchors: keyring.trustAnchors, intermediates: keyring.certificates, crls: keyring.crls, purpose: 'email-signing' },
          globalThis.crypto,
        )
        next[r.sha256] = { status: v.status, reasons: v.reasons, revocation: v.revocation }
      } catch (e) {
        next[r.sha256] = { status: 'error', reasons: [e instanceof Error ? e.message : String(e)], revocation: 'unknown' }
      }
    }
    checks.value = next
  }

  /** "Add to contacts" for a certificate found in the directory (Contacts → Find certificate). */
  async function addFromDirectory(der: Uint8Array): Promise<{ added: boolean; record: CertificateRecord }> {
    const r = await upsertCertificate(await recordFor(der, 'directory', null))
    await load()
    return r
  }

  /** Import certificate files (several at once; each may hold several certificates). */
  async function importFiles(files: readonly { name: string; bytes: Uint8Array }[]): Promise<ImportSummary> {
    const summary: ImportSummary = { added: [], known: [], errors: [] }
    for (const f of files) {
      let ders: Uint8Array[]
      try {
        ders = await readCertificates(f.bytes)
        if (ders.length === 0) throw new Error('no certificate found')
      } catch (e) {
        const why = isCoreError(e) ? e.message : t('misc.noCertReadable')
        summary.errors.push({ file: f.name, message: t('misc.notCertFile', { file: f.name, why }) })
        continue
      }
      for (const der of ders) {
        try {
          const { added, record } = await upsertCertificate(await recordFor(der, 'import', null))
          ;(added ? summary.added : summary.known).push(record)
        } catch (e) {
          summary.errors.push({ file: f.name, message: t('misc.certUnreadable', { file: f.name, error: e instanceof Error ? e.message : String(e) }) })
        }
      }
    }
    await load()
    return summary
  }

  /**
   * Store the certificates of a signed message's signers. `explicit` is the user's "Add to
   * contacts": any signer whose signature verified is accepted (the user decides whom to
   * trust). Without it (the auto-collect setting) only signers whose status is `valid` are
   * stored, and never a NEW certificate for an address that already has another one: that
   * change is returned in `changed` for the reading pane to show, and needs the user's
   * explicit "Add to contacts" (issue 3, certificate replacement). Known certificates get
   * lastSeen and SMIMECapabilities refreshed either way. `only` limits it to the signer
   * whose certificate has that SHA-256 (the "Add to contacts" button of one signer).
   */
  async function collectFromSignedMail(
    report: SecurityReport,
    opts: { explicit?: boolean; only?: string } = {},
  ): Promise<{ added: CertificateRecord[]; updated: CertificateRecord[]; changed: SignerToAdd[] }> {
    const out = { added: [] as CertificateRecord[], updated: [] as CertificateRecord[], changed: [] as SignerToAdd[] }
    const auto = !opts.explicit
    if (auto && !(await getSettings()).autoCollectCertificates) return out
    for (const { signer, der } of signersWithCertificates(report)) {
      const ok = auto ? signer.status === 'valid' : signer.status !== 'invalid' && signer.status !== 'revoked'
      if (!ok) continue
      const record = await recordFor(der, 'mail', signer.capabilities.length > 0 ? signer.capabilities : null)
      if (opts.only !== undefined && record.sha256 !== opts.only) continue
      if (auto && !(await getCertificate(record.sha256))) {
        const others = await otherCertificatesFor(record)
        if (others.length > 0) {
          out.changed.push(await signerToAdd(signer, der, record))
          continue
        }
      }
      const r = await upsertCertificate(record)
      ;(r.added ? out.added : out.updated).push(r.record)
    }
    if (out.added.length + out.updated.length > 0) await load()
    return out
  }

  /**
   * Signers of a report not yet in the address book (the reading pane offers "Add to
   * contacts"), each with the certificates already stored for its addresses: non-empty
   * `replacesKnown` means the sender's certificate changed, which the pane should say,
   * and `continuity` whether that change is a renewal (quiet) or a different key from a
   * different issuer (a warning in the security summary). Only signers whose signature
   * verified cryptographically: 'invalid' proves nothing about who signed, and a revoked
   * certificate is already said in red.
   */
  async function signersToAdd(report: SecurityReport): Promise<SignerToAdd[]> {
    const out: SignerToAdd[] = []
    for (const { signer, der } of signersWithCertificates(report)) {
      if (signer.status === 'invalid' || signer.status === 'revoked') continue
      const record = await recordFor(der, 'mail', null)
      if (await getCertificate(record.sha256)) continue
      out.push(await signerToAdd(signer, der, record))
    }
    return out
  }

  async function remove(sha256: string): Promise<void> {
    await deleteCertificate(sha256)
    await load()
  }

  /** For compose: the certificate to encrypt to, or null when Cachet has none usable. */
  async function certificateFor(email: string): Promise<CertificateRecord | null> {
    if (state.value !== 'done') records.value = await listCertificates()
    return encryptionCertificateFor(records.value, email, checks.value)
  }

  /** For compose: the accepted gateway certificate of the address's domain, or null. */
  async function gatewayFor(email: string): Promise<CertificateRecord | null> {
    if (state.value !== 'done') records.value = await listCertificates()
    return gatewayCertificateFor(records.value, email, checks.value)
  }

  /** "Mail gateway for <domain>": accept (a domain the certificate names) or stop (null). */
  async function acceptGateway(sha256: string, domain: string | null): Promise<void> {
    const r = records.value.find((x) => x.sha256 === sha256)
    if (domain && (!r || !gatewayDomains(r).includes(domain.toLowerCase()))) throw new Error(t('misc.notGatewayDomain', { domain }))
    await setGateway(sha256, domain)
    await load()
  }

  return { records, checks, state, grouped, load, validateAll, recheck, importFiles, addFromDirectory, collectFromSignedMail, signersToAdd, remove, certificateFor, gatewayFor, acceptGateway }
})
