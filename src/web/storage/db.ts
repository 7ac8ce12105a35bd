/**
 * Cachet's IndexedDB: one database per mail account on this browser ("cachet:" + the
 * address), versioned schema, typed with idb's DBSchema. Per account because a browser
 * may be shared: bob signing in after alice must not see her identities, contacts, trust
 * decisions, drafts or unsent mail (and must not be able to press Retry on her outbox).
 *
 * Opened from the page AND from the crypto worker (IndexedDB works in workers). Only the
 * worker reads `identities[].sealedKey` to unseal it; the page's accessors strip it.
 * Everything stored is structured-clone data: DER as Uint8Array, sealed keys as JSON-safe
 * objects, and one non-extractable CryptoKey (the device key of "remember on this device").
 *
 * Schema changes: bump DB_VERSION and add a step to `upgrade` for `oldVersion < N`; never
 * edit an earlier step, users' browsers have already run it.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { PassphraseVerifier, SealedKey } from '../../core/keystore'
import type { PolicyRule } from '../../contract'
import type { SealedIndex } from '../workers/searchIndex'

export const DB_VERSION = 3

/** The database of one account. */
export function dbNameFor(account: string): string {
  return `cachet:${account.trim().toLowerCase()}`
}

/** The crypto worker of one account carries it in its name (see workers/client.ts). */
export const WORKER_NAME_PREFIX = 'cachet-crypto:'

let account: string | null = null

/** Public facts about an identity, shown in the UI (no key material). */
export interface IdentityInfo {
  /** SHA-256 of the end-entity certificate DER, lowercase hex. */
  id: string
  subject: string
  issuer: string
  serial: string
  emails: string[]
  notBefore: string
  notAfter: string
  keyAlgorithm: string
  keySize?: number
  /** Subject key identifier (hex) when the certificate has one: recipients may name us by it. */
  subjectKeyIdentifier: string | null
  /** Addresses for which this identity is the default (From address → identity). */
  defaultFor: string[]
  /** Algorithms the PFX file used (for the record; e.g. "pbeWithSHAAnd3-KeyTripleDES-CBC"). */
  pfxAlgorithms: string[]
  addedAt: string
  certificate: Uint8Array
  chain: Uint8Array[]
}

export interface IdentityRecord extends IdentityInfo {
  sealedKey: SealedKey
}

/**
 * A certificate request made in this browser and not yet answered by a certificate: the
 * new key waits here, sealed like an identity's, until the issued certificate arrives
 * (from the organisation's CA at once, or imported later for a request sent elsewhere).
 */
export interface RequestInfo {
  /** SHA-256 of the new key's SubjectPublicKeyInfo, lowercase hex: the certificate is matched by its key. */
  id: string
  email: string
  keyType: 'rsa-3072' | 'p-256'
  /** The PKCS#10 request (PEM), to download again. */
  csrPem: string
  /** 'ca': sent to the organisation's CA through the bridge; 'file': downloaded for any CA. */
  via: 'ca' | 'file'
  /** The identity this request renews, if any (it stays: mail encrypted to its key still opens). */
  renews: string | null
  createdAt: string
}

export interface RequestRecord extends RequestInfo {
  sealedKey: SealedKey
}

export type CertificateSource = 'import' | 'mail' | 'directory'

/** A correspondent's (or an authority's) certificate, keyed by its SHA-256. */
export interface CertificateRecord {
  sha256: string
  der: Uint8Array
  subject: string
  issuer: string
  serial: string
  /** Lowercased addresses the certificate vouches for (the by-email index). */
  emails: string[]
  notBefore: string
  notAfter: string
  selfSigned: boolean
  isCA: boolean
  keyAlgorithm: string
  keySize?: number
  keyUsage: string[]
  extendedKeyUsage: string[]
  source: CertificateSource
  firstSeen: string
  lastSeen: string
  /** SMIMECapabilities last announced by this certificate's owner (algorithm names). */
  capabilities: string[] | null
  capabilitiesSeen: string | null
  /**
   * The user accepted this certificate as the mail gateway of this domain (a domain
   * certificate, as in the Open Group's S/MIME gateway profile): mail to someone at the
   * domain without a personal certificate is encrypted to it. Absent = not a gateway.
   */
  gatewayFor?: string
}

/** A user trust decision: trust a root for email, or distrust a bundled one. */
export interface TrustRecord {
  sha256: string
  decision: 'trusted' | 'distrusted'
  subject: string
  der: Uint8Array
  decidedAt: string
}

export interface Settings {
  signAll: boolean
  encryptWhenPossible: boolean
  autoCollectCertificates: boolean
  /** Minutes of inactivity after which the crypto worker forgets unlocked keys. */
  lockIdleMinutes: number
  /** Opt-in: keep the key store unlockable on this device without the passphrase. */
  rememberOnDevice: boolean
  /** This account's own policy rules, on top of the organisation's (they only add requirements). */
  personalRules: PolicyRule[]
  /**
   * Encrypted mail goes out with its Subject obscured ("[...]", RFC 9788 header protection):
   * compose's "Protect subject" starts ticked. On out of the box (issue 13).
   */
  protectSubject: boolean
}

