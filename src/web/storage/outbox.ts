/** Messages whose send failed: kept byte for byte until a retry succeeds or the user discards them. */
import { db, newId, type OutboxRecord } from './db'

export async function listOutbox(): Promise<OutboxRecord[]> {
  const all = await (await db()).getAll('outbox')
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

export async function addToOutbox(
  m: Pick<OutboxRecord, 'raw' | 'envelope' | 'subject'> & { error: string },
): Promise<string> {
  const id = newId()
  const now = new Date().toISOString()
  await (await db()).put('outbox', {
    id,
    raw: m.raw,
    envelope: m.envelope,
    subject: m.subject,
    createdAt: now,
    attempts: 1,
    lastError: m.error,
    lastAttemptAt: now,
  })
  return id
}

/** Record another failed attempt. */
export async function markOutboxFailure(id: string, error: string): Promise<void> {
  const d = await db()
  const tx = d.transaction('outbox', 'readwrite')
  const r = await tx.store.get(id)
  if (r) await tx.store.put({ ...r, attempts: r.attempts + 1, lastError: error, lastAttemptAt: new Date().toISOString() })
  await tx.done
}

export async function removeFromOutbox(id: string): Promise<void> {
  await (await db()).delete('outbox', id)
}
