import * as asn1js from 'asn1js'
import { children, oidValue, primitiveBytes, stringValue } from './asn1-walk'
import { toHex } from '../util/bytes'

/**
 * Distinguished names as people read them: RFC 4514 string form (most specific
 * RDN first, e.g. "CN=Alice, O=Example, C=US"), with emailAddress shown by name
 * as OpenSSL and most mail clients do.
 */
const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.43': 'initials',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
}

/** One attribute of a Name, in encoding order. */
export interface NameAttribute {
  oid: string
  value: string | null
  /** Content octets, for values that are not strings. */
  raw: Uint8Array
}

/** RDNs of a Name (SEQUENCE OF SET OF AttributeTypeAndValue), encoding order. */
export function nameRdns(name: asn1js.AsnType): NameAttribute[][] {
  return children(name).map((rdn) =>
    children(rdn).map((atv) => {
      const [type, value] = children(atv)
      return {
        oid: oidValue(type) ?? '?',
        value: value ? stringValue(value) : null,
        raw: value ? primitiveBytes(value) : new Uint8Array(0),
      }
    }),
  )
}

/** RFC 4514 §2.4 escaping of an attribute value. */
function escapeValue(v: string): string {
  let s = v.replace(/[\\,+"<>;=]/g, (c) => '\\' + c)
  if (s.startsWith('#') || s.startsWith(' ')) s = '\\' + s
  if (s.endsWith(' ') && s.length > 0) s = s.slice(0, -1) + '\\ '
  return s
}

/** Readable RFC 4514 form of a Name node. */
export function formatName(name: asn1js.AsnType): string {
  return nameRdns(name)
    .reverse()
    .map((rdn) =>
      rdn
        .map((a) => {
          const type = SHORT[a.oid] ?? a.oid
          // Values that are not strings are shown in hex (after RFC 4514 §2.4)
          return a.value !== null ? `${type}=${escapeValue(a.value)}` : `${type}=#${toHex(a.raw)}`
        })
        .join('+'),
    )
    .join(', ')
}

/**
 * Comparison keys for names whose DER differs only in string type or case
 * (RFC 5280 §7.1 simplified: case-folded, whitespace collapsed), one per RDN.
 */
export function rdnKeys(name: asn1js.AsnType): string[] {
  return nameRdns(name).map((rdn) =>
    rdn
      .map((a) => `${a.oid}=${a.value !== null ? a.value.trim().replace(/\s+/g, ' ').toLowerCase() : '#' + toHex(a.raw)}`)
      .sort()
      .join('+'),
  )
}

/** One comparison key for a whole name. */
export function nameKey(name: asn1js.AsnType): string {
  return JSON.stringify(rdnKeys(name))
}

/** Values of the PKCS#9 emailAddress attribute in a subject Name. */
export function nameEmails(name: asn1js.AsnType): string[] {
  const out: string[] = []
  for (const rdn of nameRdns(name)) for (const a of rdn) if (a.oid === '1.2.840.113549.1.9.1' && a.value) out.push(a.value)
  return out
}
