/**
 * Contacts' certificates, keyed by SHA-256 and indexed by email. A new certificate for an
 * address is added next to the old ones (issue 3, certificate replacement): nothing here
 * ever overwrites one certificate with another.
 */
import { db, type CertificateRecord } from './db'

export async function listCertificates(): Promise<CertificateRecord[]> {
  return (await db()).getAll('certificates')
}

export async function certificatesFor(email: string): Promise<CertificateRecord[]> {
  return (await db()).getAllFromIndex('certificates', 'by-email', email.toLowerCase())
}

export async function getCertificate(sha256: string): Promise<CertificateRecord | undefined> {
  return (await db()).get('certificates', sha256)
}

/**
 * Insert a certificate, or refresh `lastSeen` (and capabilities, when given) of one we
 * already hold. Returns whether it was new.
 */
export async function upsertCertificate(
  rec: CertificateRecord,
): Promise<{ added: boolean; record: CertificateRecord }> {
  const d = await db()
  const tx = d.transaction('certificates', 'readwrite')
  const old = await tx.store.get(rec.sha256)
  const record: CertificateRecord = old
    ? {
        ...old,
        lastSeen: rec.lastSeen > old.lastSeen ? rec.lastSeen : old.lastSeen,
        capabilities: rec.capabilities ?? old.capabilities,
        capabilitiesSeen: rec.capabilities ? rec.capabilitiesSeen : old.capabilitiesSeen,
        // An explicit import upgrades a collected certificate's provenance, never the reverse.
        source: old.source === 'import' || rec.source === 'import' ? 'import' : old.source,
      }
    : rec
  await tx.store.put(record)
  await tx.done
  return { added: !old, record }
}

/** Accept a certificate as the mail gateway of `domain` (null: no longer a gateway). */
export async function setGateway(sha256: string, domain: string | null): Promise<CertificateRecord | null> {
  const d = await db()
  const tx = d.transaction('certificates', 'readwrite')
  const old = await tx.store.get(sha256)
  if (!old) return null
  const { gatewayFor: _previous, ...rest } = old
  const record: CertificateRecord = domain ? { ...rest, gatewayFor: domain.toLowerCase() } : rest
  await tx.store.put(record)
  await tx.done
  return record
}

export async function deleteCertificate(sha256: string): Promise<void> {
  await (await db()).delete('certificates', sha256)
}
