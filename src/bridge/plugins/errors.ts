/**
 * The one error map: BridgeError → its status and `{ code, message }`; Fastify's own
 * errors (body too large, bad JSON, unsupported media type) → contract codes; everything
 * else → 500 `internal` with no detail in the response (it is logged, without bodies).
 */
import type { FastifyError, FastifyInstance } from 'fastify'
import type { ErrorBody } from '../../contract/index'
import { BridgeError } from '../errors'

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | BridgeError, request, reply) => {
    let body: ErrorBody
    let status: number
    if (err instanceof BridgeError) {
      status = err.status
      body = { code: err.code, message: err.message }
      reply.headers(err.headers)
      if (status >= 500) request.log.warn({ code: err.code, imap: (err as { imap?: unknown }).imap }, err.message)
    } else if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413
      body = { code: 'payload_too_large', message: 'The message is too large for this server.' }
    } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
      status = (err as FastifyError).statusCode!
      body = {
        code: status === 429 ? 'rate_limited' : status === 404 ? 'not_found' : 'bad_request',
        message: status === 415 ? 'Send the message as message/rfc822 or application/octet-stream (JSON for other routes).' : err.message,
      }
    } else {
      status = 500
      body = { code: 'internal', message: 'Something went wrong on the server. Try again; if it persists, check the bridge log.' }
      request.log.error({ err: { message: err.message, code: (err as FastifyError).code, stack: err.stack } }, 'unhandled error')
    }
    if (reply.sent || reply.raw.headersSent) return
    reply.status(status).type('application/json').send(body)
  })
}
