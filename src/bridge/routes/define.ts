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
