/** GET /api/crl?url=…: relays CRL bytes for the browser's revocation checks (see crl/fetch.ts). */
import type { FastifyInstance } from 'fastify'
import { CrlQuery, routes } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { fetchCrl } from '../crl/fetch'
import { parse } from '../validate'
import { define } from './define'

export function crlRoutes(app: FastifyInstance, config: BridgeConfig): void {
  define(app, routes.crl, async (request, reply) => {
    const { url } = parse(CrlQuery, request.query, 'CRL request')
    const body = await fetchCrl(url, { allowPrivate: config.allowPrivateCrl })
    return reply.header('content-type', 'application/pkix-crl').header('cache-control', 'private, max-age=300').send(body)
  })
}
