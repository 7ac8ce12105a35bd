/**
 * Issue 14's catalogs: every language has exactly English's keys and the same
 * placeholders, every message compiles, and the language is chosen as promised
 * (a stored choice wins; then the browser's languages in order; then English).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { chooseLocale, LOCALES, localeOf } from '../../../src/web/i18n/choose'
import { de } from '../../../src/web/i18n/de'
import { en } from '../../../src/web/i18n/en'
import { i18n, loadLocale } from '../../../src/web/i18n/index'
import { nl } from '../../../src/web/i18n/nl'

const messages = { en, de, nl }

// German and Dutch are loaded on demand in the app; here, once, before any test uses them.
beforeAll(async () => {
  await loadLocale('de')
  await loadLocale('nl')
})

type Tree = { [k: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv)
  }
  return out
}

/** {name} placeholders, not the {'@'} literals. */
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{\s*([A-Za-z_][\w]*)\s*\}/g)].map((m) => m[1]))].sort()
/** The number of plural forms ("a | b"), 1 when there is no choice. */
const forms = (s: string) => s.split(/(?<!\{')\|(?!'\})/).length

const english = leaves(en as unknown as Tree)

describe('message catalogs', () => {
  for (const locale of LOCALES) {
    const catalog = leaves(messages[locale] as unknown as Tree)

    it(`${locale} has exactly the keys of English`, () => {
      expect([...catalog.keys()].filter((k) => !english.has(k))).toEqual([])
      expect([...english.keys()].filter((k) => !catalog.has(k))).toEqual([])
    })

    it(`${locale} uses the same placeholders and plural forms as English`, () => {
      for (const [key, text] of english) {
        const other = catalog.get(key) ?? ''
        expect({ key, placeholders: placeholders(other) }).toEqual({ key, placeholders: placeholders(text) })
        expect({ key, forms: forms(other) }).toEqual({ key, forms: forms(text) })
        expect(other.trim(), key).not.toBe('')
      }
    })

    it(`${locale} compiles every message and leaves no placeholder unfilled`, () => {
      const { t } = i18n.global
      const warnings: unknown[] = []
      const saved = console.warn
      console.warn = (...args: unknown[]) => void warnings.push(args)
      try {
        for (const [key, text] of catalog) {
          const named = Object.fromEntries(placeholders(text).map((p) => [p, `«${p}»`]))
          const out = t(key, named, { locale, plural: 2 })
          expect(out, key).not.toMatch(/[{}]/)
          expect(out, key).not.toBe(key)
          if (locale !== 'en' && text !== english.get(key)) expect(out, key).not.toBe(t(key, named, { locale: 'en', plural: 2 }))
        }
      } finally {
        console.warn = saved
      }
      expect(warnings).toEqual([])
    })
  }

  it('writes literal @ and chooses the plural form by count', () => {
    const { t } = i18n.global
    expect(t('signin.emailPlaceholder', {}, { locale: 'en' })).toBe('you@example.com')
    expect(t('list.messages', { count: '1' }, { locale: 'en', plural: 1 })).toBe('1 message')
    expect(t('list.messages', { count: '1,234' }, { locale: 'en', plural: 1234 })).toBe('1,234 messages')
    expect(t('list.messages', { count: '0' }, { locale: 'de', plural: 0 })).toBe('0 Nachrichten')
    expect(t('signin.submit', {}, { locale: 'de' })).toBe('Anmelden')
    expect(t('signin.submit', {}, { locale: 'nl' })).toBe('Aanmelden')
  })
})

describe('choosing the language', () => {
  it('follows the browser: the first of its languages we have a catalog for', () => {
    expect(chooseLocale(['de-DE', 'en-US'], null)).toBe('de')
    expect(chooseLocale(['fr-FR', 'nl-BE', 'de'], null)).toBe('nl')
    expect(chooseLocale(['de-AT'], null)).toBe('de')
    expect(chooseLocale(['en-GB', 'de-DE'], null)).toBe('en')
  })

  it('falls back to English when the browser speaks nothing we have', () => {
    expect(chooseLocale(['fr-FR', 'ja'], null)).toBe('en')
    expect(chooseLocale([], null)).toBe('en')
  })

  it('lets a stored choice win over the browser; an unknown stored value is ignored', () => {
    expect(chooseLocale(['de-DE'], 'nl')).toBe('nl')
    expect(chooseLocale(['de-DE'], 'en')).toBe('en')
    expect(chooseLocale(['de-DE'], 'fr')).toBe('de')
    expect(chooseLocale(['nl-NL'], '')).toBe('nl')
  })

  it('reads language tags in any case and with underscores', () => {
    expect(localeOf('NL_nl')).toBe('nl')
    expect(localeOf('DE')).toBe('de')
    expect(localeOf('pt-BR')).toBe(null)
  })
})

describe('words made in code follow the language', () => {
  it('keeps a leading space as written', () => {
    expect(i18n.global.t('requests.renewal', {}, { locale: 'en' })).toBe(' · renewal')
  })

  it('renders straight apostrophes as written', () => {
    expect(i18n.global.t('recipients.directoryTitle', {}, { locale: 'en' })).toBe("Certificate from your organisation's directory: this recipient can get encrypted mail")
  })

  it('words policy rules and the blocked-send sentence in German when German is active', async () => {
    const { blockedText, ruleWords } = await import('../../../src/web/compose/policy')
    const rule = { name: 'Gesundheit', when: [{ recipientDomains: ['a.test', 'b.test'] }, { hasAttachments: true as const }], then: ['requireEncryption' as const] }
    expect(ruleWords(rule)).toBe('When any recipient is at a.test or b.test and the message has attachments: it must be encrypted.')
    i18n.global.locale.value = 'de'
    try {
      expect(ruleWords(rule)).toBe('Wenn ein Empfänger bei a.test oder b.test ist und die Nachricht Anhänge hat: sie muss verschlüsselt werden.')
      expect(blockedText({ rule: 'Gesundheit', recipients: ['x@a.test'] })).toMatch(/^Von der Richtlinie verlangt: Gesundheit\. .*kein Zertifikat.*diesen Empfänger/)
      expect(blockedText({ rule: 'Gesundheit', recipients: ['x@a.test', 'y@b.test'] })).toMatch(/x@a\.test, y@b\.test.*diese Empfänger;/)
    } finally {
      i18n.global.locale.value = 'en'
    }
  })
})
