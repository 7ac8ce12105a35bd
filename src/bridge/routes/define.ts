/** Registers a route from the contract's route table (method, path, auth/CSRF flags). */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { routes } from '../../contract/index'

type RouteDef = (typeof routes)[keyof typeof routes]

export function define(
  app: FastifyInstance,
  def: RouteDef,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  opts: { bodyLimit?: number } = {},
): void {
  app.route({
    method: def.method,
    url: def.path,
    config: { auth: def.auth, csrf: def.csrf },
    bodyLimit: opts.bodyLimit,
    handler,
  })
}

/**
 * Aborted when the client goes away before the answer is sent: the list aborts the request
 * of a block scrolled past, and a request still queued for the session's one IMAP
 * connection then skips its FETCH instead of delaying the blocks now on screen.
 */
export function clientGone(reply: FastifyReply): AbortSignal {
  const c = new AbortController()
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) c.abort()
  })
  return c.signal
}
