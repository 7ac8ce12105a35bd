/**
 * The app's words (issue 14): vue-i18n in composition mode, one catalog per language
 * (en.ts is the source; de.ts and nl.ts are typed to have exactly its keys). The engine
 * (src/core) reports codes and English; the app words them here. Dates, sizes and
 * numbers go through Intl with the active language (../format.ts).
 */
import { createI18n } from 'vue-i18n'
import { chooseLocale, INTL_TAG, type Locale } from './choose'
import { de } from './de'
import { en, type Catalog } from './en'
import { nl } from './nl'
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

export const messages: Record<Locale, Catalog> = { en, de, nl }

export const i18n = createI18n({
  legacy: false,
  locale: localeFor(getLanguageSetting()),
  fallbackLocale: 'en',
  messages,
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

/** Switch the app's language now; <html lang> follows, so screen readers pronounce it right. */
export function applyLocale(l: Locale): void {
  i18n.global.locale.value = l
  if (typeof document !== 'undefined') document.documentElement.lang = l
}

