/** Display helpers for certificates, in the app's language. */
import { t } from '../../i18n'

/** "ab12cd…" → "AB:12:CD:…", how other clients show fingerprints. */
export function fingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{1,2}/g) ?? []).join(':')
}

/** Human names for key usages and EKUs, as the certificate states them. */
export function usagesText(keyUsage: readonly string[], eku: readonly string[]): string {
  const parts = [...keyUsage, ...eku.map((e) => (e === 'emailProtection' ? 'emailProtection (S/MIME)' : e))]
  return parts.length ? parts.join(', ') : t('contacts.cert.notRestricted')
}

const STATUS_KEY = {
  valid: 'valid',
  untrusted: 'untrusted',
  expired: 'expired',
  revoked: 'revoked',
  'email-mismatch': 'emailMismatch',
  'not-email-cert': 'notEmailCert',
  error: 'error',
} as const

/** A certificate's status code (core's validation) in words; an unknown code as it is. */
export function statusText(status: string | undefined): string {
  if (!status) return t('contacts.cert.status.checking')
  const key = STATUS_KEY[status as keyof typeof STATUS_KEY]
  return key ? t(`contacts.cert.status.${key}`) : status
}

/** "RSA", 2048 → "RSA, 2048 bits". */
export function keyText(algorithm: string, size?: number): string {
  return size ? t('contacts.cert.bits', { algorithm, size: String(size) }) : algorithm
}

export function revocationText(r: 'good' | 'revoked' | 'unknown'): string {
  if (r === 'good') return t('contacts.cert.crlGood')
  if (r === 'revoked') return t('contacts.cert.crlRevoked')
  return t('contacts.cert.crlUnknown')
}
