import type { CryptoLike } from '../crypto'
import { toArrayBuffer, toHex } from '../util/bytes'
import { shortName, type ParsedCert } from './certificate'

/**
 * "Distrust after" for email (Mozilla's CKA_NSS_EMAIL_DISTRUST_AFTER): a root being
 * phased out stays trusted for certificates issued before a date and not for those
 * issued after it. Mozilla's rule (wiki.mozilla.org/CA/Additional_Trust_Changes,
 * "Distrust After"; Gecko's isDistrustedCertificateChain): a certificate chaining to
 * such a root whose notBefore is later than the date is not trusted. Gecko compares
 * the end-entity certificate; Cachet also compares every intermediate in the path, so
 * a CA certificate minted after the date cannot vouch for older-looking leaves.
 *
 * The dates of the bundled roots (roots.ts) are here, keyed by the root's SHA-256
 * fingerprint, so validation applies them to a bundled root however the caller
 * passes it (bare DER from the web app's trust store or the CLI's --trust). They are
 * kept out of roots.ts so validation does not pull ~150 KB of roots into the crypto
 * worker. A caller may give any anchor its own date ({ der, emailDistrustAfter }).
 *
 * Source of every date: the CKA_NSS_EMAIL_DISTRUST_AFTER attribute (a UTCTime; CK_FALSE
 * when none) of each root object in the module roots.ts was taken from —
 * /usr/lib/x86_64-linux-gnu/libnssckbi.so of Debian 12's libnss3 2:3.87.1-1+deb12u4,
 * compiled from NSS's lib/ckfw/builtins/certdata.txt — read through PKCS#11
 * (C_FindObjects on CKO_CERTIFICATE, C_GetAttributeValue for CKA_VALUE and 0xce534374;
 * certutil does not print it) and matched to roots.ts by the SHA-256 of CKA_VALUE. All
 * 108 bundled roots matched; these 8 carry a date, the other 100 CK_FALSE.
 * Cross-checked in certdata.txt itself where the source index holds a revision with the
 * entry: Floorp-Projects/Floorp, security/nss/lib/ckfw/builtins/certdata.txt at commit
 * 02649bf3000362869989be4231c3dbd62b482304 (Mozilla's tree), which has
 * "# For Email Distrust After: Wed Aug 31 00:00:00 2022" / CKA_NSS_EMAIL_DISTRUST_AFTER
 * \062\062\060\070\063\061\060\060\060\060\060\060\132 ("220831000000Z") for the two
 * Verisign G3 and the two Symantec G6 roots below, under the same SHA-256 fingerprints
 * (marked [certdata]); that revision predates the TrustCor dates (CK_FALSE there for
 * "TrustCor RootCert CA-2"). github.com/nss-dev/nss lib/ckfw/builtins/certdata.txt at
 * 08782d7cc4a5a1a87397f0ffdf0c15ad236c28a3 is older still: CK_FALSE for the Verisign G3
 * roots. The TrustCor dates are NSS bug 1803453 ("Set
 * CKA_NSS_SERVER_DISTRUST_AFTER and CKA_NSS_EMAIL_DISTRUST_AFTER for 3 TrustCor Root
 * Certificates", NSS 3.86 release notes).
 */
export const BUNDLED_EMAIL_DISTRUST_AFTER: Readonly<Record<string, { name: string; utcTime: string }>> = {
  // [certdata] Floorp-Projects/Floorp@02649bf3 security/nss/lib/ckfw/builtins/certdata.txt, and libnssckbi.so
  cbb5af185e942a2402f9eacbc0ed5bb876eea3c1223623d00447e4f3ba554b65: { name: 'Verisign Class 1 Public Primary Certification Authority - G3', utcTime: '220831000000Z' },
  // [certdata] as above, and libnssckbi.so
  '92a9d9833fe1944db366e8bfae7a95b6480c2d6c6c2a1be65d4236b608fca1bb': { name: 'Verisign Class 2 Public Primary Certification Authority - G3', utcTime: '220831000000Z' },
  // libnssckbi.so (Debian libnss3 2:3.87.1-1+deb12u4)
  '0c258a12a5674aef25f28ba7dcfaeceea348e541e6f5cc4ee63b71b361606ac3': { name: 'Camerfirma Chambers of Commerce Root', utcTime: '210301000000Z' },
  // [certdata] as above, and libnssckbi.so
  '9d190b2e314566685be8a889e27aa8c7d7ae1d8aaddba3c1ecf9d24863cd34b9': { name: 'Symantec Class 1 Public Primary Certification Authority - G6', utcTime: '220831000000Z' },
  // [certdata] as above, and libnssckbi.so
  cb627d18b58ad56dde331a30456bc65c601a4e9b18dedcea08e7daaa07815ff0: { name: 'Symantec Class 2 Public Primary Certification Authority - G6', utcTime: '220831000000Z' },
  // The three TrustCor roots: libnssckbi.so (NSS 3.86+, bug 1803453)
  d40e9c86cd8fe468c1776959f49ea774fa548684b6c406f3909261f4dce2575c: { name: 'TrustCor RootCert CA-1', utcTime: '221130000000Z' },
  '0753e940378c1bd5e3836e395daea5cb839e5046f1bd0eae1951cf10fec7c965': { name: 'TrustCor RootCert CA-2', utcTime: '221130000000Z' },
  '5a885db19c01d912c5759388938cafbbdf031ab2d48e91ee15589b42971d039c': { name: 'TrustCor ECA-1', utcTime: '221130000000Z' },
}

/** UTCTime YYMMDDHHMMSSZ (RFC 5280 §4.1.2.5.1: YY < 50 is 20YY) to a Date. */
export function utcTimeToDate(t: string): Date {
  const m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(t)
  if (!m) throw new Error(`not a UTCTime: ${t}`)
  const yy = Number(m[1])
  return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])))
}

const fingerprints = new WeakMap<Uint8Array, Promise<string>>()

function sha256Hex(der: Uint8Array, crypto: CryptoLike): Promise<string> {
  let p = fingerprints.get(der)
  if (!p) {
    p = crypto.subtle.digest('SHA-256', toArrayBuffer(der)).then((d) => toHex(new Uint8Array(d)))
    fingerprints.set(der, p)
  }
  return p
}

/** The bundled email distrust-after date of this root (by SHA-256 of its DER), or null. */
export async function bundledEmailDistrustAfter(der: Uint8Array, crypto: CryptoLike): Promise<Date | null> {
  const hit = BUNDLED_EMAIL_DISTRUST_AFTER[await sha256Hex(der, crypto)]
  return hit ? utcTimeToDate(hit.utcTime) : null
}

/**
 * Why a path ending at `anchor` is not trusted for email under its distrust-after
 * date, or an empty list. `path` is leaf first and ends with the anchor.
 */
export function distrustProblems(path: readonly ParsedCert[], anchor: ParsedCert, distrustAfter: Date | null): string[] {
  if (!distrustAfter) return []
  const out: string[] = []
  const day = distrustAfter.toISOString().slice(0, 10)
  for (const c of path) {
    if (c === anchor) continue
    if (c.notBefore.getTime() > distrustAfter.getTime()) {
      out.push(
        `${shortName(c)} was issued on ${c.notBefore.toISOString().slice(0, 10)}, after the root ${shortName(anchor)} stopped being trusted for email (it is distrusted for certificates issued after ${day}).`,
      )
    }
  }
  return out
}
