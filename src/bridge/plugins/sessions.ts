/**
 * Sessions on every request: reads the signed session cookie, attaches the session,
 * enforces `config.auth` (401) and `config.csrf` (403: the `x-csrf-token` header must
 * equal the session's token — double submit, compared in constant time).
 */
import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { timingSafeEqual } from 'node:crypto'
import { CSRF_HEADER, SESSION_COOKIE } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { BridgeError } from '../errors'
import type { Session, SessionStore } from '../session-store'

declare module 'fastify' {
  interface FastifyRequest {
    session: Session | null
    /** Why the session could not be looked up (session store unreachable); thrown only by routes that need one. */
    sessionError: BridgeError | null
  }
  interface FastifyContextConfig {
    auth?: boolean
    csrf?: boolean
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

export async function registerSessions(app: FastifyInstance, config: BridgeConfig, store: SessionStore): Promise<void> {
  await app.register(cookie, { secret: config.sessionSecret })
  app.decorateRequest('session', null)
  app.decorateRequest('sessionError', null)

  app.addHook('onRequest', async (request) => {
    const raw = request.cookies[SESSION_COOKIE]
    // Only routes that use the session look it up: static files cost no store round trip
    // (with Redis) and do not count as activity; sign-in reads the old cookie itself.
    const cfg = request.routeOptions.config
    if (!raw || !(cfg.auth || cfg.csrf)) return
    const un = request.unsignCookie(raw)
    if (!un.valid || !un.value) return
    try {
      request.session = await store.get(un.value)
    } catch (e) {
      // Thrown in preHandler, through the one error map.
      if (!(e instanceof BridgeError)) throw e
      request.sessionError = e
    }
  })

  app.addHook('preHandler', async (request) => {
    const cfg = request.routeOptions.config
    if ((cfg.auth || cfg.csrf) && request.sessionError) throw request.sessionError
    if (cfg.auth && !request.session) throw new BridgeError('unauthorized', 'You are not signed in (or your session expired). Sign in again.')
    if (cfg.csrf) {
      const header = request.headers[CSRF_HEADER]
      if (typeof header !== 'string' || !request.session || !sameToken(header, request.session.csrfToken)) {
        throw new BridgeError('csrf', `Missing or wrong ${CSRF_HEADER} header. Reload the page and try again.`)
      }
    }
  })
}

/**
 * Secure whenever the connection is TLS: HTTPS_CERT/COOKIE_SECURE, or a request that a
 * trusted proxy (TRUST_PROXY=1) reports as https (Fastify's request.protocol reads
 * X-Forwarded-Proto only when the proxy is trusted).
 */
export function secureCookie(request: FastifyRequest, config: BridgeConfig): boolean {
  return config.secureCookies || config.https !== null || request.protocol === 'https'
}

export function setSessionCookie(reply: FastifyReply, config: BridgeConfig, session: Session): void {
  reply.setCookie(SESSION_COOKIE, session.id, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: secureCookie(reply.request, config),
    signed: true,
    maxAge: Math.floor(config.absoluteTimeoutMs / 1000),
  })
}

export function clearSessionCookie(reply: FastifyReply, config: BridgeConfig): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookie(reply.request, config) })
}

/** The current session; only call from routes with `auth: true`. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session) throw new BridgeError('unauthorized', 'You are not signed in. Sign in again.')
  return request.session
}
