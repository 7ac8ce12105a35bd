/**
 * The app's words (issue 14): vue-i18n in composition mode, one catalog per language
 * (en.ts is the source; de.ts and nl.ts are typed to have exactly its keys). The engine
 * (src/core) reports codes and English; the app words them here. Dates, sizes and
 * numbers go through Intl with the active language (../format.ts).
 *
 * English is in the bundle (it is also every other language's fallback); German and Dutch
 * are loaded when chosen, so a first visit does not download catalogs it does not show
 * (issue 12's bytes-on-the-wire budget).
 */
import { createI18n } from 'vue-i18n'
import { chooseLocale, INTL_TAG, type Locale } from './choose'
import { en, type Catalog } from './en'
import { getLanguageSetting } from '../storage/settings'

export { LOCALES, LANGUAGE_NAMES, type Locale } from './choose'

// Every `t('…')` key is checked against the English catalog by vue-tsc.
declare module 'vue-i18n' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  export interface DefineLocaleMessage extends Catalog {}
}

/** The language a stored choice gives (none: the browser's languages; then English). */
export function localeFor(stored: string | null): Locale {
  // Outside a page (unit tests, Node) there is no browser to follow: English.
  const languages = typeof window !== 'undefined' && typeof navigator !== 'undefined' ? (navigator.languages?.length ? navigator.languages : [navigator.language]) : []
  return chooseLocale(languages, stored)
}

export const i18n = createI18n({
  legacy: false,
  // English until the chosen catalog is loaded (main.ts awaits applyLocale before mounting).
  locale: 'en',
  fallbackLocale: 'en',
  // Typed as every language's so that t() and locale accept them all; German and Dutch arrive through loadLocale.
  messages: { en } as Record<Locale, Catalog>,
  // A missing key is a bug the catalog test catches; in the browser, fall back quietly.
  missingWarn: false,
  fallbackWarn: false,
})

/** For stores and helpers outside components: the same function as useI18n().t. */
export const t = i18n.global.t

export function activeLocale(): Locale {
  return i18n.global.locale.value as Locale
}

/** The BCP 47 tag to format dates and numbers with. */
export function intlTag(): string {
  return INTL_TAG[activeLocale()]
}

const LOADERS: Record<Exclude<Locale, 'en'>, () => Promise<Catalog>> = {
  de: async () => (await import('./de')).de,
  nl: async () => (await import('./nl')).nl,
}

/** Make a language's catalog available (a no-op for English and for one already loaded). */
export async function loadLocale(l: Locale): Promise<void> {
  if (l === 'en' || i18n.global.availableLocales.includes(l)) return
  i18n.global.setLocaleMessage(l, await LOADERS[l]())
}

/** The language this browser asks for: a stored choice, else the browser's languages. */
export function preferredLocale(): Locale {
  return localeFor(getLanguageSetting())
}

/**
 * Switch the app's language, loading its catalog first; <html lang> follows, so screen
 * readers pronounce it right. If the catalog cannot be loaded (offline before it was ever
 * fetched), the app stays in the language it has.
 */
export async function applyLocale(l: Locale): Promise<void> {
  try {
    await loadLocale(l)
  } catch {
    return
  }
  i18n.global.locale.value = l
  if (typeof document !== 'undefined') document.documentElement.lang = l
}

