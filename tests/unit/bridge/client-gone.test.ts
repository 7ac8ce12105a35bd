/**
 * routes/define.ts clientGone over real HTTP on loopback: aborted when the browser drops
 * a request before its answer (a list block scrolled past), never for one answered.
 * No timing: the test waits for events only.
 */
import { once } from 'node:events'
import { request, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientGone } from '../../../src/bridge/routes/define'

let app: FastifyInstance
let port = 0
const signals: AbortSignal[] = []
const responses: ServerResponse[] = []
const arrived: Array<() => void> = []
let release: () => void = () => {}

beforeAll(async () => {
  app = Fastify()
  app.get('/slow', async (_req, reply) => {
    signals.push(clientGone(reply))
    responses.push(reply.raw)
    const held = new Promise<void>((r) => (release = r))
    arrived.shift()?.()
    await held
    return { ok: true }
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as { port: number }).port
})
afterAll(async () => {
  await app?.close()
})

function get(): { req: ClientRequest; arrived: Promise<void> } {
  const seen = new Promise<void>((r) => arrived.push(r))
  const req = request({ host: '127.0.0.1', port, path: '/slow' })
  req.on('error', () => {})
  req.end()
  return { req, arrived: seen }
}

describe('clientGone', () => {
  it('aborts when the client closes the connection before the answer', async () => {
    const { req, arrived: inRoute } = get()
    await inRoute
    const signal = signals.at(-1)!
    expect(signal.aborted).toBe(false)
    req.destroy()
    await once(signal, 'abort')
    expect(signal.aborted).toBe(true)
    release()
  })

  it('stays quiet for a request that is answered', async () => {
    const { req, arrived: inRoute } = get()
    await inRoute
    const signal = signals.at(-1)!
    const closed = once(responses.at(-1)!, 'close')
    const response = once(req, 'response')
    release()
    const [res] = (await response) as [IncomingMessage]
    res.resume()
    await once(res, 'end')
    // The server side is done with it (the moment clientGone decides) before we look.
    await closed
    expect(signal.aborted).toBe(false)
  })
})
