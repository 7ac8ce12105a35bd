/**
 * The page's side of the local index of decrypted mail (issue 13): questions to the crypto
 * worker, which alone holds the index decrypted. Without a signed-in account (no worker)
 * every answer is "locked": search then uses the server only.
 */
import type { ListSubject, LocalHit } from '../workers/searchIndex'
import { cryptoWorker } from '../workers/client'

export type { ListSubject, LocalHit }

/** Hits in `mailbox`, or null when the key store is locked (encrypted mail was not searched). */
export async function searchLocal(query: string, mailbox: string): Promise<LocalHit[] | null> {
  try {
    return (await cryptoWorker().call('searchLocal', { query, mailbox })).hits
  } catch {
    return null
  }
}

/** Protected subjects of the mailbox's decrypted messages; empty when locked. */
export async function protectedSubjects(mailbox: string): Promise<Record<number, ListSubject>> {
  try {
    return (await cryptoWorker().call('protectedSubjects', { mailbox })).subjects ?? {}
  } catch {
    return {}
  }
}

/** "Forget search index" (Security page). */
export async function forgetSearchIndex(): Promise<void> {
  await cryptoWorker().call('forgetSearchIndex', {})
}
