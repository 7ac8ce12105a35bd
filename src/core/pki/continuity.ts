import { parseDer } from '../asn1/der'
import { equal } from '../util/bytes'
import { parseCertificate, type ParsedCert } from './certificate'
import { nameRdns } from './name'

/**
 * Signer continuity (issue 9): how a signer's certificate relates to the certificates
 * already known for the same address, the way SSH compares a host key with known_hosts.
 * S/MIME has no such check in any mail client: a CA that issues a certificate for
 * alice@example.com to someone else passes path validation. A change of BOTH key and
 * issuer is what such a mis-issuance (or a self-signed forgery) looks like, so that is
 * the one said aloud; ordinary life cycle events stay quiet:
 *
 * - 'first'    nothing known for the address (trust on first use: nothing to compare);
 * - 'same'     this very certificate is known;
 * - 'renewed'  a known certificate has the same issuer: the same issuer Name (RFC 5280
 *              §7.1 comparison, as path building does) or the same authority key
 *              identifier (RFC 5280 §4.2.1.1; a CA that renamed itself keeps its key).
 *              A new key from the same issuer is a renewal: CAs rekey users routinely;
 * - 'same-key' a known certificate has the identical public key (SubjectPublicKeyInfo)
 *              but another issuer: the person moved the key they hold to another CA
 *              (or had it cross-certified). Quiet, because whoever signed this message
 *              holds the private key we already associated with the address; a new
 *              issuer cannot change that, and warning here would teach people to ignore
 *              the warning;
 * - 'changed'  neither: a different key from a different issuer.
 *
 * Only the certificates' own fields are compared: an issuer Name or key identifier is
 * what the certificate claims. Whether that claim is backed by a chain to a trusted root
 * is the signature verdict's business (an untrusted signer is already warned about); this
 * function answers only "does it continue what we knew?".
 *
 * Pure: DER in, plain data out. Unreadable known certificates are skipped (stored data
 * must not make the check throw); an unreadable new certificate throws CoreError('asn1').
 */
export type SignerContinuity =
  | { kind: 'first' }
  | { kind: 'same' }
  | { kind: 'renewed' }
  | { kind: 'same-key' }
  | {
      kind: 'changed'
      /** The new certificate's issuer, RFC 4514 form ("CN=Other CA, O=Other"). */
      issuer: string
      /** The same issuer as a person reads it: its CN, else O, else OU, else the whole Name. */
      issuerName: string
      /** Issuers of the known certificates (RFC 4514), each once, in the order given. */
      previousIssuers: string[]
    }

/** Compare a signer's certificate (DER) with the certificates known before for its address (DER). */
export function signerContinuity(der: Uint8Array, known: readonly Uint8Array[]): SignerContinuity {
  const next = parseCertificate(der)
  const before = known.map(readable).filter((p): p is ParsedCert => p !== null)
  if (before.length === 0) return { kind: 'first' }
  if (before.some((p) => equal(p.der, next.der))) return { kind: 'same' }
  if (before.some((p) => sameIssuer(p, next))) return { kind: 'renewed' }
  if (before.some((p) => equal(p.spki, next.spki))) return { kind: 'same-key' }
  return {
    kind: 'changed',
    issuer: next.issuer,
    issuerName: readableIssuer(next),
    previousIssuers: [...new Set(before.map((p) => p.issuer))],
  }
}

function readable(der: Uint8Array): ParsedCert | null {
  try {
    return parseCertificate(der)
  } catch {
    return null
  }
}

function sameIssuer(a: ParsedCert, b: ParsedCert): boolean {
  if (a.issuerKey === b.issuerKey) return true
  return a.akiKeyId !== null && b.akiKeyId !== null && a.akiKeyId.length > 0 && equal(a.akiKeyId, b.akiKeyId)
}

const CN = '2.5.4.3'
const O = '2.5.4.10'
const OU = '2.5.4.11'

/**
 * The issuer's most specific CN (the first in RFC 4514 order), else O, else OU, else the
 * whole Name. The value is the issuer's own choice, so control and invisible formatting
 * characters (bidi overrides) are dropped and whitespace collapsed before anyone reads it.
 */
function readableIssuer(p: ParsedCert): string {
  const attrs = nameRdns(parseDer(p.issuerDer, 'issuer name')).reverse().flat()
  for (const oid of [CN, O, OU]) {
    for (const a of attrs) {
      const v = a.oid === oid && a.value !== null ? clean(a.value) : ''
      if (v) return v
    }
  }
  return clean(p.issuer) || 'an unnamed issuer'
}

function clean(s: string): string {
  return s.replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim()
}
