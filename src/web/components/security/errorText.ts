/**
 * Engine and worker errors in words for the Security and Contacts screens. Callers branch
 * on the stable `code`; the engine's own message is kept where it names the detail (the
 * unsupported algorithm, the limit exceeded), because that is what the user needs to act.
 */
import { t } from '../../i18n'

export interface CodedError {
  code: string
  message: string
  field?: 'pfxPassword' | 'passphrase'
}

function coded(e: unknown): CodedError | null {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const x = e as { code: string; message?: unknown; field?: unknown }
    return {
      code: x.code,
      message: typeof x.message === 'string' ? x.message : '',
      ...(x.field === 'pfxPassword' || x.field === 'passphrase' ? { field: x.field } : {}),
    }
  }
  return null
}

/** The sentence to show for a failed PFX import. */
export function importErrorText(e: unknown): string {
  const c = coded(e)
  if (!c) return e instanceof Error ? e.message : String(e)
  switch (c.code) {
    case 'wrong-password':
      return c.field === 'passphrase'
        ? t('security.errors.importPassphrase')
        : t('security.errors.importPassword')
    case 'not-pkcs12':
      return t('security.errors.notPkcs12')
    case 'asn1':
      return t('security.errors.asn1', { detail: c.message })
    case 'unsupported-algorithm':
      return t('security.errors.unsupported', { detail: c.message })
    case 'no-private-key':
      return t('security.errors.noPrivateKey')
    case 'limit-exceeded':
      return t('security.errors.limit', { detail: c.message })
    default:
      return c.message || t('security.errors.importFailed')
  }
}

/** The sentence for any other key-store operation (unlock, backup, settings). */
export function keystoreErrorText(e: unknown): string {
  const c = coded(e)
  if (!c) return e instanceof Error ? e.message : String(e)
  switch (c.code) {
    case 'wrong-password':
      return t('security.errors.wrongPassphrase')
    case 'key-locked':
      return t('security.errors.keyLocked')
    default:
      return c.message || t('security.errors.failed')
  }
}

/** The sentence for a failed "Get a certificate", "Renew" or certificate import. */
export function enrolErrorText(e: unknown): string {
  const c = coded(e)
  if (!c) return e instanceof Error ? e.message : String(e)
  switch (c.code) {
    case 'wrong-password':
      return t('security.errors.enrolPassphrase')
    case 'ca_not_configured':
      return t('security.errors.caNotConfigured')
    case 'ca_unavailable':
      return t('security.errors.caUnavailable')
    case 'ca_refused':
      return t('security.errors.caRefused')
    case 'csr_address_mismatch':
      return t('security.errors.addressMismatch')
    case 'csr_invalid':
      return t('security.errors.csrInvalid')
    case 'rate_limited':
      return t('security.errors.rateLimited')
    case 'network':
      return t('security.errors.network')
    default:
      return c.message || t('security.errors.enrolFailed')
  }
}

/**
 * What is wrong with the key-store passphrase fields of a form (PFX import, Get a
 * certificate), or null. `setting`: this is the first key, so the passphrase is being
 * chosen (asked twice, at least 8 characters) rather than checked.
 */
export function passphraseProblem(passphrase: string, confirm: string, setting: boolean): string | null {
  if (!passphrase) return t('security.errors.enterPassphrase')
  if (setting) {
    if (passphrase.length < 8) return t('security.errors.shortPassphrase')
    if (passphrase !== confirm) return t('security.errors.passphraseMismatch')
  }
  return null
}
