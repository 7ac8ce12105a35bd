/**
 * Fetches a CRL, or asks an OCSP responder, for the browser (RFC 5280 §4.2.1.13
 * distribution points and RFC 6960 responders are plain http/https URLs). The bridge
 * only relays bytes. Every hop (including redirects) is
 * checked: scheme http/https, and every address the name resolves to must be public;
 * the connection is pinned to the checked address so DNS cannot change it in between.
 * Size and time are bounded.
 */
import { lookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import type { LookupFunction } from 'node:net'
import { isIP } from 'node:net'
import { CRL_MAX_BYTES, CRL_TIMEOUT_MS } from '../../contract/index'
import type { ErrorCode } from '../../contract/index'
import { BridgeError } from '../errors'
import { isPublicAddress } from './guard'

export interface CrlFetchOptions {
  allowPrivate: boolean
  maxBytes?: number
  timeoutMs?: number
  maxRedirects?: number
}

/** What is fetched: its error codes are `${kind}_forbidden`, `${kind}_too_large`, … (contract/errors.ts). */
export interface RelayRequest {
  kind: 'crl' | 'ocsp'
  accept: string
  /** POST this body (with `contentType`) to the URL and to every redirect; GET when absent. */
  post?: { body: Buffer; contentType: string }
}

type Codes = { forbidden: ErrorCode; tooLarge: ErrorCode; timeout: ErrorCode; failed: ErrorCode; what: string }
const CODES: Record<RelayRequest['kind'], Codes> = {
  crl: { forbidden: 'crl_forbidden', tooLarge: 'crl_too_large', timeout: 'crl_timeout', failed: 'crl_fetch_failed', what: 'CRL' },
  ocsp: { forbidden: 'ocsp_forbidden', tooLarge: 'ocsp_too_large', timeout: 'ocsp_timeout', failed: 'ocsp_fetch_failed', what: 'OCSP' },
}

async function resolveChecked(url: URL, allowPrivate: boolean, c: Codes): Promise<{ address: string; family: number }> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const addrs = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true }).catch(() => [])
  if (addrs.length === 0) throw new BridgeError(c.failed, `The ${c.what} host ${host} does not resolve.`)
  if (!allowPrivate && !addrs.every((a) => isPublicAddress(a.address))) {
    throw new BridgeError(c.forbidden, `The ${c.what} URL points at a private or local address (${host}); only public servers are allowed.`)
  }
  return addrs[0]!
}

export function fetchCrl(rawUrl: string, o: CrlFetchOptions): Promise<Buffer> {
  return fetchForRelay(rawUrl, { kind: 'crl', accept: 'application/pkix-crl, */*' }, o)
}

export async function fetchForRelay(rawUrl: string, what: RelayRequest, o: CrlFetchOptions): Promise<Buffer> {
  const c = CODES[what.kind]
  const maxBytes = o.maxBytes ?? CRL_MAX_BYTES
  const deadline = Date.now() + (o.timeoutMs ?? CRL_TIMEOUT_MS)
  let url: URL
  try {
    url = new URL(rawUrl)
  } catch {
    throw new BridgeError('bad_request', `The ${c.what} URL is not a valid URL.`)
  }
  for (let hop = 0; hop <= (o.maxRedirects ?? 3); hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new BridgeError(c.forbidden, `Only http:// and https:// ${c.what} URLs are fetched.`)
    }
    if (url.username || url.password) throw new BridgeError(c.forbidden, `${c.what} URLs with credentials are not fetched.`)
    const target = await resolveChecked(url, o.allowPrivate, c)
    const pinned: LookupFunction = (_h, opts, cb) => {
      if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target])
      else cb(null, target.address, target.family)
    }
    const result = await new Promise<{ redirect?: string; body?: Buffer }>((resolve, reject) => {
      const remaining = deadline - Date.now()
      if (remaining <= 0) return reject(new BridgeError(c.timeout, `The ${c.what} server did not answer in time.`))
      const headers: Record<string, string> = { accept: what.accept, 'user-agent': `Cachet-${c.what}-relay` }
      if (what.post) Object.assign(headers, { 'content-type': what.post.contentType, 'content-length': String(what.post.body.length) })
      const req = (url.protocol === 'https:' ? https : http).request(
        url,
        { method: what.post ? 'POST' : 'GET', lookup: pinned, headers, timeout: remaining },
        (res) => {
          const status = res.statusCode ?? 0
          if (status >= 300 && status < 400 && res.headers.location) {
            res.resume()
            // The server chooses this text: a Location that is not a URL ('http://[') must be
            // this request's error, never an exception thrown in a socket callback, which
            // would end the bridge for every user.
            let next: URL
            try {
              next = new URL(res.headers.location, url)
            } catch {
              return reject(new BridgeError(c.failed, `The ${c.what} server redirected to something that is not a URL.`))
            }
            return resolve({ redirect: next.toString() })
          }
          if (status !== 200) {
            res.resume()
            return reject(new BridgeError(c.failed, `The ${c.what} server answered HTTP ${status}.`))
          }
          if (Number(res.headers['content-length'] ?? 0) > maxBytes) {
            res.destroy()
            return reject(new BridgeError(c.tooLarge, `The ${c.what} answer is larger than ${maxBytes} bytes.`))
          }
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > maxBytes) {
              res.destroy()
              reject(new BridgeError(c.tooLarge, `The ${c.what} answer is larger than ${maxBytes} bytes.`))
            } else chunks.push(chunk)
          })
          res.on('end', () => resolve({ body: Buffer.concat(chunks) }))
          res.on('error', () => reject(new BridgeError(c.failed, `The ${c.what} download broke off.`)))
        },
      )
      const timer = setTimeout(() => {
        req.destroy()
        reject(new BridgeError(c.timeout, `The ${c.what} server did not answer in time.`))
      }, remaining)
      req.on('close', () => clearTimeout(timer))
      req.on('timeout', () => {
        req.destroy()
        reject(new BridgeError(c.timeout, `The ${c.what} server did not answer in time.`))
      })
      req.on('error', (e) => reject(e instanceof BridgeError ? e : new BridgeError(c.failed, `The ${c.what} server cannot be reached.`)))
      req.end(what.post?.body)
    })
    if (result.body) return result.body
    url = new URL(result.redirect!)
  }
  throw new BridgeError(c.failed, `Too many redirects fetching the ${c.what} answer.`)
}
