/**
 * Messages on their way out, kept byte for byte: written before the send (state
 * 'sending'), then removed once sent and saved in Sent, or kept as 'unsent' (Retry sends)
 * or 'copy-missing' (sent; Retry only saves the copy in Sent). See OutboxState.
 */
import { db, newId, type OutboxRecord, type OutboxState } from './db'

export async function listOutbox(): Promise<OutboxRecord[]> {
  const all = await (await db()).getAll('outbox')
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

/** One record as stored now (undefined once sent or discarded). */
export async function getOutbox(id: string): Promise<OutboxRecord | undefined> {
  return (await db()).get('outbox', id)
}

/** The state of a record, 'unsent' for records kept before states existed. */
export function outboxState(r: OutboxRecord): OutboxState {
  return r.state ?? 'unsent'
}

export async function addToOutbox(
  m: Pick<OutboxRecord, 'raw' | 'envelope' | 'subject'> & { state?: OutboxState; error: string | null },
): Promise<string> {
  const id = newId()
  const now = new Date().toISOString()
  const state = m.state ?? 'unsent'
  await (await db()).put('outbox', {
    id,
    state,
    raw: m.raw,
    envelope: m.envelope,
    subject: m.subject,
    createdAt: now,
    attempts: state === 'sending' ? 0 : 1,
    lastError: m.error,
    lastAttemptAt: now,
  })
  return id
}

/** Record another failed attempt: the message did not go out. */
export async function markOutboxFailure(id: string, error: string): Promise<void> {
  await update(id, (r) => ({ ...r, state: 'unsent', attempts: r.attempts + 1, lastError: error }))
}

/** The server accepted the message but its copy in Sent failed (again): only the copy is left to do. */
export async function markOutboxCopyMissing(id: string, error: string): Promise<void> {
  await update(id, (r) => ({ ...r, state: 'copy-missing', attempts: r.attempts + 1, lastError: error }))
}

async function update(id: string, next: (r: OutboxRecord) => OutboxRecord): Promise<void> {
  const d = await db()
  const tx = d.transaction('outbox', 'readwrite')
  const r = await tx.store.get(id)
  if (r) await tx.store.put({ ...next(r), lastAttemptAt: new Date().toISOString() })
  await tx.done
}

export async function removeFromOutbox(id: string): Promise<void> {
  await (await db()).delete('outbox', id)
}
