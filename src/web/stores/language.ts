/**
 * The app's language (issue 14): 'auto' follows the browser's languages; a choice made on
 * the Security page is kept in this browser and wins over them.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { applyLocale, localeFor, type Locale } from '../i18n'
import { isLocale } from '../i18n/choose'
import { getLanguageSetting, setLanguageSetting } from '../storage/settings'

export type LanguageChoice = Locale | 'auto'

export const useLanguageStore = defineStore('language', () => {
  const stored = getLanguageSetting()
  const choice = ref<LanguageChoice>(isLocale(stored) ? stored : 'auto')
  /** What 'auto' gives in this browser, for the setting's first option. */
  const browserLocale = localeFor(null)

  function choose(next: LanguageChoice) {
    choice.value = next
    setLanguageSetting(next === 'auto' ? null : next)
    void applyLocale(localeFor(next === 'auto' ? null : next))
  }

  return { choice, browserLocale, choose }
})
