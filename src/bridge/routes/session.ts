/** POST/GET/DELETE /api/session: sign in (IMAP LOGIN), who am I, sign out. */
import type { FastifyInstance } from 'fastify'
import { LoginRequest, routes, SESSION_COOKIE, type SessionInfo } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { BridgeError } from '../errors'
import { ImapSession, openImap } from '../imap/connection'
import { define } from './define'
import { clearSessionCookie, sessionOf, setSessionCookie } from '../plugins/sessions'
import type { Session, SessionStore } from '../session-store'
import { parse } from '../validate'

/** Sign-in limits (per account and per client) run around routes.login: see registerLoginLimits. */
export function sessionRoutes(app: FastifyInstance, config: BridgeConfig, store: SessionStore): void {
  const info = (s: Session): SessionInfo => ({ email: s.email, csrfToken: s.csrfToken, expiresAt: store.expiresAt(s).toISOString() })

  define(app, routes.login, async (request, reply) => {
    const { email: rawEmail, password } = parse(LoginRequest, request.body, 'sign-in')
    const email = rawEmail.toLowerCase()
    let client
    try {
      client = await openImap(config.imap, { user: email, pass: password })
    } catch (e) {
      if (e instanceof BridgeError && e.code === 'invalid_credentials') {
        throw new BridgeError('invalid_credentials', 'Wrong email or password. Check both and try again.')
      }
      throw e
    }
    // Session fixation: a sign-in always gets a fresh id; any previous session ends
    // (on every instance, with Redis).
    try {
      const old = request.cookies[SESSION_COOKIE]
      const un = old ? request.unsignCookie(old) : null
      if (un?.valid && un.value) await store.destroy(un.value)
    } catch (e) {
      client.close()
      throw e
    }
    // The store owns the IMAP session from here (it closes it if it cannot store the session).
    const session = await store.create(email, password, new ImapSession(config.imap, { user: email, pass: password }, client))
    setSessionCookie(reply, config, session)
    return info(session)
  })

  define(app, routes.me, async (request) => info(sessionOf(request)))

  define(app, routes.logout, async (request, reply) => {
    await store.destroy(sessionOf(request).id)
    clearSessionCookie(reply, config)
    return { ok: true }
  })
}
