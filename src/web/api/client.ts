/**
 * The HTTP layer of the bridge client: one place that sends the CSRF header, turns
 * error bodies into `ApiError { code, message }` and validates every JSON answer against
 * the contract's schema (the bridge validates requests on its side; we validate answers
 * on ours, so a mismatch is a clear error rather than a broken screen).
 */
import { CSRF_HEADER, ErrorBody, type ErrorCode } from '../../contract'
import type { z } from 'zod'
import { activeLocale, i18n, t } from '../i18n'

export type ClientErrorCode = ErrorCode | 'network' | 'bad_response'

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly status = 0,
  ) {
    super(message)
  }
}

/** Words for the user when the bridge gave none (or we could not reach it). */
const FALLBACK: Partial<Record<ClientErrorCode, string>> = {
  network: 'Cannot reach the Cachet server. Check your connection and try again.',
  bad_response: 'The server sent an answer this version of Cachet does not understand. Reload the page.',
  unauthorized: 'Your session has ended. Sign in again.',
  invalid_credentials: 'Wrong email or password.',
  csrf: 'Your session token is out of date. Reload the page.',
  rate_limited: 'Too many attempts. Wait a minute, then try again.',
  imap_unavailable: 'The mail server cannot be reached right now. Try again shortly.',
  imap_busy: 'The mail server is busy right now. Try again in a few seconds.',
  smtp_failed: 'The message could not be sent. It is still here; try again.',
  internal: 'Something went wrong on the server. Try again.',
}

/**
 * An error in words. In English the bridge's own message comes first (it is the most
 * specific); in other languages the code's words from the catalog do, and the bridge's
 * English only when the catalog has nothing for the code.
 */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    const key = `api.${e.code}`
    if (activeLocale() !== 'en') return i18n.global.te(key) ? t(key) : e.message || t('api.failed')
    return e.message || FALLBACK[e.code] || 'Request failed.'
  }
  if (e instanceof Error) return e.message
  return String(e)
}

let csrfToken: string | null = null
/** The session store sets this after sign-in and on load (GET /api/session). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** Listeners told when any request answers 401 (session expired elsewhere). */
const unauthorizedListeners = new Set<() => void>()
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn)
  return () => unauthorizedListeners.delete(fn)
}

/**
 * Listeners told whether the bridge answered (true: any HTTP answer) or could not be
 * reached (false: the request failed at the network), for the "offline" notice.
 */
const reachabilityListeners = new Set<(reachable: boolean) => void>()
export function onReachability(fn: (reachable: boolean) => void): () => void {
  reachabilityListeners.add(fn)
  return () => reachabilityListeners.delete(fn)
}

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>

export function queryString(q: Query | undefined): string {
  if (!q) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x))
    else p.append(k, String(v))
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {}
  const parsed = ErrorBody.safeParse(body)
  if (parsed.success) return new ApiError(parsed.data.code, parsed.data.message || FALLBACK[parsed.data.code] || '', res.status)
  const code: ClientErrorCode = res.status === 401 ? 'unauthorized' : res.status === 413 ? 'payload_too_large' : 'internal'
  return new ApiError(code, FALLBACK[code] ?? `The server answered ${res.status}.`, res.status)
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE'
  path: string
  query?: Query
  json?: unknown
  csrf?: boolean
  signal?: AbortSignal
}

async function send(o: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (o.json !== undefined) headers['content-type'] = 'application/json'
  if (o.csrf && csrfToken) headers[CSRF_HEADER] = csrfToken
  let res: Response
  try {
    res = await fetch(o.path + queryString(o.query), {
      method: o.method,
      headers,
      body: o.json === undefined ? undefined : JSON.stringify(o.json),
      credentials: 'same-origin',
      signal: o.signal,
    })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    reachabilityListeners.forEach((f) => f(false))
    throw new ApiError('network', FALLBACK.network!)
  }
  reachabilityListeners.forEach((f) => f(true))
  if (!res.ok) {
    const err = await toApiError(res)
    if (err.status === 401 && err.code !== 'invalid_credentials') unauthorizedListeners.forEach((f) => f())
    throw err
  }
  return res
}

/** A JSON request whose answer is validated against `schema`. */
export async function requestJson<S extends z.ZodType>(schema: S, o: RequestOptions): Promise<z.infer<S>> {
  const res = await send(o)
  let body: unknown
  try {
    body = await res.json()
  } catch {
    throw new ApiError('bad_response', FALLBACK.bad_response!, res.status)
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    console.error('Response did not match the contract', o.path, parsed.error)
    throw new ApiError('bad_response', FALLBACK.bad_response!, res.status)
  }
  return parsed.data
}

/** A request answered with raw bytes (message source). Reports download progress. */
export async function requestBytes(o: RequestOptions, onProgress?: (loaded: number, total: number | null) => void): Promise<Uint8Array> {
  const res = await send({ ...o })
  const total = Number(res.headers.get('content-length')) || null
  if (!res.body || !onProgress) return new Uint8Array(await res.arrayBuffer())
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let loaded = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    loaded += value.length
    onProgress(loaded, total)
  }
  const out = new Uint8Array(loaded)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/**
 * Upload raw bytes with progress (fetch cannot report upload progress; XHR can).
 * The answer is JSON validated against `schema`.
 */
export function uploadBytes<S extends z.ZodType>(
  schema: S,
  path: string,
  query: Query | undefined,
  bytes: Uint8Array,
  onProgress?: (sent: number, total: number) => void,
): Promise<z.infer<S>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', path + queryString(query))
    xhr.setRequestHeader('content-type', 'message/rfc822')
    xhr.setRequestHeader('accept', 'application/json')
    if (csrfToken) xhr.setRequestHeader(CSRF_HEADER, csrfToken)
    xhr.withCredentials = true
    xhr.responseType = 'text'
    if (onProgress) xhr.upload.onprogress = (ev) => onProgress(ev.loaded, ev.lengthComputable ? ev.total : bytes.length)
    xhr.onerror = () => reject(new ApiError('network', FALLBACK.network!))
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = JSON.parse(xhr.responseText)
      } catch {}
      if (xhr.status < 200 || xhr.status >= 300) {
        const e = ErrorBody.safeParse(body)
        const code: ClientErrorCode = e.success ? e.data.code : xhr.status === 413 ? 'payload_too_large' : 'internal'
        if (xhr.status === 401) unauthorizedListeners.forEach((f) => f())
        reject(new ApiError(code, (e.success && e.data.message) || FALLBACK[code] || `The server answered ${xhr.status}.`, xhr.status))
        return
      }
      const parsed = schema.safeParse(body)
      if (!parsed.success) reject(new ApiError('bad_response', FALLBACK.bad_response!, xhr.status))
      else resolve(parsed.data)
    }
    // A view of exactly these bytes (the array may be a window on a larger buffer).
    xhr.send(new Blob([bytes as Uint8Array<ArrayBuffer>]))
  })
}
