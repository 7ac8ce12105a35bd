/**
 * The sealed search index of decrypted mail (issue 13). Worker only for reading and
 * writing; the page may delete it ("Forget search index"). Nothing here is readable
 * without the key store: see workers/searchIndex.ts.
 */
import type { SealedIndex } from '../workers/searchIndex'
import { db } from './db'

const KEY = 'index'

export async function getSealedIndex(): Promise<SealedIndex | null> {
  return (await (await db()).get('searchIndex', KEY)) ?? null
}

export async function putSealedIndex(sealed: SealedIndex): Promise<void> {
  await (await db()).put('searchIndex', sealed, KEY)
}

export async function deleteSealedIndex(): Promise<void> {
  await (await db()).delete('searchIndex', KEY)
}
