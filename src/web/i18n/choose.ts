/**
 * Which language the app speaks: a choice stored in this browser wins; otherwise the
 * browser's languages in order (navigator.languages), the first we have a catalog for;
 * otherwise English. Pure, so that it is tested without a browser.
 */
export const LOCALES = ['en', 'de', 'nl'] as const
export type Locale = (typeof LOCALES)[number]

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v)
}

/** "de-AT" → "de"; "NL" → "nl"; anything we have no catalog for → null. */
export function localeOf(tag: string): Locale | null {
  const base = tag.trim().toLowerCase().split(/[-_]/)[0] ?? ''
  return isLocale(base) ? base : null
}

export function chooseLocale(languages: readonly string[], stored: string | null | undefined): Locale {
  if (isLocale(stored)) return stored
  for (const tag of languages) {
    const l = localeOf(tag)
    if (l) return l
  }
  return 'en'
}

/**
 * The tag handed to Intl for each catalog. English stays 'en-US', what the app formatted
 * with before it had catalogs, so English dates and numbers read exactly as they did.
 */
export const INTL_TAG: Record<Locale, string> = { en: 'en-US', de: 'de-DE', nl: 'nl-NL' }

/** Each language's name in itself, for the Language setting. */
export const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch', nl: 'Nederlands' }
