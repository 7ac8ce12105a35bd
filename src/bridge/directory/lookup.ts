/**
 * "Which certificates does the directory publish for these addresses?" One subtree
 * search for all of them, `(|(mail=a)(mail=b)…)` with every value escaped (RFC 4515),
 * then each entry's certificates go to every requested address among its mail values
 * (an entry may have several). The bridge passes on public data and decides no trust:
 * the browser validates every certificate as it would one from a message.
 */
import type { Client, Entry } from 'ldapts'
import { DIRECTORY_MAX_CERTIFICATE_BYTES, DIRECTORY_MAX_CERTIFICATES, type DirectoryResult } from '../../contract/index'
import { BridgeError } from '../errors'
import { equalityFilter } from './filter'
import { directoryFailure, directoryUnavailable, withDirectory, type DirectoryConfig } from './ldap'

/** Entries a lookup reads at most (100 addresses, a few entries each at most). */
export const MAX_ENTRIES = 500

/** Both names a server may answer the certificate attribute with (RFC 4523 §2.1 transfers it ;binary). */
const CERT_ATTRIBUTES = ['userCertificate;binary', 'userCertificate']

export interface DirectoryEntry {
  dn: string
  /** Every mail value, trimmed and lower-cased. */
  mail: string[]
  certificates: Buffer[]
}

/** An attribute of an entry by name, whatever case the server used, as a list. */
function values(entry: Entry, name: string): (string | Buffer)[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase())
  const v = key === undefined ? undefined : entry[key]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}

function toEntry(e: Entry): DirectoryEntry {
  const mail = values(e, 'mail').map((m) => (Buffer.isBuffer(m) ? m.toString('utf8') : m).trim().toLowerCase())
  const certificates = CERT_ATTRIBUTES.flatMap((a) => values(e, a)).filter((c): c is Buffer => Buffer.isBuffer(c))
  return { dn: e.dn, mail, certificates }
}

/** Searches the entries whose mail is one of `addresses` (on a connection the caller owns). */
export async function searchByMail(client: Client, d: DirectoryConfig, addresses: readonly string[], attributes = ['mail', ...CERT_ATTRIBUTES]): Promise<DirectoryEntry[]> {
  const { searchEntries } = await client.search(d.base, {
    scope: 'sub',
    filter: equalityFilter('mail', addresses),
    attributes,
    sizeLimit: MAX_ENTRIES,
    timeLimit: Math.max(1, Math.ceil(d.timeoutMs / 1000)),
    explicitBufferAttributes: CERT_ATTRIBUTES,
  })
  return searchEntries.map(toEntry)
}

/** The same as searchByMail on its own connection, failures mapped to directory_unavailable. */
export async function findEntries(d: DirectoryConfig, addresses: readonly string[], log?: Log): Promise<DirectoryEntry[]> {
  try {
    return await withDirectory(d, (client) => searchByMail(client, d, addresses))
  } catch (e) {
    if (e instanceof BridgeError) throw e
    log?.warn({ err: { message: directoryFailure(e) } }, 'directory lookup failed')
    throw directoryUnavailable()
  }
}

interface Log {
  warn(obj: object, msg: string): void
}

/** The certificates of `requested` from what the directory answered (see matchCertificates). */
export async function lookupCertificates(d: DirectoryConfig, requested: readonly string[], log?: Log): Promise<DirectoryResult[]> {
  const addresses = distinct(requested)
  return matchCertificates(addresses, await findEntries(d, addresses, log))
}

/** Trimmed, lower-cased, each once, in the order first given. */
export function distinct(addresses: readonly string[]): string[] {
  return [...new Set(addresses.map((a) => a.trim().toLowerCase()))]
}

/**
 * One result per address (already distinct), with the certificates of every entry that
 * lists it among its mail values: duplicates dropped, values above
 * DIRECTORY_MAX_CERTIFICATE_BYTES skipped, at most DIRECTORY_MAX_CERTIFICATES.
 */
export function matchCertificates(addresses: readonly string[], entries: readonly DirectoryEntry[]): DirectoryResult[] {
  return addresses.map((address) => {
    const seen = new Set<string>()
    const certificates: string[] = []
    for (const entry of entries) {
      if (!entry.mail.includes(address)) continue
      for (const der of entry.certificates) {
        if (certificates.length >= DIRECTORY_MAX_CERTIFICATES) break
        if (der.length === 0 || der.length > DIRECTORY_MAX_CERTIFICATE_BYTES) continue
        const b64 = der.toString('base64')
        if (seen.has(b64)) continue
        seen.add(b64)
        certificates.push(b64)
      }
    }
    return { address, certificates }
  })
}
