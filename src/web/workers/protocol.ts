/**
 * The crypto worker's message protocol: one typed table of requests and their results,
 * shared by the worker and its client so neither side can drift.
 *
 * What crosses this boundary, by design: certificates (DER), messages (raw bytes), reports,
 * public facts about identities, and — inbound only — passphrases and PFX passwords.
 * Private keys, derived keys and passphrases never travel back to the page.
 */
import type { ForwardedMessage } from '../../core/message/forwarded'
import type { SecurityReport } from '../../core/message/report'
import type { IdentityInfo, RequestInfo } from '../storage/db'
import type { ListSubject, LocalHit } from './searchIndex'

export interface KeystoreStatus {
  /** A key-store passphrase has been set (the first PFX import sets it). */
  initialized: boolean
  unlocked: boolean
  /** Number of stored identities. */
  identities: number
  idleMinutes: number
  /** When the worker will lock by itself (epoch ms), or null. */
  lockAt: number | null
  /** "Remember on this device" is on: keys unlock without the passphrase on this device. */
  remembered: boolean
}

/** The public half of a keyring: the worker adds the unlocked identities itself. */
export interface PublicKeyring {
  trustAnchors: Uint8Array[]
  certificates: Uint8Array[]
  crls: Uint8Array[]
  /** OCSP answers kept for this page (stores/ocsp.ts); core checks them again. */
  ocsp?: Uint8Array[]
  /** ISO time to validate at; default now. */
  at?: string
  /**
   * Certificates accepted in Contacts as "Mail gateway for <domain>", by domain (issue 10):
   * passed to core's open (OpenOptions.gateways) so gateway-signed mail reads as 'gateway'.
   */
  gateways?: Record<string, Uint8Array[]>
}

export type OpenResult =
  | {
      kind: 'opened'
      /**
       * Layers, verdict, errors, From and Subject. Its `text` and `attachments` stay empty:
       * the page reads the body from `inner`, so the worker does not decode it as well.
       */
      report: SecurityReport
      /** The innermost unwrapped MIME entity (decrypted and/or unsigned), or null. */
      inner: Uint8Array | null
      /** The message's bytes, handed back: a caller that moved them here (CallOptions.transfer) keeps them for display and retries. */
      raw: Uint8Array
      /**
       * The forwarded messages' bytes (core ForwardedMessage: the enclosed message as sent
       * and its unwrapped content), in the order of report.forwarded, each copied out.
       */
      forwarded: ForwardedMessage[]
    }
  | {
      /** Encrypted to one of our identities, but the key store is locked: prompt, unlock, retry. */
      kind: 'key-locked'
      identityIds: string[]
      report: SecurityReport
      /** As for 'opened': the bytes to retry with once unlocked. */
      raw: Uint8Array
    }

export interface SealRequest {
  /** Identity to sign with (and to encrypt to, so the sender can read Sent). */
  identityId: string
  sign: boolean
  encrypt: boolean
  /** Recipients' certificates (DER). */
  recipients: Uint8Array[]
  cipher?: 'aes-256-gcm' | 'aes-128-gcm' | 'aes-256-cbc' | 'aes-128-cbc'
  oaep?: boolean
  pss?: boolean
  /** Opaque signed-data instead of multipart/signed. */
  opaque?: boolean
  digest?: 'sha256' | 'sha384' | 'sha512'
  /** Encrypting: the Subject reads "[...]" outside (RFC 9788; core SealOptions.protectSubject). */
  protectSubject?: boolean
}

export type SealResult = { kind: 'sealed'; raw: Uint8Array } | { kind: 'key-locked'; identityIds: string[] }

export interface ImportPfxResult {
  /** Every identity (certificate with its key) found in the file; usually one. */
  identities: IdentityInfo[]
  /** True when this import set the key-store passphrase. */
  passphraseSet: boolean
  /** True when an identity with the same certificate was replaced. */
  replaced: boolean
}

export interface CreateRequestResult {
  request: RequestInfo
  /** True when this request set the key-store passphrase. */
  passphraseSet: boolean
}

export interface CompleteRequestResult {
  identity: IdentityInfo
  requestId: string
}

/** Request name → [argument, result]. */
export interface WorkerMethods {
  status: [Record<string, never>, KeystoreStatus]
  unlock: [{ passphrase: string }, KeystoreStatus]
  lock: [Record<string, never>, KeystoreStatus]
  configure: [{ idleMinutes: number }, KeystoreStatus]
  /** Turning it on needs the key store unlocked (or the passphrase). */
  setRemember: [{ remember: boolean; passphrase?: string }, KeystoreStatus]
  importPfx: [{ bytes: Uint8Array; pfxPassword: string | null; passphrase: string }, ImportPfxResult]
  exportPfx: [{ identityId: string; newPassword: string }, Uint8Array]
  deleteIdentity: [{ identityId: string }, KeystoreStatus]
  /** Enrolment: a new key pair, sealed here, and its PKCS#10 request (only the request comes back). */
  createRequest: [{ email: string; keyType: 'rsa-3072' | 'p-256'; passphrase: string; via: 'ca' | 'file'; renews: string | null }, CreateRequestResult]
  /** The issued certificate (with its chain, any order) for a waiting key: it becomes an identity. */
  completeRequest: [{ certificates: Uint8Array[] }, CompleteRequestResult]
  discardRequest: [{ id: string }, KeystoreStatus]
  /** `allowWeakCiphers`: the user's "Read as unprotected text" (core OpenOptions.allowWeakCiphers). */
  /** `index`: where the message is; once decrypted it goes into the local search index (issue 13). */
  open: [{ raw: Uint8Array; keyring: PublicKeyring; allowWeakCiphers?: boolean; index?: { mailbox: string; uid: number } }, OpenResult]
  seal: [{ draftRaw: Uint8Array; options: SealRequest }, SealResult]
  /** Search the local index of decrypted mail of one mailbox; `hits` null: locked, encrypted mail not searched. */
  searchLocal: [{ query: string; mailbox: string }, { hits: LocalHit[] | null }]
  /** Protected subjects of the mailbox's decrypted messages, by UID; null when locked. */
  protectedSubjects: [{ mailbox: string }, { subjects: Record<number, ListSubject> | null }]
  /** "Forget search index": delete it (memory and IndexedDB). */
  forgetSearchIndex: [Record<string, never>, Record<string, never>]
}

export type MethodName = keyof WorkerMethods

export interface WorkerRequest<K extends MethodName = MethodName> {
  id: number
  method: K
  args: WorkerMethods[K][0]
}

export interface WorkerErrorBody {
  code: string
  message: string
  /** Which input was wrong, when it matters to the form (two passwords on one form). */
  field?: 'pfxPassword' | 'passphrase'
}

export type WorkerResponse =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  /** `returned`: the message bytes of an 'open' request, handed back (the caller may have moved them here). */
  | { kind: 'result'; id: number; ok: false; error: WorkerErrorBody; returned?: Uint8Array }
  | { kind: 'progress'; id: number; phase: string; done: number; total: number }
  | { kind: 'status'; status: KeystoreStatus }
