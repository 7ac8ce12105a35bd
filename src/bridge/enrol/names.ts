/**
 * The registration authority's one judgement: does this request name the signed-in
 * account, and nothing else? The subject's emailAddress, a subject CN written as an
 * address, and every rfc822Name subjectAltName must all be that address (without case,
 * after trimming; RFC 5321 makes only the domain case-insensitive, but mailbox providers
 * and our sign-in treat the whole address so), and there must be at least one of them.
 * Any other subjectAltName (dNSName, URI, iPAddress, otherName, directoryName…) and any
 * subject attribute other than CN and emailAddress is refused: the bridge can vouch for
 * the address, and for nothing else. The CA is told the address again, as the only name
 * (defence in depth), but a request that asks for more is refused here, not trimmed.
 */
import { BridgeError } from '../errors'
import type { CsrNames, GeneralNameKind } from './csr'

const norm = (s: string) => s.trim().toLowerCase()
const KIND: Record<Exclude<GeneralNameKind, 'email'>, string> = {
  dns: 'a DNS name',
  uri: 'a URI',
  ip: 'an IP address',
  otherName: 'an otherName',
  directoryName: 'a directory name',
  registeredID: 'a registered ID',
  x400Address: 'an X.400 address',
  ediPartyName: 'an EDI party name',
}
const quote = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)

export function checkCsrNames(names: CsrNames, account: string): void {
  const mismatch = (why: string) => new BridgeError('csr_address_mismatch', `${why} A certificate can be requested only for your own address, ${account}.`)
  const me = norm(account)
  if (names.otherSubjectAttributes.length) {
    throw mismatch(`The request's subject holds more than your address (${names.otherSubjectAttributes.join(', ')}); only CN and emailAddress are allowed.`)
  }
  for (const n of names.altNames) {
    if (n.kind !== 'email') throw mismatch(`The request also asks for ${KIND[n.kind]}${n.value ? ` (${quote(n.value)})` : ''}.`)
  }
  const addresses = [
    ...names.subjectEmails,
    ...names.subjectCommonNames.filter((cn) => cn.includes('@')),
    ...names.altNames.map((n) => n.value),
  ]
  if (addresses.length === 0) throw mismatch('The request names no email address (subject emailAddress or subjectAltName).')
  const wrong = addresses.find((a) => norm(a) !== me)
  if (wrong !== undefined) throw mismatch(`The request names ${quote(wrong)}.`)
}
