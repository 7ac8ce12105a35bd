/**
 * Trust: which roots Cachet accepts as proof of a sender's identity, and revocation data.
 *
 * Anchors = roots the user marked "Trust for email" + the bundled public roots for email
 * (src/core/pki/roots.ts) minus those the user distrusted.
 *
 * CRLs named in certificates' distribution points are fetched through the bridge's relay
 * (GET /api/crl?url=…; it only moves bytes) and cached in IndexedDB until nextUpdate.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { routes } from '../../contract'
import type { SecurityReport } from '../../core/message/report'
import { fromBase64 } from '../../core/util/base64'
import { requestBytes } from '../api/client'
import { crlUrlsToFetch, emailRoots, parseCrl, readCrls, summarizeCertificate } from '../pki'
import type { CrlRecord, TrustRecord } from '../storage/db'
import { listCertificates } from '../storage/certificates'
import { getCrl, isCrlFresh, listCrls, putCrl } from '../storage/crls'
import { listIdentities } from '../storage/identities'
import { keptOcspResponses } from './ocsp'
import { deleteTrust, listTrust, putTrust } from '../storage/trust'
import type { PublicKeyring } from '../workers/client'

/**
 * The bundled public roots trusted for email (DER), from core/pki/roots.ts (Mozilla's S/MIME
 * trust bit). Eight of them are being phased out with an email distrust-after date
 * (Mozilla's CKA_NSS_EMAIL_DISTRUST_AFTER); the engine applies those dates to a bundled
 * root by its fingerprint (core/pki/distrust.ts), so they hold although anchors cross the
 * worker protocol (PublicKeyring.trustAnchors) as bare DER. Anchors that carry a date of
 * their own are TrustAnchor objects ({ der, emailDistrustAfter }, core/types.ts), accepted
 * by the same Keyring.trustAnchors field.
 */
export function bundledRoots(): Promise<Uint8Array[]> {
  return emailRoots()
}

/** Anchors from the user's decisions and the bundled set. Pure. */
export function assembleAnchors(
  decisions: readonly Pick<TrustRecord, 'sha256' | 'decision' | 'der'>[],
  bundled: readonly { sha256: string; der: Uint8Array }[],
): Uint8Array[] {
  const distrusted = new Set(decisions.filter((d) => d.decision === 'distrusted').map((d) => d.sha256))
  const out = new Map<string, Uint8Array>()
  for (const b of bundled) if (!distrusted.has(b.sha256)) out.set(b.sha256, b.der)
  for (const d of decisions) if (d.decision === 'trusted') out.set(d.sha256, d.der)
  return [...out.values()]
}

const bundledCache: { list: { sha256: string; der: Uint8Array; subject: string }[] | null } = { list: null }

async function bundledWithHashes(): Promise<{ sha256: string; der: Uint8Array; subject: string }[]> {
  if (bundledCache.list) return bundledCache.list
  const list: { sha256: string; der: Uint8Array; subject: string }[] = []
  for (const der of await bundledRoots()) {
    try {
      const s = await summarizeCertificate(der, globalThis.crypto)
      list.push({ sha256: s.sha256, der, subject: s.subject })
    } catch {}
  }
  bundledCache.list = list
  return list
}

/** URLs that failed in this page: not asked again before `until` (1 min, doubling, at most 1 h). */
const failedCrls = new Map<string, { count: number; until: number }>()

/**
 * Fetch (through the bridge) and cache the CRLs these certificates name, for those whose
 * chain ends at an anchor the user trusts and whose revocation is unknown (core
 * crlUrlsToFetch: a stranger's URL is never fetched, issue 11). A URL that failed is
 * left alone for a while.
 */
export async function refreshCrls(certs: readonly Uint8Array[], now = new Date()): Promise<{ fetched: number; failed: string[] }> {
  const keyring = await keyringForOpen()
  const urls = await crlUrlsToFetch(certs, { anchors: keyring.trustAnchors, intermediates: keyring.certificates, crls: keyring.crls, at: now }, globalThis.crypto)
  let fetched = 0
  const failed: string[] = []
  for (const url of urls) {
    const cached = await getCrl(url)
    if (cached && isCrlFresh(cached, now)) continue
    const backoff = failedCrls.get(url)
    if (backoff && now.getTime() < backoff.until) {
      failed.push(url)
      continue
    }
    try {
      const bytes = await requestBytes({ method: 'GET', path: routes.crl.path, query: { url } })
      const der = (await readCrls(bytes))[0]
      if (!der) throw new Error('not a CRL')
      const parsed = await parseCrl(der)
      await putCrl({
        url,
        der,
        fetchedAt: now.toISOString(),
        thisUpdate: parsed.thisUpdate.toISOString(),
        nextUpdate: parsed.nextUpdate?.toISOString() ?? null,
      })
      failedCrls.delete(url)
      fetched++
    } catch {
      const count = (backoff?.count ?? 0) + 1
      failedCrls.set(url, { count, until: now.getTime() + Math.min(3_600_000, 60_000 * 2 ** (count - 1)) })
      failed.push(url)
    }
  }
  return { fetched, failed }
}

