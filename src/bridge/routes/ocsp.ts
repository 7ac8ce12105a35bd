/**
 * POST /api/ocsp { url, request }: relays an OCSP request (RFC 6960) for the browser's
 * revocation checks, with the CRL relay's rules (crl/fetch.ts): every hop checked and
 * pinned, public addresses only, bounded size and time. Only an OCSPRequest is sent out
 * and only an OCSPResponse is passed back (ocsp/shape.ts); failures back off per
 * responder URL for every session; each session may ask OCSP_RELAY_PER_MINUTE times a
 * minute. The browser asks only about certificates whose chain ends at an anchor the
 * user trusts (core ocspQuestions), so the URL is a CA's, never a stranger's.
 *
 * GET when the request is small (RFC 5019 §5: at most 255 bytes encoded, so caches and
 * CDNs in front of responders can answer), POST otherwise (RFC 6960 Appendix A.1).
 */
import type { FastifyInstance } from 'fastify'
import { OCSP_MAX_BYTES, OcspRelayRequest, routes } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { CrlBackoff } from '../crl/backoff'
import { fetchForRelay, type RelayRequest } from '../crl/fetch'
import { EnrolLimits } from '../enrol/limit'
import { BridgeError } from '../errors'
import { isOcspRequest, isOcspResponse } from '../ocsp/shape'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

/** Questions per session per minute: a message asks about a few certificates, a folder of them a few dozen. */
export const OCSP_RELAY_PER_MINUTE = 30
const GET_MAX = 255

/** The URL and method for this request: GET with the base64 request as the last path segment when short enough. */
export function ocspHttpRequest(url: string, der: Buffer): { url: string; post?: RelayRequest['post'] } {
  const encoded = encodeURIComponent(der.toString('base64'))
  const get = `${url}${url.endsWith('/') ? '' : '/'}${encoded}`
  if (encoded.length <= GET_MAX && !new URL(url).search) return { url: get }
  return { url, post: { body: der, contentType: 'application/ocsp-request' } }
}

export function ocspRoutes(app: FastifyInstance, config: BridgeConfig): void {
  const backoff = new CrlBackoff()
  const perSession = new EnrolLimits({
    windowMs: 60_000,
    max: OCSP_RELAY_PER_MINUTE,
    refusal: (s) => `Too many revocation checks asked for at once. Wait ${s} s; Cachet shows the revocation state as unknown meanwhile.`,
  })
  define(app, routes.ocsp, async (request, reply) => {
    const { url, request: b64 } = parse(OcspRelayRequest, request.body, 'OCSP request')
    const der = Buffer.from(b64, 'base64')
    if (!isOcspRequest(der)) throw new BridgeError('bad_request', 'The request is not an OCSP request.')
    let target: ReturnType<typeof ocspHttpRequest>
    try {
      target = ocspHttpRequest(url, der)
    } catch {
      throw new BridgeError('bad_request', 'The OCSP URL is not a valid URL.')
    }
    backoff.check(url)
    perSession.take(sessionOf(request).id)
    let body: Buffer
    try {
      body = await fetchForRelay(
        target.url,
        { kind: 'ocsp', accept: 'application/ocsp-response', ...(target.post ? { post: target.post } : {}) },
        { allowPrivate: config.allowPrivateCrl, maxBytes: OCSP_MAX_BYTES },
      )
      if (!isOcspResponse(body)) throw new BridgeError('ocsp_fetch_failed', 'The server did not answer with an OCSP response.')
    } catch (e) {
      if (e instanceof BridgeError && e.code !== 'ocsp_forbidden' && e.code !== 'bad_request') backoff.failed(url, e)
      throw e
    }
    backoff.succeeded(url)
    return reply.header('content-type', 'application/ocsp-response').header('cache-control', 'no-store').send(body)
  })
}
