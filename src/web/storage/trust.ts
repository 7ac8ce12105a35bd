/** User trust decisions: roots trusted for email, bundled roots distrusted. */
import { db, type TrustRecord } from './db'

export async function listTrust(): Promise<TrustRecord[]> {
  return (await db()).getAll('trust')
}

export async function putTrust(r: TrustRecord): Promise<void> {
  await (await db()).put('trust', r)
}

export async function deleteTrust(sha256: string): Promise<void> {
  await (await db()).delete('trust', sha256)
}