/** Certificates a report names (signers and their chains), for CRL refresh. */
export function certificatesInReport(report: SecurityReport): Uint8Array[] {
  const out: Uint8Array[] = []
  for (const l of report.layers) {
    if (l.kind !== 'signed') continue
    for (const s of l.signers) if (s.certificate) out.push(fromBase64(s.certificate))
  }
  return out
}

/**
 * The public keyring for opening a message: trust anchors, every certificate we know
 * (contacts' and our identities' chains) as intermediates, the cached CRLs, and the
 * accepted mail gateways by domain. Reads
 * IndexedDB directly so it is correct even before any store has loaded.
 */
export async function keyringForOpen(): Promise<PublicKeyring> {
  const [decisions, bundled, certs, ids, crls] = await Promise.all([
    listTrust(),
    bundledWithHashes(),
    listCertificates(),
    listIdentities(),
    listCrls(),
  ])
  const certificates: Uint8Array[] = certs.map((c) => c.der)
  for (const i of ids) certificates.push(i.certificate, ...i.chain)
  // The contacts the user accepted as "Mail gateway for <domain>" (certificates.ts setGateway):
  // core reads mail from that domain signed by them as the gateway's, not the person's.
  const gateways = Object.create(null) as Record<string, Uint8Array[]> // a domain is data, never a prototype key
  for (const c of certs) if (c.gatewayFor) (gateways[c.gatewayFor] ??= []).push(c.der)
  return { trustAnchors: assembleAnchors(decisions, bundled), certificates, crls: crls.map((c) => c.der), ocsp: keptOcspResponses(), gateways }
}

export const useTrustStore = defineStore('trust', () => {
  const decisions = ref<TrustRecord[]>([])
  const bundled = ref<{ sha256: string; der: Uint8Array; subject: string }[]>([])
  const crls = ref<CrlRecord[]>([])

  async function load(): Promise<void> {
    const [d, b, c] = await Promise.all([listTrust(), bundledWithHashes(), listCrls()])
    decisions.value = d
    bundled.value = b
    crls.value = c
  }

  const trustedSet = computed(() => {
    const s = new Set<string>()
    const distrusted = new Set(decisions.value.filter((d) => d.decision === 'distrusted').map((d) => d.sha256))
    for (const b of bundled.value) if (!distrusted.has(b.sha256)) s.add(b.sha256)
    for (const d of decisions.value) if (d.decision === 'trusted') s.add(d.sha256)
    return s
  })

  const anchors = computed(() => assembleAnchors(decisions.value, bundled.value))

  function isTrusted(sha256: string): boolean {
    return trustedSet.value.has(sha256)
  }

  function isBundled(sha256: string): boolean {
    return bundled.value.some((b) => b.sha256 === sha256)
  }

  /** Mark a root or self-signed certificate trusted for email (after the user confirmed). */
  async function trust(der: Uint8Array): Promise<void> {
    const s = await summarizeCertificate(der, globalThis.crypto)
    if (isBundled(s.sha256)) await deleteTrust(s.sha256)
    else await putTrust({ sha256: s.sha256, decision: 'trusted', subject: s.subject, der, decidedAt: new Date().toISOString() })
    await load()
  }

  /** Stop trusting: a user anchor is removed; a bundled root is marked distrusted. */
  async function untrust(der: Uint8Array): Promise<void> {
    const s = await summarizeCertificate(der, globalThis.crypto)
    if (isBundled(s.sha256)) {
      await putTrust({ sha256: s.sha256, decision: 'distrusted', subject: s.subject, der, decidedAt: new Date().toISOString() })
    } else {
      await deleteTrust(s.sha256)
    }
    await load()
  }

  async function refreshCrlsFor(certs: readonly Uint8Array[]): Promise<{ fetched: number; failed: string[] }> {
    const r = await refreshCrls(certs)
    crls.value = await listCrls()
    return r
  }

  /**
   * For the reading pane: fetch CRLs the report's signers name. Returns true when new CRLs
   * arrived and the message should be opened again to use them.
   */
  async function refreshCrlsForReport(report: SecurityReport): Promise<boolean> {
    const needs = report.layers.some((l) => l.kind === 'signed' && l.signers.some((s) => s.revocation === 'unknown'))
    if (!needs) return false
    return (await refreshCrlsFor(certificatesInReport(report))).fetched > 0
  }

  return { decisions, bundled, crls, anchors, load, isTrusted, isBundled, trust, untrust, refreshCrlsFor, refreshCrlsForReport, keyringForOpen }
})
