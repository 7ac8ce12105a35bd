/** Certificate validity as the identity and contact lists show it, in the app's language. */
import { t } from '../../i18n'

export type ExpiryState = 'not-yet-valid' | 'valid' | 'expiring' | 'expired'

export const EXPIRY_WARNING_DAYS = 30
const DAY = 86_400_000

export function expiryState(notBefore: string, notAfter: string, now = new Date()): ExpiryState {
  const t = now.getTime()
  if (t < Date.parse(notBefore)) return 'not-yet-valid'
  const end = Date.parse(notAfter)
  if (t > end) return 'expired'
  if (end - t <= EXPIRY_WARNING_DAYS * DAY) return 'expiring'
  return 'valid'
}

/** Whole days until notAfter (negative once expired). */
export function daysLeft(notAfter: string, now = new Date()): number {
  return Math.floor((Date.parse(notAfter) - now.getTime()) / DAY)
}

export function expiryText(notBefore: string, notAfter: string, now = new Date()): string {
  const s = expiryState(notBefore, notAfter, now)
  const d = daysLeft(notAfter, now)
  switch (s) {
    case 'not-yet-valid':
      return t('security.expiry.notYet', { date: formatDate(notBefore) })
    case 'expired':
      return t('security.expiry.expired', { date: formatDate(notAfter) })
    case 'expiring':
      return d <= 0 ? t('security.expiry.today') : t('security.expiry.inDays', { date: formatDate(notAfter) }, d)
    default:
      return t('security.expiry.validUntil', { date: formatDate(notAfter) })
  }
}

export function formatDate(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 10)
}
