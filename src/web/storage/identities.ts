/** Identities (your certificate + sealed private key). The page sees only IdentityInfo. */
import type { SealedKey } from '../../core/keystore'
import { db, type IdentityInfo, type IdentityRecord } from './db'

function publicPart(r: IdentityRecord): IdentityInfo {
  const { sealedKey: _sealed, ...info } = r
  return info
}

export async function listIdentities(): Promise<IdentityInfo[]> {
  const all = await (await db()).getAll('identities')
  return all.map(publicPart).sort((a, b) => a.addedAt.localeCompare(b.addedAt))
}

export async function getIdentity(id: string): Promise<IdentityInfo | undefined> {
  const r = await (await db()).get('identities', id)
  return r && publicPart(r)
}

/** Worker only: the records with their sealed keys. */
export async function loadIdentityRecords(): Promise<IdentityRecord[]> {
  return (await db()).getAll('identities')
}

/** Worker only: store (or replace, after re-import of the same certificate) an identity. */
export async function putIdentityRecord(r: IdentityRecord): Promise<void> {
  const d = await db()
  const tx = d.transaction('identities', 'readwrite')
  const old = await tx.store.get(r.id)
  // Re-importing keeps the user's default choices.
  await tx.store.put({ ...r, defaultFor: old?.defaultFor ?? r.defaultFor })
  await tx.done
}

/** Worker only: re-seal keys (e.g. after a passphrase change). */
export async function updateSealedKey(id: string, sealedKey: SealedKey): Promise<void> {
  const d = await db()
  const tx = d.transaction('identities', 'readwrite')
  const r = await tx.store.get(id)
  if (r) await tx.store.put({ ...r, sealedKey })
  await tx.done
}

export async function deleteIdentity(id: string): Promise<void> {
  await (await db()).delete('identities', id)
}

/**
 * Make `id` the default identity for `address` (lowercased) and remove that address from
 * every other identity's defaults, in one transaction.
 */
export async function setDefaultIdentity(id: string, address: string): Promise<void> {
  const addr = address.toLowerCase()
  const d = await db()
  const tx = d.transaction('identities', 'readwrite')
  for (const r of await tx.store.getAll()) {
    const has = r.defaultFor.includes(addr)
    const want = r.id === id
    if (has !== want) {
      const defaultFor = want ? [...r.defaultFor, addr] : r.defaultFor.filter((a) => a !== addr)
      await tx.store.put({ ...r, defaultFor })
    }
  }
  await tx.done
}
