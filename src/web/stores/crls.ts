/**
 * CRL files the user imports (issue 16, "Revocation the user can feed"): for CAs whose
 * certificates name no distribution point Cachet can reach, as the CLI's `--crl`. They are
 * stored with the CRLs fetched through the bridge (storage/crls.ts), so every keyring for
 * opening a message or checking a contact (trust.ts keyringForOpen) has them: a
 * certificate an imported CRL revokes shows as revoked in the reading pane and in Contacts.
 *
 * Nothing is decided here: whether a CRL is signed by the issuer of a certificate, and
 * covers it, is core's question when it validates (pki/revocation), so a CRL from anyone
 * can be imported without revoking anything it may not.
 */
import { defineStore } from 'pinia'
import type { CrlRecord } from '../storage/db'
import { getCrl, putCrl } from '../storage/crls'
import { parseCrl, readCrls } from '../pki'
import { t } from '../i18n'

/** An imported CRL's key in the CRL store: one per issuer, where fetched ones are keyed by URL. */
export function importedCrlKey(issuer: string): string {
  return `import:${issuer}`
}

/** Is this file a CRL rather than certificates: named .crl, or PEM holding an X509 CRL? */
export function isCrlFile(name: string, bytes: Uint8Array): boolean {
  if (/\.crl$/i.test(name.trim())) return true
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 4096))
  return head.includes('-----BEGIN X509 CRL-----')
}

/** The CRLs in a file (DER or PEM, several in one PEM) as store records. Throws on a file that holds none. */
export async function crlRecordsFrom(bytes: Uint8Array, now: Date): Promise<(CrlRecord & { issuer: string })[]> {
  const ders = await readCrls(bytes)
  if (ders.length === 0) throw new Error('no CRL found')
  const out: (CrlRecord & { issuer: string })[] = []
  for (const der of ders) {
    const p = await parseCrl(der)
    out.push({ url: importedCrlKey(p.issuer), der, issuer: p.issuer, fetchedAt: now.toISOString(), thisUpdate: p.thisUpdate.toISOString(), nextUpdate: p.nextUpdate?.toISOString() ?? null })
  }
  return out
}

export interface CrlImportSummary {
  /** Issuers whose CRL was stored (new, or newer than the one kept). */
  imported: string[]
  /** Issuers whose stored CRL is as new or newer: kept. */
  older: string[]
  errors: { file: string; message: string }[]
}

export const useCrlsStore = defineStore('crls', () => {
  async function importFiles(files: readonly { name: string; bytes: Uint8Array }[], now = new Date()): Promise<CrlImportSummary> {
    const summary: CrlImportSummary = { imported: [], older: [], errors: [] }
    for (const f of files) {
      let records: Awaited<ReturnType<typeof crlRecordsFrom>>
      try {
        records = await crlRecordsFrom(f.bytes, now)
      } catch (e) {
        summary.errors.push({ file: f.name, message: t('misc.notCrlFile', { file: f.name, error: e instanceof Error ? e.message : String(e) }) })
        continue
      }
      for (const { issuer, ...record } of records) {
        const kept = await getCrl(record.url)
        if (kept?.thisUpdate && record.thisUpdate && Date.parse(kept.thisUpdate) >= Date.parse(record.thisUpdate)) {
          summary.older.push(issuer)
          continue
        }
        await putCrl(record)
        summary.imported.push(issuer)
      }
    }
    return summary
  }
  return { importFiles }
})
