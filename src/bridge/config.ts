/**
 * Bridge configuration from the environment. Every setting has a default that points
 * at the demo mail stack, so `npm start` needs none.
 */
import { randomBytes } from 'node:crypto'

export interface BridgeConfig {
  host: string
  port: number
  imap: { host: string; port: number; tls: boolean; rejectUnauthorized: boolean }
  smtp: { host: string; port: number; tls: boolean; rejectUnauthorized: boolean }
  /**
   * Signs the session cookie and (with Redis) keys the encryption of stored credentials.
   * Random per process when unset (sessions end at restart anyway); required with REDIS_URL,
   * where every instance must share it.
   */
  sessionSecret: string
  /** REDIS_URL: keep sessions in Redis so several bridge instances share them; null = in memory. */
  redisUrl: string | null
  /** Mark the cookie Secure: set when serving over TLS (HTTPS_CERT) or COOKIE_SECURE=1. */
  secureCookies: boolean
  idleTimeoutMs: number
  absoluteTimeoutMs: number
  /** Login limits: attempts per client IP and failures per account, per window. */
  loginLimits: { windowMs: number; perIp: number; perAccountFailures: number }
  /** Folder of the built app (vite build output); null serves no app. */
  staticDir: string | null
  /** CACHET_ALLOW_PRIVATE_CRL=1 lets the CRL relay reach loopback/private hosts (dev/tests). */
  allowPrivateCrl: boolean
  /** Fastify log level, or false for none. Passwords and bodies are never logged. */
  logLevel: string | false
  https: { cert: string; key: string } | null
}

const bool = (v: string | undefined, def = false) => (v === undefined || v === '' ? def : /^(1|true|yes|on)$/i.test(v))
const int = (v: string | undefined, def: number) => (v && /^\d+$/.test(v) ? Number(v) : def)

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<BridgeConfig> = {}): BridgeConfig {
  const redisUrl = overrides.redisUrl !== undefined ? overrides.redisUrl : env.REDIS_URL || null
  if (redisUrl && !env.SESSION_SECRET && !overrides.sessionSecret) {
    // A per-process random secret would make each instance reject the others' cookies
    // and be unable to decrypt the credentials they stored.
    throw new Error('REDIS_URL is set but SESSION_SECRET is not. Give every bridge instance that shares this Redis the same SESSION_SECRET (32+ random characters, e.g. `openssl rand -base64 32`).')
  }
  const https = env.HTTPS_CERT && env.HTTPS_KEY ? { cert: env.HTTPS_CERT, key: env.HTTPS_KEY } : null
  const base: BridgeConfig = {
    host: env.HOST || '127.0.0.1',
    port: int(env.PORT, 8080),
    imap: {
      host: env.IMAP_HOST || '127.0.0.1',
      port: int(env.IMAP_PORT, 1143),
      tls: bool(env.IMAP_TLS),
      rejectUnauthorized: !bool(env.IMAP_TLS_INSECURE),
    },
    smtp: {
      host: env.SMTP_HOST || '127.0.0.1',
      port: int(env.SMTP_PORT, 1587),
      tls: bool(env.SMTP_TLS),
      rejectUnauthorized: !bool(env.SMTP_TLS_INSECURE),
    },
    sessionSecret: env.SESSION_SECRET || randomBytes(32).toString('base64url'),
    redisUrl,
    secureCookies: https !== null || bool(env.COOKIE_SECURE),
    idleTimeoutMs: int(env.SESSION_IDLE_MINUTES, 30) * 60_000,
    absoluteTimeoutMs: int(env.SESSION_MAX_HOURS, 12) * 3_600_000,
    loginLimits: { windowMs: 15 * 60_000, perIp: int(env.LOGIN_LIMIT_PER_IP, 30), perAccountFailures: int(env.LOGIN_LIMIT_PER_ACCOUNT, 5) },
    staticDir: env.STATIC_DIR ?? 'dist',
    allowPrivateCrl: bool(env.CACHET_ALLOW_PRIVATE_CRL),
    logLevel: env.LOG_LEVEL === 'silent' ? false : env.LOG_LEVEL || 'info',
    https,
  }
  const config = { ...base, ...overrides }
  if (config.redisUrl && config.sessionSecret.length < 32) {
    throw new Error('SESSION_SECRET is too short for REDIS_URL: it keys the encryption of the credentials stored in Redis. Use 32+ random characters (e.g. `openssl rand -base64 32`).')
  }
  return config
}
