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

// ---------------------------------------------------------------------------------------
// The language (issue 14) belongs to this browser, not to an account: the sign-in screen
// speaks it before any account's database is open, so it lives in localStorage (one short
// tag, nothing personal) rather than in the settings record above.

const LANGUAGE_KEY = 'cachet.language'

/** The language chosen in this browser ('en', 'de', …), or null: follow the browser. */
export function getLanguageSetting(): string | null {
  try {
    return globalThis.localStorage?.getItem(LANGUAGE_KEY) ?? null
  } catch {
    return null // storage blocked: follow the browser
  }
}

export function setLanguageSetting(tag: string | null): void {
  try {
    if (tag) globalThis.localStorage?.setItem(LANGUAGE_KEY, tag)
    else globalThis.localStorage?.removeItem(LANGUAGE_KEY)
  } catch {
    // Storage blocked: the choice holds until the page is reloaded.
  }
}
