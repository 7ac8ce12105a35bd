/**
 * Display formatting shared by list and reading pane, through Intl in the app's language
 * (issue 14). English is formatted as 'en-US', as before there were catalogs.
 */
import { intlTag, t } from './i18n'

const sizeUnits = ['B', 'KB', 'MB', 'GB']

/** 1536 → "1.5 KB" (de: "1,5 KB"). */
export function formatSize(n: number, locale = intlTag()): string {
  let v = n
  let u = 0
  while (v >= 1024 && u < sizeUnits.length - 1) {
    v /= 1024
    u++
  }
  const digits = u !== 0 && v < 10 ? 1 : 0
  // Rounded as before (toFixed), then written the language's way.
  const shown = u === 0 ? v : digits ? Number(v.toFixed(1)) : Math.round(v)
  const num = new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(shown)
  return `${num} ${sizeUnits[u]}`
}

/** A number as people of this language write it: 1,234 (de: 1.234); `digits` fixes the decimals. */
export function formatNumber(n: number, locale = intlTag(), digits?: number): string {
  return n.toLocaleString(locale, digits === undefined ? {} : { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** List dates: time today, "Mon 12" this week, "Nov 3" this year, else "2024-11-03". */
export function formatListDate(iso: string | null, now = new Date(), locale = intlTag()): string {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const sameDay = d.toDateString() === now.toDateString()
  if (sameDay) return d.toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' })
  const days = (now.getTime() - d.getTime()) / 86_400_000
  if (days >= 0 && days < 6) return d.toLocaleDateString(locale, { weekday: 'short', day: 'numeric' })
  if (d.getFullYear() === now.getFullYear()) return d.toLocaleDateString(locale, { month: 'short', day: 'numeric' })
  return d.toISOString().slice(0, 10)
}

/** Reading pane date: "Mon, Nov 23, 2026, 5:01 AM" (de: "Mo., 23. Nov. 2026, 05:01"). */
export function formatFullDate(d: Date | null, raw: string, locale = intlTag()): string {
  if (!d) return raw || t('common.noDate')
  return d.toLocaleString(locale, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' })
}
