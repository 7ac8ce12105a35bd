/**
 * Bridge configuration from the environment. Every setting has a default that points
 * at the demo mail stack, so `npm start` needs none.
 */
import { randomBytes } from 'node:crypto'
import { EMPTY_POLICY, ENROL_LIMIT_DEFAULT, type Policy } from '../contract/index'
import { loadPolicyFile } from './policy/load'

export interface BridgeConfig {
  host: string
  port: number
  /** allowPlaintext: IMAP_ALLOW_PLAINTEXT=1, see imap/connection.ts startTlsPolicy. */
  imap: { host: string; port: number; tls: boolean; rejectUnauthorized: boolean; allowPlaintext?: boolean }
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
  /**
   * TRUST_PROXY=1: the bridge sits behind a reverse proxy whose X-Forwarded-For/-Proto it
   * believes. A request the proxy reports as https gets HSTS and a Secure cookie.
   */
  trustProxy: boolean
  /**
   * Event streams (each holds an IMAP connection in IDLE): at most `perSession` per session
   * (a new one closes the oldest; the app keeps two, INBOX and the open folder) and `total`
   * per bridge (EVENT_STREAMS_MAX; beyond it 503 too_many_streams, the browser retries).
   */
  eventStreams: { perSession: number; total: number }
  /**
   * The organisation's CA, where the bridge enrols as registration authority: a CFSSL
   * server (CA_URL) whose profiles need the shared HMAC key CA_AUTH_KEY (hex), with one
   * profile per key type (CA_PROFILE_RSA, CA_PROFILE_EC). null (CA_URL unset) = no enrolment.
   */
  ca: { url: string; authKey: string; profiles: { rsa: string; ec: string } } | null
  /** Enrolments per account per window (ENROL_LIMIT_PER_HOUR): each one makes the CA sign. */
  enrolLimit: { windowMs: number; max: number }
  /**
   * The LDAP directory of published certificates (DIRECTORY_URL, ldap:// or ldaps://, and
   * DIRECTORY_BASE). With DIRECTORY_BIND_DN/PASSWORD the bridge binds as that DN, which is
   * also how it publishes enrolled certificates; without, it reads anonymously and
   * publishes nothing. null = no directory.
   */
  directory: { url: string; base: string; bindDn: string | null; bindPassword: string | null; timeoutMs: number } | null
  /**
   * The organisation's rules (POLICY_FILE, JSON or YAML; src/contract/policy.ts), read and
   * validated at start: an invalid file stops the bridge. No file = no rules.
   */
  policy: Policy
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
      allowPlaintext: bool(env.IMAP_ALLOW_PLAINTEXT),
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
    trustProxy: bool(env.TRUST_PROXY),
    eventStreams: { perSession: 3, total: int(env.EVENT_STREAMS_MAX, 2000) },
    ca: caFromEnv(env),
    enrolLimit: { windowMs: 3_600_000, max: int(env.ENROL_LIMIT_PER_HOUR, ENROL_LIMIT_DEFAULT) },
    directory: directoryFromEnv(env),
    policy: overrides.policy ?? (env.POLICY_FILE ? loadPolicyFile(env.POLICY_FILE) : EMPTY_POLICY),
  }
  const config = { ...base, ...overrides }
  checkCa(config.ca)
  checkDirectory(config.directory)
  if (config.redisUrl && config.sessionSecret.length < 32) {
    throw new Error('SESSION_SECRET is too short for REDIS_URL: it keys the encryption of the credentials stored in Redis. Use 32+ random characters (e.g. `openssl rand -base64 32`).')
  }
  return config
}

