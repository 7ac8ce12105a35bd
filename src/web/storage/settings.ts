/** User settings, one record; unknown or missing fields fall back to defaults. */
import { db, DEFAULT_SETTINGS, type Settings } from './db'

const KEY = 'settings'

export async function getSettings(): Promise<Settings> {
  const s = await (await db()).get('settings', KEY)
  return { ...DEFAULT_SETTINGS, ...(s ?? {}) }
}

export async function updateSettings(patch: Partial<Settings>): Promise<Settings> {
  const d = await db()
  const tx = d.transaction('settings', 'readwrite')
  const next = { ...DEFAULT_SETTINGS, ...((await tx.store.get(KEY)) ?? {}), ...patch }
  await tx.store.put(next, KEY)
  await tx.done
  return next
}
