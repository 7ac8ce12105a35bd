/**
 * GET /api/crl?url=…: relays CRL bytes for the browser's revocation checks (see crl/fetch.ts).
 * Only what has a CRL's shape is relayed (crl/shape.ts); failures back off per URL for
 * every session (crl/backoff.ts); each session may ask CRL_RELAY_PER_MINUTE times a minute.
 * The browser asks only for certificates whose chain ends at an anchor the user trusts
 * (core revocationUrls), so the URL is a CA's, never a stranger's.
 */
import type { FastifyInstance } from 'fastify'
import { CrlQuery, routes } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { CrlBackoff } from '../crl/backoff'
import { fetchCrl } from '../crl/fetch'
import { asCrlDer } from '../crl/shape'
import { EnrolLimits } from '../enrol/limit'
import { BridgeError } from '../errors'
import { sessionOf } from '../plugins/sessions'
import { parse } from '../validate'
import { define } from './define'

/** Fetches per session per minute: a message names at most a few CRLs, a folder of them a few dozen. */
export const CRL_RELAY_PER_MINUTE = 30

export function crlRoutes(app: FastifyInstance, config: BridgeConfig): void {
  const backoff = new CrlBackoff()
  const perSession = new EnrolLimits({
    windowMs: 60_000,
    max: CRL_RELAY_PER_MINUTE,
    refusal: (s) => `Too many revocation lists asked for at once. Wait ${s} s; Cachet shows the revocation state as unknown meanwhile.`,
  })
  define(app, routes.crl, async (request, reply) => {
    const { url } = parse(CrlQuery, request.query, 'CRL request')
    backoff.check(url)
    perSession.take(sessionOf(request).id)
    let der: Buffer
    try {
      const body = await fetchCrl(url, { allowPrivate: config.allowPrivateCrl })
      const crl = asCrlDer(body)
      if (!crl) throw new BridgeError('crl_fetch_failed', 'The server did not answer with a CRL.')
      der = crl
    } catch (e) {
      if (e instanceof BridgeError && e.code !== 'crl_forbidden' && e.code !== 'bad_request') backoff.failed(url, e)
      throw e
    }
    backoff.succeeded(url)
    return reply.header('content-type', 'application/pkix-crl').header('cache-control', 'private, max-age=300').send(der)
  })
}
