/**
 * The sign-in limits in Redis (REDIS_URL): every bridge instance sharing the Redis counts
 * into the same windows, so failed attempts spread over instances add up, and the next
 * one is refused everywhere with the same Retry-After.
 *
 * Each window is a sorted set of hits scored by time (a sliding-window log, the same
 * window the in-memory store keeps, rather than a fixed-window INCR counter, which would
 * let twice the limit through around a window edge): `cachet:login:ip:<h>` for a client
 * address and `cachet:login:account:<h>` for an account, `<h>` the SHA-256 of the address
 * or the lower-case email (no addresses in Redis). One Lua script prunes, checks and
 * records both: atomic across instances, one round trip. It reads the time from Redis
 * (TIME) so instances whose clocks differ still share one window, and every write sets
 * the key's expiry to the window, so idle keys disappear by themselves.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Attempt, LoginLimitOptions, LoginLimits } from './login-limiter'
import { closeRedis, connectRedis, type Redis, type RedisLog } from './session/redis-client'

export const LOGIN_KEY_PREFIX = 'cachet:login:'

/**
 * KEYS[1] client hits, KEYS[2] account failures (and pending attempts); ARGV windowMs,
 * perIp, perAccountFailures, ticket. Returns 0 when the attempt is allowed (it is then
 * recorded in both sets, as the ticket), else the seconds to wait (nothing recorded):
 * max(1, ceil((oldest + window - now) / 1000)), as retryAfter() in login-limiter.ts.
 */
const ATTEMPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, perIp, perAccount = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local function wait(key)
  local oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
  return math.max(1, math.ceil((oldest + window - now) / 1000))
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= perIp then return wait(KEYS[1]) end
if redis.call('ZCARD', KEYS[2]) >= perAccount then return wait(KEYS[2]) end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], window)
return 0
`
const ATTEMPT_SHA = createHash('sha1').update(ATTEMPT).digest('hex')

const hashed = (v: string) => createHash('sha256').update(v).digest('base64url')
export const ipKey = (ip: string) => `${LOGIN_KEY_PREFIX}ip:${hashed(ip)}`
export const accountKey = (email: string) => `${LOGIN_KEY_PREFIX}account:${hashed(email)}`

export class RedisLoginLimits implements LoginLimits {
  readonly kind = 'redis'

  /** `redis` is closed by close(). */
  constructor(
    private readonly redis: Redis,
    private readonly o: LoginLimitOptions,
  ) {}

  async attempt(ip: string, email: string): Promise<Attempt> {
    const ticket = randomUUID()
    const options = {
      keys: [ipKey(ip), accountKey(email)],
      arguments: [String(this.o.windowMs), String(this.o.perIp), String(this.o.perAccountFailures), ticket],
    }
    let reply: unknown
    try {
      reply = await this.redis.evalSha(ATTEMPT_SHA, options)
    } catch (e) {
      // NOSCRIPT: first use on this Redis, or it restarted (its script cache is not kept).
      if (!String((e as Error)?.message).startsWith('NOSCRIPT')) throw e
      reply = await this.redis.eval(ATTEMPT, options)
    }
    if (typeof reply !== 'number' || !Number.isInteger(reply) || reply < 0) throw new Error(`unexpected reply from the sign-in limit script: ${String(reply)}`)
    return reply === 0 ? { allowed: true, ticket } : { allowed: false, retryAfterSeconds: reply }
  }

  async succeeded(email: string): Promise<void> {
    await this.redis.del(accountKey(email))
  }

  async release(email: string, ticket: string): Promise<void> {
    await this.redis.zRem(accountKey(email), ticket)
  }

  async close(): Promise<void> {
    await closeRedis(this.redis)
  }
}

/** Connects its own Redis connection (named in CLIENT LIST); throws, naming REDIS_URL, if unreachable. */
export async function connectLoginLimits(url: string, o: LoginLimitOptions, log?: RedisLog): Promise<RedisLoginLimits> {
  return new RedisLoginLimits(await connectRedis(url, { name: 'cachet-login-limits', log }), o)
}
