/**
 * The crypto worker: the only place in the app where private keys are unsealed and used.
 * It answers the requests of protocol.ts; the page talks to it through client.ts.
 *
 *   new Worker(new URL('./crypto.worker.ts', import.meta.url), { type: 'module' })
 */
import { toErrorEntry } from '../../core/errors'
import { setDbAccount, WORKER_NAME_PREFIX } from '../storage/db'
import { getSettings } from '../storage/settings'
import { completeRequest, createRequest, discardRequest } from './enrolment'
import { exportPfx, importPfx, removeIdentity } from './identities'
import { open, seal } from './messages'
import type { MethodName, WorkerErrorBody, WorkerMethods, WorkerRequest, WorkerResponse } from './protocol'
import { SearchHolder } from './search'
import { Vault } from './vault'

const scope = self as unknown as DedicatedWorkerGlobalScope
const crypto = globalThis.crypto
// One worker per signed-in account (workers/client.ts): its name says whose database.
if (scope.name.startsWith(WORKER_NAME_PREFIX)) setDbAccount(scope.name.slice(WORKER_NAME_PREFIX.length))

const vault = new Vault(crypto, () => {
  if (!vault.unlocked) search.drop()
  void vault.status().then((status) => post({ kind: 'status', status }))
})
const search = new SearchHolder(vault, crypto)

const ready = getSettings()
  .then((s) => {
    vault.idleMinutes = s.lockIdleMinutes
  })
  .catch(() => {})

function post(msg: WorkerResponse, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer)
}

type Handlers = { [K in MethodName]: (args: WorkerMethods[K][0], id: number) => Promise<WorkerMethods[K][1]> }

const handlers: Handlers = {
  status: () => vault.status(),
  unlock: async ({ passphrase }) => {
    await vault.unlock(passphrase)
    return vault.status()
  },
  lock: async () => {
    vault.lock()
    return vault.status()
  },
  configure: async ({ idleMinutes }) => {
    vault.setIdleMinutes(idleMinutes)
    return vault.status()
  },
  setRemember: async ({ remember, passphrase }) => {
    await vault.setRemember(remember, passphrase)
    return vault.status()
  },
  importPfx: ({ bytes, pfxPassword, passphrase }) => importPfx(vault, bytes, pfxPassword, passphrase, crypto),
  exportPfx: ({ identityId, newPassword }) => exportPfx(vault, identityId, newPassword, crypto),
  deleteIdentity: async ({ identityId }) => {
    await removeIdentity(vault, identityId)
    return vault.status()
  },
  createRequest: (args) => createRequest(vault, args, crypto),
  completeRequest: ({ certificates }) => completeRequest(vault, certificates, crypto),
  discardRequest: async ({ id }) => {
    await discardRequest(id)
    return vault.status()
  },
  open: ({ raw, keyring, allowWeakCiphers, index }) =>
    open(vault, raw, keyring, crypto, { allowWeakCiphers: allowWeakCiphers === true, ...(index ? { index, search } : {}) }),
  seal: ({ draftRaw, options }, id) =>
    seal(vault, draftRaw, options, crypto, (phase, done, total) => post({ kind: 'progress', id, phase, done, total })),
  searchLocal: async ({ query, mailbox }) => ({ hits: await search.search(query, mailbox) }),
  protectedSubjects: async ({ mailbox }) => ({ subjects: await search.subjects(mailbox) }),
  forgetSearchIndex: async () => {
    await search.forget()
    return {}
  },
}

/**
 * Large results move instead of being copied (only buffers that nothing else shares).
 * An opened message's `inner` is usually a view of the decrypted plaintext that leaves
 * out only the entity's framing (multipart/signed headers, the signature part): that
 * buffer moves too when the view covers all but FRAMING_SLACK (or a sixteenth) of it,
 * which saves copying the whole message once more (about 30 ms and its size in memory at
 * 25 MB). A large CBC content is decrypted in place in the DER decoded from the
 * message's base64 (DecryptOptions.inPlace): that buffer also holds the CMS header
 * (recipients, algorithm, IV: all public, in the message) and the base64 decoder's
 * unused tail (about 2.5 % of it), never a key.
 */
const FRAMING_SLACK = 64 * 1024
function transferables(value: unknown): Transferable[] {
  const whole = (b: unknown): b is Uint8Array =>
    b instanceof Uint8Array && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.byteLength > 64 * 1024
  const nearlyWhole = (b: unknown): b is Uint8Array =>
    b instanceof Uint8Array && b.buffer instanceof ArrayBuffer && b.byteLength > 64 * 1024 && b.buffer.byteLength - b.byteLength <= Math.max(FRAMING_SLACK, b.buffer.byteLength >> 4)
  if (whole(value)) return [value.buffer as ArrayBuffer]
  if (value && typeof value === 'object') {
    const v = value as { raw?: unknown; inner?: unknown }
    const out: Transferable[] = []
    if (whole(v.raw)) out.push(v.raw.buffer as ArrayBuffer)
    if (nearlyWhole(v.inner) && v.inner.buffer !== (v.raw as Uint8Array | undefined)?.buffer) out.push(v.inner.buffer as ArrayBuffer)
    return out
  }
  return []
}

scope.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  void handle(ev.data)
}

/**
 * One request. The request is a parameter of this async function, not a variable a
 * closure holds: once the engine is done with a 25 MB message it carries, nothing keeps
 * it alive while the rest of the work runs, so it can be collected.
 */
async function handle(req: WorkerRequest): Promise<void> {
  const id = req.id
  await ready
  try {
    const handler = handlers[req.method] as (a: unknown, id: number) => Promise<unknown>
    if (!handler) throw new Error(`unknown method ${String(req.method)}`)
    const value = await handler(req.args, id)
    post({ kind: 'result', id, ok: true, value }, transferables(value))
  } catch (e) {
    const field = (e as { field?: unknown } | null)?.field
    const error: WorkerErrorBody = { ...toErrorEntry(e), ...(field === 'pfxPassword' || field === 'passphrase' ? { field } : {}) }
    // The page may have moved the message here: it gets it back to show it plainly.
    const raw = req.method === 'open' ? (req.args as WorkerMethods['open'][0]).raw : null
    if (raw instanceof Uint8Array) post({ kind: 'result', id, ok: false, error, returned: raw }, transferables({ raw }))
    else post({ kind: 'result', id, ok: false, error })
  }
}
