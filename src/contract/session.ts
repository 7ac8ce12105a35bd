/**
 * Session routes. Sign-in checks the password with an IMAP LOGIN; the bridge then keeps
 * one IMAP connection for the session. The session cookie is HttpOnly + SameSite=Strict;
 * every state-changing request must send `x-csrf-token: <csrfToken>` (double submit).
 */
import { z } from 'zod'
import { EmailAddress } from './primitives'

/** Name of the header carrying the CSRF token on POST/PUT/PATCH/DELETE. */
export const CSRF_HEADER = 'x-csrf-token'
/** Name of the session cookie (HttpOnly; the app never reads it). */
export const SESSION_COOKIE = 'cachet_session'

/** POST /api/session (JSON). Sign-in is the one POST that needs no CSRF token. */
export const LoginRequest = z.object({
  email: EmailAddress,
  password: z.string().min(1).max(1024),
})
export type LoginRequest = z.infer<typeof LoginRequest>

/** Response of POST /api/session and GET /api/session. */
export const SessionInfo = z.object({
  email: z.string(),
  csrfToken: z.string(),
  /** ISO time the session ends at the latest (absolute expiry). */
  expiresAt: z.string(),
})
export type SessionInfo = z.infer<typeof SessionInfo>
