import type * as asn1js from 'asn1js'
import { parseDer } from '../asn1/der'
import { children, isContext, primitiveBytes } from './asn1-walk'
import { rdnKeys } from './name'

/**
 * Name constraints (RFC 5280 §4.2.1.10) for the names mail certificates carry:
 * rfc822Name (a mailbox, a host, or ".domain" for any host below it), applied to
 * SAN addresses and to the subject's legacy emailAddress attribute; dNSName;
 * and directoryName (the subject must lie under the given DN). The CA/Browser
 * Forum S/MIME requirements use these for "technically constrained" CAs. A
 * constraint of any other name type fails closed when a certificate below
 * carries a name of that type.
 */
export type Subtree =
  | { kind: 'email'; value: string }
  | { kind: 'dns'; value: string }
  | { kind: 'dn'; rdns: string[] }
  | { kind: 'other'; tag: number }

export interface NameConstraints {
  permitted: Subtree[] | null
  excluded: Subtree[]
}

/** The names of one certificate that constraints apply to. */
export interface ConstrainedNames {
  emails: string[]
  dns: string[]
  subjectRdns: string[]
  /** GeneralName tags present in the SAN that are not handled above. */
  otherTags: number[]
}

export function parseNameConstraints(extnValue: Uint8Array): NameConstraints {
  const nc: NameConstraints = { permitted: null, excluded: [] }
  for (const part of children(parseDer(extnValue, 'name constraints'))) {
    const subtrees = children(part).map((st) => subtree(children(st)[0]))
    if (isContext(part, 0)) nc.permitted = subtrees
    else if (isContext(part, 1)) nc.excluded = subtrees
  }
  return nc
}

function subtree(base: asn1js.AsnType | undefined): Subtree {
  if (base && isContext(base, 1)) return { kind: 'email', value: text(primitiveBytes(base)) }
  if (base && isContext(base, 2)) return { kind: 'dns', value: text(primitiveBytes(base)) }
  if (base && isContext(base, 4)) {
    const name = children(base)[0]
    return { kind: 'dn', rdns: name ? rdnKeys(name) : [] }
  }
  return { kind: 'other', tag: base ? base.idBlock.tagNumber : -1 }
}

function text(b: Uint8Array): string {
  let s = ''
  for (const c of b) s += String.fromCharCode(c)
  return s.toLowerCase()
}

/** Does an address fall within an rfc822Name constraint? */
function emailWithin(address: string, c: string): boolean {
  const a = address.toLowerCase()
  const at = a.lastIndexOf('@')
  const host = at >= 0 ? a.slice(at + 1) : a
  if (c.includes('@')) return a === c
  if (c.startsWith('.')) return host.endsWith(c)
  return host === c
}

function dnsWithin(name: string, c: string): boolean {
  const n = name.toLowerCase()
  if (c === '') return true
  const bare = c.startsWith('.') ? c.slice(1) : c
  return n === bare || n.endsWith('.' + bare)
}

function dnWithin(rdns: string[], c: string[]): boolean {
  return c.length <= rdns.length && c.every((r, i) => rdns[i] === r)
}

/**
 * Reasons `names` violate `nc`; empty when they conform. `checkSubject` is false
 * for self-issued intermediates, whose subject is exempt (RFC 5280 §6.1.3 (b)).
 */
export function constraintViolations(nc: NameConstraints, names: ConstrainedNames, checkSubject: boolean): string[] {
  const out: string[] = []
  const check = (kind: Subtree['kind'], value: string, within: (c: Subtree) => boolean) => {
    const relevant = nc.permitted?.filter((c) => c.kind === kind)
    if (relevant && relevant.length && !relevant.some(within)) out.push(`${value} is outside the names its CA may certify`)
    if (nc.excluded.some((c) => c.kind === kind && within(c))) out.push(`${value} is a name its CA is forbidden to certify`)
  }
  for (const e of names.emails) check('email', e, (c) => c.kind === 'email' && emailWithin(e, c.value))
  for (const d of names.dns) check('dns', d, (c) => c.kind === 'dns' && dnsWithin(d, c.value))
  if (checkSubject && names.subjectRdns.length) {
    check('dn', 'the subject name', (c) => c.kind === 'dn' && dnWithin(names.subjectRdns, c.rdns))
  }
  const unprocessed = [...(nc.permitted ?? []), ...nc.excluded].filter((c): c is { kind: 'other'; tag: number } => c.kind === 'other')
  for (const c of unprocessed) {
    if (names.otherTags.includes(c.tag)) out.push(`a name constraint of type [${c.tag}] cannot be checked`)
  }
  return out
}