function caFromEnv(env: NodeJS.ProcessEnv): BridgeConfig['ca'] {
  if (!env.CA_URL) {
    if (env.CA_AUTH_KEY) throw new Error('CA_AUTH_KEY is set but CA_URL is not. Set CA_URL to the CFSSL server (e.g. http://ca.internal:8888), or unset CA_AUTH_KEY.')
    return null
  }
  if (!env.CA_AUTH_KEY) {
    throw new Error("CA_URL is set but CA_AUTH_KEY is not. Give the bridge the hex HMAC key of the CA's authenticated signing profiles (the \"key\" of the auth_key the profiles name in the CFSSL configuration).")
  }
  return {
    url: env.CA_URL.replace(/\/+$/, ''),
    authKey: env.CA_AUTH_KEY,
    profiles: { rsa: env.CA_PROFILE_RSA || 'smime-rsa', ec: env.CA_PROFILE_EC || 'smime-ec' },
  }
}

/** Refuses to start with a CA setting that could only fail later, at the first enrolment. */
function checkCa(ca: BridgeConfig['ca']): void {
  if (!ca) return
  let url: URL
  try {
    url = new URL(ca.url)
  } catch {
    throw new Error(`CA_URL is not a URL: "${ca.url}". Use the CFSSL server's address, e.g. http://ca.internal:8888.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`CA_URL must be http:// or https:// (got ${url.protocol}).`)
  if (url.username || url.password || url.search || url.hash) throw new Error('CA_URL must be a plain server address: no credentials, query or fragment.')
  if (!/^(?:[0-9a-fA-F]{2}){16,}$/.test(ca.authKey)) {
    throw new Error('CA_AUTH_KEY must be the hex HMAC key of the CA (an even number of hex digits, at least 32, i.e. 16 bytes; e.g. `openssl rand -hex 16`).')
  }
  if (!ca.profiles.rsa || !ca.profiles.ec) throw new Error('CA_PROFILE_RSA and CA_PROFILE_EC must name CFSSL signing profiles (defaults smime-rsa, smime-ec).')
}

function directoryFromEnv(env: NodeJS.ProcessEnv): BridgeConfig['directory'] {
  if (!env.DIRECTORY_URL) {
    if (env.DIRECTORY_BASE || env.DIRECTORY_BIND_DN) throw new Error('DIRECTORY_BASE or DIRECTORY_BIND_DN is set but DIRECTORY_URL is not. Set DIRECTORY_URL (ldap:// or ldaps://) or unset them.')
    return null
  }
  if (!env.DIRECTORY_BASE) throw new Error('DIRECTORY_URL is set but DIRECTORY_BASE is not. Set it to the search base of the people entries, e.g. dc=example,dc=com.')
  return {
    url: env.DIRECTORY_URL,
    base: env.DIRECTORY_BASE,
    bindDn: env.DIRECTORY_BIND_DN || null,
    bindPassword: env.DIRECTORY_BIND_PASSWORD || null,
    timeoutMs: int(env.DIRECTORY_TIMEOUT_MS, 5000),
  }
}

function checkDirectory(d: BridgeConfig['directory']): void {
  if (!d) return
  let url: URL
  try {
    url = new URL(d.url)
  } catch {
    throw new Error(`DIRECTORY_URL is not a URL: "${d.url}". Use ldap://host:389 or ldaps://host:636.`)
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') throw new Error(`DIRECTORY_URL must be ldap:// or ldaps:// (got ${url.protocol}).`)
  if (!url.hostname) throw new Error('DIRECTORY_URL has no host. Use ldap://host:389 or ldaps://host:636.')
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '' && url.pathname !== '/')) {
    throw new Error('DIRECTORY_URL must be only scheme, host and port (the search base goes in DIRECTORY_BASE, the bind DN in DIRECTORY_BIND_DN).')
  }
  if (!d.base.trim()) throw new Error('DIRECTORY_BASE is empty. Set it to the search base of the people entries, e.g. dc=example,dc=com.')
  if ((d.bindDn === null) !== (d.bindPassword === null)) {
    throw new Error('DIRECTORY_BIND_DN and DIRECTORY_BIND_PASSWORD go together: set both (to bind and publish certificates) or neither (anonymous reads).')
  }
  if (!Number.isInteger(d.timeoutMs) || d.timeoutMs < 1) throw new Error('DIRECTORY_TIMEOUT_MS must be a positive number of milliseconds.')
}
