/**
 * Serves the built app (vite's dist/) from the same origin as the API, with SPA
 * fallback: unknown non-API GETs get index.html so deep links work; unknown /api/ paths
 * get a JSON 404.
 *
 * Bytes on the wire (issue 12): the build writes a brotli and a gzip copy of every text
 * file (vite.config.ts, precompress), and the one the request's Accept-Encoding prefers is
 * sent as it is, with `Vary: Accept-Encoding`; a client that accepts neither gets the
 * plain file. Files under /assets/ are named by the hash of their content, so a browser
 * may keep them for a year without asking again (`immutable`); everything else, index.html
 * first (it names the current assets), is `no-cache`: revalidated on every visit.
 */
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'
import { existsSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'

export const IMMUTABLE = 'public, max-age=31536000, immutable'

export async function registerStatic(app: FastifyInstance, dir: string | null): Promise<void> {
  const root = dir ? resolve(dir) : null
  const hasApp = root !== null && existsSync(join(root, 'index.html'))
  if (hasApp) {
    const assets = join(root!, 'assets') + sep
    await app.register(fastifyStatic, {
      root: root!,
      index: ['index.html'],
      wildcard: true,
      preCompressed: true,
      cacheControl: false,
      // `path` is the file sent, the .br or .gz copy included.
      setHeaders: (reply, path) => {
        reply.header('cache-control', path.startsWith(assets) && !relative(assets, path).includes(sep) ? IMMUTABLE : 'no-cache')
      },
    })
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
