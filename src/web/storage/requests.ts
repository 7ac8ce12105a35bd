/** Pending certificate requests (a new key waiting for its certificate). The page sees only RequestInfo. */
import { db, type RequestInfo, type RequestRecord } from './db'

function publicPart(r: RequestRecord): RequestInfo {
  const { sealedKey: _sealed, ...info } = r
  return info
}

export async function listRequests(): Promise<RequestInfo[]> {
  const all = await (await db()).getAll('requests')
  return all.map(publicPart).sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

/** Worker only: the records with their sealed keys. */
export async function loadRequestRecords(): Promise<RequestRecord[]> {
  return (await db()).getAll('requests')
}

/** Worker only. */
export async function putRequestRecord(r: RequestRecord): Promise<void> {
  await (await db()).put('requests', r)
}

export async function deleteRequest(id: string): Promise<void> {
  await (await db()).delete('requests', id)
}
