/** Display helpers for certificates. Pure. */

/** "ab12cd…" → "AB:12:CD:…", how other clients show fingerprints. */
export function fingerprint(hex: string): string {
  return (hex.toUpperCase().match(/.{1,2}/g) ?? []).join(':')
}

/** Human names for key usages and EKUs, as the certificate states them. */
export function usagesText(keyUsage: readonly string[], eku: readonly string[]): string {
  const parts = [...keyUsage, ...eku.map((e) => (e === 'emailProtection' ? 'emailProtection (S/MIME)' : e))]
  return parts.length ? parts.join(', ') : 'Not restricted'
}

const STATUS_TEXT: Record<string, string> = {
  valid: 'Trusted: chains to an authority you trust',
  untrusted: 'Not trusted: no path to an authority you trust',
  expired: 'Not valid: expired or not yet valid',
  revoked: 'Revoked by its authority',
  'email-mismatch': 'Not valid for this address',
  'not-email-cert': 'Not an email certificate (no emailProtection usage)',
  error: 'Cannot be checked',
}

export function statusText(status: string | undefined): string {
  return status ? (STATUS_TEXT[status] ?? status) : 'Checking…'
}

/** "RSA", 2048 → "RSA, 2048 bits". */
export function keyText(algorithm: string, size?: number): string {
  return size ? `${algorithm}, ${size} bits` : algorithm
}

export function revocationText(r: 'good' | 'revoked' | 'unknown'): string {
  if (r === 'good') return 'Checked against its authority\'s CRL: not revoked'
  if (r === 'revoked') return 'REVOKED by its authority'
  return 'Not checked (no CRL available)'
}