export const DEFAULT_SETTINGS: Settings = {
  signAll: false,
  encryptWhenPossible: true,
  autoCollectCertificates: false,
  lockIdleMinutes: 15,
  rememberOnDevice: false,
  personalRules: [],
  protectSubject: true,
}

/** Key-store metadata: the passphrase verifier and, when opted in, the device record. */
export type KeystoreMeta =
  | { key: 'verifier'; verifier: PassphraseVerifier }
  | { key: 'device'; deviceKey: CryptoKey; iv: string; data: string; createdAt: string }

export interface DraftRecord {
  id: string
  /** The draft as raw MIME; sealed (encrypted to yourself) when the draft is marked Encrypt. */
  raw: Uint8Array
  encrypted: boolean
  subject: string
  updatedAt: string
  /** IMAP UID of the server copy in Drafts, if saved there. */
  serverUid: number | null
}

/**
 * Where a message in the Outbox stands (issue 11: nothing lost, nothing sent twice):
 * - 'sending': written before the bytes leave, so a page that closes or a session that
 *   ends mid-send loses nothing; one found later was interrupted before the server answered;
 * - 'unsent': the server refused or could not be reached; Retry sends it;
 * - 'copy-missing': the server accepted it (it went out) but the copy to Sent failed;
 *   Retry only appends these bytes to Sent, and never sends them again.
 */
export type OutboxState = 'sending' | 'unsent' | 'copy-missing'

export interface OutboxRecord {
  id: string
  /** Absent in records kept before states existed: those are 'unsent'. */
  state?: OutboxState
  /** Exactly the bytes to send (already sealed). */
  raw: Uint8Array
  envelope: { from?: string; to?: string[] }
  subject: string
  createdAt: string
  attempts: number
  lastError: string | null
  lastAttemptAt: string | null
}

export interface CrlRecord {
  url: string
  der: Uint8Array
  fetchedAt: string
  thisUpdate: string | null
  nextUpdate: string | null
}

export interface CachetDb extends DBSchema {
  identities: { key: string; value: IdentityRecord; indexes: { 'by-email': string } }
  keystore: { key: string; value: KeystoreMeta }
  certificates: { key: string; value: CertificateRecord; indexes: { 'by-email': string } }
  trust: { key: string; value: TrustRecord }
  settings: { key: string; value: Settings }
  drafts: { key: string; value: DraftRecord }
  outbox: { key: string; value: OutboxRecord }
  crls: { key: string; value: CrlRecord }
  requests: { key: string; value: RequestRecord }
  /** The search index of decrypted mail, sealed (workers/searchIndex.ts): one record, 'index'. */
  searchIndex: { key: string; value: SealedIndex }
}

let dbPromise: Promise<IDBPDatabase<CachetDb>> | null = null

/** Whose data db() opens: set at sign-in (page) or from the worker's name (worker). */
export function setDbAccount(next: string | null): void {
  const a = next ? next.trim().toLowerCase() : null
  if (a === account) return
  void dbPromise?.then((d) => d.close()).catch(() => {})
  dbPromise = null
  account = a
}

export function dbAccount(): string | null {
  return account
}

/** The shared connection (one per page or worker) to the signed-in account's database. */
export function db(): Promise<IDBPDatabase<CachetDb>> {
  if (!account) return Promise.reject(new Error('Local data belongs to an account: sign in first.'))
  dbPromise ??= openDB<CachetDb>(dbNameFor(account), DB_VERSION, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        const ids = database.createObjectStore('identities', { keyPath: 'id' })
        ids.createIndex('by-email', 'emails', { multiEntry: true })
        database.createObjectStore('keystore', { keyPath: 'key' })
        const certs = database.createObjectStore('certificates', { keyPath: 'sha256' })
        certs.createIndex('by-email', 'emails', { multiEntry: true })
        database.createObjectStore('trust', { keyPath: 'sha256' })
        database.createObjectStore('settings')
        database.createObjectStore('drafts', { keyPath: 'id' })
        database.createObjectStore('outbox', { keyPath: 'id' })
        database.createObjectStore('crls', { keyPath: 'url' })
      }
      if (oldVersion < 2) {
        database.createObjectStore('requests', { keyPath: 'id' })
      }
      if (oldVersion < 3) {
        database.createObjectStore('searchIndex')
      }
    },
    blocking() {
      // A newer tab wants to upgrade: let it, and reopen on next use.
      void dbPromise?.then((d) => d.close())
      dbPromise = null
    },
  })
  return dbPromise
}

/** A random id for drafts and outbox entries. */
export function newId(): string {
  return globalThis.crypto.randomUUID()
}
