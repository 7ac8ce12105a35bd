/**
 * One LDAP connection per use (ldapts): connect, bind as DIRECTORY_BIND_DN when one is
 * configured (anonymous otherwise), run, unbind. Every step is bounded by the
 * directory's timeout, and so is the whole: a directory that is down or hangs costs a
 * request at most DIRECTORY_TIMEOUT_MS, and only the routes that need it fail.
 */
import { Client } from 'ldapts'
import type { BridgeConfig } from '../config'
import { BridgeError } from '../errors'

export type DirectoryConfig = NonNullable<BridgeConfig['directory']>

/** Why a directory operation failed, for the log (never a password: ldapts messages carry none). */
export function directoryFailure(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown }
  return `${typeof err?.code === 'string' || typeof err?.code === 'number' ? `${err.code}: ` : ''}${String(err?.message ?? e).slice(0, 300)}`
}

export function directoryUnavailable(): BridgeError {
  return new BridgeError('directory_unavailable', 'The certificate directory cannot be reached right now. Try again in a moment.')
}

/**
 * Runs `fn` on a fresh connection, bound as the configured DN if there is one. Throws the
 * error of `fn` or of the connection as it is (or ETIMEDOUT at the deadline); the
 * callers map it.
 */
export async function withDirectory<T>(d: DirectoryConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    url: d.url,
    timeout: d.timeoutMs,
    connectTimeout: d.timeoutMs,
    // Only for ldaps://: ldapts speaks TLS whenever tlsOptions are given.
    ...(d.url.toLowerCase().startsWith('ldaps:') ? { tlsOptions: { minVersion: 'TLSv1.2' as const } } : {}),
  })
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${d.timeoutMs} ms`), { code: 'ETIMEDOUT' })), d.timeoutMs)
  })
  const run = (async () => {
    if (d.bindDn) await client.bind(d.bindDn, d.bindPassword ?? '')
    return fn(client)
  })()
  // When the deadline wins, the run may still finish later (a connect that was under
  // way): it is unbound then, and its outcome goes nowhere.
  run.then(
    () => client.unbind().catch(() => {}),
    () => client.unbind().catch(() => {}),
  )
  try {
    return await Promise.race([run, deadline])
  } finally {
    clearTimeout(timer)
    // unbind() also destroys the socket, so a hung connection is dropped here too.
    await client.unbind().catch(() => {})
  }
}
