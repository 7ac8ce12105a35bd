/**
 * Credentials at rest in the shared session store: the IMAP/SMTP password is sealed with
 * AES-256-GCM (NIST SP 800-38D) before it reaches Redis, never stored in clear.
 *
 * The key is HKDF-SHA256 (RFC 5869) of the bridge's SESSION_SECRET, with the session id
 * as `info`, so each session has its own key and a Redis dump alone (record keys are
 * hashes of the ids, see redis-store.ts) decrypts nothing even together with the secret:
 * the id lives only in the browser's cookie. The additional authenticated data binds the
 * ciphertext to its record and account, so a sealed password cannot be moved to another
 * record or paired with another email. A fresh random 96-bit IV per seal.
 *
 * Format: `v1.` + base64url(iv ‖ ciphertext ‖ 16-byte tag).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const VERSION = 'v1.'
const IV_BYTES = 12
const TAG_BYTES = 16
const SALT = Buffer.from('cachet/session-credentials/v1')

function keyFor(secret: string, sessionId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, Buffer.from(sessionId, 'utf8'), 32))
}

/** `aad` names the record and account (e.g. `${recordKey}\n${email}`). */
export function sealPassword(secret: string, sessionId: string, aad: string, password: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, sessionId), iv)
  cipher.setAAD(Buffer.from(aad, 'utf8'))
  const ct = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()])
  return VERSION + Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url')
}

/**
 * The password, or null when the value was not sealed by us for this session, record and
 * account (wrong SESSION_SECRET on this instance, tampered record): the caller treats the
 * session as unknown rather than failing the request with a crypto error.
 */
export function openPassword(secret: string, sessionId: string, aad: string, sealed: string): string | null {
  if (!sealed.startsWith(VERSION)) return null
  const raw = Buffer.from(sealed.slice(VERSION.length), 'base64url')
  if (raw.length < IV_BYTES + TAG_BYTES) return null
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, sessionId), raw.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(aad, 'utf8'))
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES))
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}
