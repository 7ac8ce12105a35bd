/**
 * Signing time against the message's Date header (issue 16, "Time"). A Date header far
 * from the time the signer says it signed is the sign of a replayed or re-dated message
 * (an old signed message sent again under a new date, or a date changed to reorder a
 * conversation). Thunderbird flags a gap of more than an hour; so does Cachet.
 *
 * The signature itself is unchanged (its status stays what the CMS and PKI checks say):
 * the signer gets `dateSkew` and a reason naming both times, and the app shows the
 * signature as a warning instead of plainly verified (mail/security.ts).
 */
import type { LayerReport } from './report'

/** The largest gap between Date and signingTime that is not reported (Thunderbird's). */
export const DATE_SKEW_SECONDS = 60 * 60

/** The Date header as a time, or null when absent or unreadable (RFC 5322 §3.3; Date.parse reads it). */
export function parseDateHeader(value: string | null): Date | null {
  if (value === null) return null
  const t = Date.parse(value.replace(/\s*\([^()]*\)\s*$/, '').trim())
  return Number.isNaN(t) ? null : new Date(t)
}

/** Mark every signer whose signingTime is more than DATE_SKEW_SECONDS from `date`. */
export function markDateSkew(layers: LayerReport[], date: Date | null): void {
  if (date === null) return
  for (const l of layers) {
    if (l.kind !== 'signed') continue
    for (const s of l.signers) {
      if (s.signingTime === null) continue
      const signed = Date.parse(s.signingTime)
      if (Number.isNaN(signed)) continue
      const seconds = Math.round(Math.abs(date.getTime() - signed) / 1000)
      if (seconds <= DATE_SKEW_SECONDS) continue
      const dateIso = date.toISOString()
      s.dateSkew = { date: dateIso, signingTime: s.signingTime, seconds }
      s.reasons.push(`the message is dated ${dateIso} but was signed at ${s.signingTime} (${gap(seconds)} apart): it may have been re-dated or sent again`)
    }
  }
}

function gap(seconds: number): string {
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} hours`
  return `${Math.round(seconds / 86400)} days`
}
