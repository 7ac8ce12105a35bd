/** CRLs fetched through the bridge's relay, cached by URL until their nextUpdate. */
import { db, type CrlRecord } from './db'

export async function getCrl(url: string): Promise<CrlRecord | undefined> {
  return (await db()).get('crls', url)
}

export async function putCrl(r: CrlRecord): Promise<void> {
  await (await db()).put('crls', r)
}

export async function listCrls(): Promise<CrlRecord[]> {
  return (await db()).getAll('crls')
}

/** A cached CRL is fresh until nextUpdate; without one, for `maxAgeMs` after fetching. */
export function isCrlFresh(r: Pick<CrlRecord, 'fetchedAt' | 'nextUpdate'>, now: Date, maxAgeMs = 24 * 3600_000): boolean {
  if (r.nextUpdate) return now.getTime() < Date.parse(r.nextUpdate)
  return now.getTime() - Date.parse(r.fetchedAt) < maxAgeMs
}
