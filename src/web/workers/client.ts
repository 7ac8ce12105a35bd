/**
 * The page's typed client of the crypto worker. Every call is a promise of the method's
 * result (protocol.ts); errors come back as WorkerError with the engine's stable `code`
 * (CoreErrorCode: 'wrong-password', 'not-pkcs12', 'unsupported-algorithm', 'key-locked'…).
 *
 *   const w = cryptoWorker()
 *   await w.call('importPfx', { bytes, pfxPassword, passphrase })
 *   const r = await w.call('open', { raw, keyring })
 *   if (r.kind === 'key-locked') { await w.call('unlock', { passphrase }); retry }
 */
import { dbAccount, WORKER_NAME_PREFIX } from '../storage/db'
import type { KeystoreStatus, MethodName, WorkerMethods, WorkerRequest, WorkerResponse } from './protocol'

export class WorkerError extends Error {
  override readonly name = 'WorkerError'
  constructor(
    readonly code: string,
    message: string,
    readonly field?: 'pfxPassword' | 'passphrase',
    /** The request's message bytes, handed back by a failed 'open' (they may have been moved to the worker). */
    readonly returned?: Uint8Array,
  ) {
    super(message)
  }
}

export interface CallOptions {
  /** Progress of long operations (seal of a large message). */
  onProgress?: (p: { phase: string; done: number; total: number }) => void
  /** Buffers to move to the worker instead of copying (the caller loses them). */
  transfer?: Transferable[]
}

interface Pending {
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
  onProgress?: CallOptions['onProgress']
}

export class CryptoWorkerClient {
  private nextId = 1
  private pending = new Map<number, Pending>()
  private statusListeners = new Set<(s: KeystoreStatus) => void>()

  constructor(private readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent<WorkerResponse>) => this.receive(ev.data)
    worker.onerror = (ev) => {
      const err = new WorkerError('internal', `The crypto worker failed: ${ev.message || 'unknown error'}. Reload the page.`)
      for (const p of this.pending.values()) p.reject(err)
      this.pending.clear()
    }
  }

  call<K extends MethodName>(method: K, args: WorkerMethods[K][0], opts: CallOptions = {}): Promise<WorkerMethods[K][1]> {
    const id = this.nextId++
    return new Promise<WorkerMethods[K][1]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) })
      const req: WorkerRequest<K> = { id, method, args }
      this.worker.postMessage(req, opts.transfer ?? [])
    })
  }

  /** Lock/unlock changes pushed by the worker (idle lock included). Returns an unsubscribe. */
  onStatus(listener: (s: KeystoreStatus) => void): () => void {
    this.statusListeners.add(listener)
    return () => this.statusListeners.delete(listener)
  }

  terminate(): void {
    this.worker.terminate()
    for (const p of this.pending.values()) p.reject(new Error('Signed out: the key store was closed.'))
    this.pending.clear()
  }

  private receive(msg: WorkerResponse): void {
    if (msg.kind === 'status') {
      for (const l of this.statusListeners) l(msg.status)
      return
    }
    const p = this.pending.get(msg.id)
    if (!p) return
    if (msg.kind === 'progress') {
      p.onProgress?.({ phase: msg.phase, done: msg.done, total: msg.total })
      return
    }
    this.pending.delete(msg.id)
    if (msg.ok) p.resolve(msg.value)
    else p.reject(new WorkerError(msg.error.code, msg.error.message, msg.error.field, msg.returned))
  }
}

let shared: CryptoWorkerClient | null = null
let sharedFor: string | null = null

/**
 * The signed-in account's crypto worker, started on first use. One per account: its name
 * tells it whose database holds the sealed keys (storage/db.ts), and a worker of another
 * account is ended first, so keys unlocked by one person never serve the next.
 */
export function cryptoWorker(): CryptoWorkerClient {
  const account = dbAccount()
  if (!account) throw new Error('The key store belongs to an account: sign in first.')
  if (shared && sharedFor !== account) endCryptoWorker()
  sharedFor = account
  shared ??= new CryptoWorkerClient(new Worker(new URL('./crypto.worker.ts', import.meta.url), { type: 'module', name: `${WORKER_NAME_PREFIX}${account}` }))
  return shared
}

/** Sign-out: the worker ends, and every key it had unlocked with it. */
export function endCryptoWorker(): void {
  shared?.terminate()
  shared = null
  sharedFor = null
}

export type { KeystoreStatus, OpenResult, SealRequest, SealResult, PublicKeyring, ImportPfxResult } from './protocol'
