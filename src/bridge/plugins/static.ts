/**
 * Serves the built app (vite's dist/) from the same origin as the API, with SPA
 * fallback: unknown non-API GETs get index.html so deep links work; unknown /api/ paths
 * get a JSON 404.
 */
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

export async function registerStatic(app: FastifyInstance, dir: string | null): Promise<void> {
  const root = dir ? resolve(dir) : null
  const hasApp = root !== null && existsSync(join(root, 'index.html'))
  if (hasApp) {
    await app.register(fastifyStatic, { root: root!, index: ['index.html'], wildcard: true, cacheControl: false })
  }
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (path.startsWith('/api/') || path === '/api' || request.method !== 'GET') {
      return reply.status(404).send({ code: 'not_found', message: `No route ${request.method} ${path}.` })
    }
    if (!hasApp) {
      return reply
        .status(404)
        .send({ code: 'not_found', message: 'The app is not built yet. Run `npx vite build` (npm start does it for you).' })
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html')
  })
}
