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
import { readCertificates, summarizeCertificate, validateCertificate, type CertificateStatus } from '../../core/pki'
import { fromBase64 } from '../../core/util/base64'
import { isCoreError } from '../../core/errors'
import type { CertificateRecord, CertificateSource } from '../storage/db'
export type { CertificateRecord }
import { deleteCertificate, getCertificate, listCertificates, upsertCertificate } from '../storage/certificates'
import { getSettings } from '../storage/settings'
import { keyringForOpen, refreshCrls } from './trust'

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
  const t = now.toISOString()
  const usable = records.filter((r) => {
    if (!r.emails.includes(a) || r.notBefore > t || r.notAfter < t) return false
    if (r.extendedKeyUsage.length > 0 && !r.extendedKeyUsage.some((u) => u === 'emailProtection' || u === 'anyExtendedKeyUsage')) return false
    if (r.keyUsage.length > 0 && !r.keyUsage.some((u) => u === 'keyEncipherment' || u === 'keyAgreement')) return false
    const c = checks[r.sha256]
    return !c || (c.status !== 'revoked' && c.status !== 'error')
  })
  usable.sort((x, y) => y.notBefore.localeCompare(x.notBefore))
  return usable[0] ?? null
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
   * Fetch (through the bridge) the CRLs the stored certificates name, then check again if
   * any arrived, so a revoked certificate is shown as revoked. Failures leave the status
   * as it was (revocation 'unknown'); they are retried at the next load.
   */
  async function refreshRevocation(): Promise<void> {
    try {
      const { fetched } = await refreshCrls(records.value.map((r) => r.der))
      if (fetched > 0) await validateAll()
    } catch {}
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

  /** Import certificate files (several at once; each may hold several certificates). */
  async function importFiles(files: readonly { name: string; bytes: Uint8Array }[]): Promise<ImportSummary> {
    const summary: ImportSummary = { added: [], known: [], errors: [] }
    for (const f of files) {
      let ders: Uint8Array[]
      try {
        ders = readCertificates(f.bytes)
        if (ders.length === 0) throw new Error('no certificate found')
      } catch (e) {
        const why = isCoreError(e) ? e.message : 'it holds no certificate Cachet can read'
        summary.errors.push({ file: f.name, message: `${f.name}: not a certificate file (.cer, .crt, .pem, .der, .p7b, .p7c): ${why}` })
        continue
      }
      for (const der of ders) {
        try {
          const { added, record } = await upsertCertificate(await recordFor(der, 'import', null))
          ;(added ? summary.added : summary.known).push(record)
        } catch (e) {
          summary.errors.push({ file: f.name, message: `${f.name}: a certificate could not be read (${e instanceof Error ? e.message : String(e)}).` })
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
   * stored. Known certificates get lastSeen and SMIMECapabilities refreshed.
   */
  async function collectFromSignedMail(
    report: SecurityReport,
    opts: { explicit?: boolean } = {},
  ): Promise<{ added: CertificateRecord[]; updated: CertificateRecord[] }> {
    const out = { added: [] as CertificateRecord[], updated: [] as CertificateRecord[] }
    if (!opts.explicit && !(await getSettings()).autoCollectCertificates) return out
    for (const { signer, der } of signersWithCertificates(report)) {
      const ok = opts.explicit ? signer.status !== 'invalid' && signer.status !== 'revoked' : signer.status === 'valid'
      if (!ok) continue
      const caps = signer.capabilities.length > 0 ? signer.capabilities : null
      const { added, record } = await upsertCertificate(await recordFor(der, 'mail', caps))
      ;(added ? out.added : out.updated).push(record)
    }
    if (out.added.length + out.updated.length > 0) await load()
    return out
  }

  /** Signers of a report not yet in the address book (the reading pane offers "Add to contacts"). */
  async function signersToAdd(report: SecurityReport): Promise<SignerReport[]> {
    const out: SignerReport[] = []
    for (const { signer, der } of signersWithCertificates(report)) {
      if (signer.status === 'invalid' || signer.status === 'revoked') continue
      const s = await summarizeCertificate(der, globalThis.crypto)
      if (!(await getCertificate(s.sha256))) out.push(signer)
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

  return { records, checks, state, grouped, load, validateAll, importFiles, collectFromSignedMail, signersToAdd, remove, certificateFor }
})
