/**
 * Builds the bridge (Fastify): security headers, sessions + CSRF, the one error map, raw
 * message bodies, the API routes of src/contract, and the built app with SPA fallback.
 * `server.ts` starts it; tests call `buildApp()` and use `app.inject()`.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { loadConfig, type BridgeConfig } from './config'
import { MemoryLoginLimits, registerLoginLimits, type LoginLimits } from './login-limiter'
import { connectLoginLimits } from './login-limiter-redis'
import { registerErrorHandler } from './plugins/errors'
import { registerSecurityHeaders } from './plugins/security'
import { registerSessions } from './plugins/sessions'
import { registerStatic } from './plugins/static'
import { certificateRoutes } from './routes/certificates'
import { crlRoutes } from './routes/crl'
import { ocspRoutes } from './routes/ocsp'
import { directoryRoutes } from './routes/directory'
import { eventRoutes } from './routes/events'
import { mailboxRoutes } from './routes/mailboxes'
import { messageRoutes, registerRawBodyParser } from './routes/messages'
import { policyRoutes } from './routes/policy'
import { searchRoutes } from './routes/search'
import { sendRoutes } from './routes/send'
import { sessionRoutes } from './routes/session'
import { createSessionStore } from './session/create'
import type { SessionStore } from './session-store'

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionStore
    bridgeConfig: BridgeConfig
    /** Open event streams of this bridge (tests, load figures). */
    eventStreamCount: () => number
    /** IMAP IDLE connections behind them, one per account and mailbox. */
    imapWatcherCount: () => number
  }
}

export async function buildApp(config: BridgeConfig = loadConfig()): Promise<FastifyInstance> {
  const app = Fastify({
    logger: config.logLevel
      ? {
          level: config.logLevel,
          // Never log credentials, cookies or CSRF tokens; Fastify never logs bodies.
          redact: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
        }
      : false,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    ...(config.https ? { https: { cert: config.https.cert, key: config.https.key } } : {}),
  }) as unknown as FastifyInstance
  // In memory, or in Redis with REDIS_URL (throws at once, naming REDIS_URL, if unreachable).
  const store = await createSessionStore(config, { warn: (m) => app.log.warn(m), info: (m) => app.log.info(m) })
  // Sign-in limits: shared through the same Redis when REDIS_URL is set (else per process).
  let limits: LoginLimits
  try {
    limits = config.redisUrl
      ? await connectLoginLimits(config.redisUrl, config.loginLimits, { warn: (m) => app.log.warn(m), info: (m) => app.log.info(m) })
      : new MemoryLoginLimits(config.loginLimits)
  } catch (e) {
    await store.closeAll()
    throw e
  }
  app.decorate('sessions', store)
  app.decorate('bridgeConfig', config)
  // preClose: end event streams (hijacked responses) before the server waits for connections.
  app.addHook('preClose', async () => store.closeAll())

  registerErrorHandler(app)
  await registerSecurityHeaders(app, config)
  await registerSessions(app, config, store)
  registerRawBodyParser(app)

  registerLoginLimits(app, limits)
  sessionRoutes(app, config, store)
  mailboxRoutes(app)
  messageRoutes(app)
  sendRoutes(app, config)
  searchRoutes(app)
  eventRoutes(app, config)
  crlRoutes(app, config)
  ocspRoutes(app, config)
  certificateRoutes(app, config)
  directoryRoutes(app, config)
  policyRoutes(app, config)
  await registerStatic(app, config.staticDir)
  return app
}
