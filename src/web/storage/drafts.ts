/** Local copies of drafts, so a reload never loses one. */
import { db, newId, type DraftRecord } from './db'

export async function listDrafts(): Promise<DraftRecord[]> {
  const all = await (await db()).getAll('drafts')
  return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
}

export async function getDraft(id: string): Promise<DraftRecord | undefined> {
  return (await db()).get('drafts', id)
}

/** Save (insert or replace); returns the id. */
export async function saveDraft(d: Omit<DraftRecord, 'id' | 'updatedAt'> & { id?: string }): Promise<string> {
  const id = d.id ?? newId()
  await (await db()).put('drafts', { ...d, id, updatedAt: new Date().toISOString() })
  return id
}

export async function deleteDraft(id: string): Promise<void> {
  await (await db()).delete('drafts', id)
}
