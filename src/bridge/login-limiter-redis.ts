/**
 * The sign-in limits in Redis (REDIS_URL): every bridge instance sharing the Redis counts
 * into the same windows, so failed attempts spread over instances add up, and the next
 * one is refused everywhere with the same Retry-After.
 *
 * Each window is a log of hits (a sliding window, the same one the in-memory store keeps,
 * rather than a fixed-window INCR counter, which would let twice the limit through
 * around a window edge): a hash of ticket → time in ms, `cachet:login:ip:<h>` for a
 * client address and `cachet:login:account:<h>` for an account, `<h>` the SHA-256 of the
 * address or the lower-case email (no addresses in Redis). A log holds at most its limit
 * plus the attempts still in flight, so reading it whole is cheap (a hash rather than a
 * sorted set: plain types, which the tests that scan Redis for leaked secrets read).
 * One Lua script prunes, checks and records both logs: atomic across instances, one round
 * trip. It reads the time from Redis (TIME) so instances whose clocks differ still share
 * one window, and every write sets the key's expiry to the window, so idle keys
 * disappear by themselves.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Attempt, LoginLimitOptions, LoginLimits } from './login-limiter'
import { closeRedis, connectRedis, type Redis, type RedisLog } from './session/redis-client'

export const LOGIN_KEY_PREFIX = 'cachet:login:'

/**
 * KEYS[1] client hits, KEYS[2] account failures (and pending attempts); ARGV windowMs,
 * perIp, perAccountFailures, ticket. Returns 0 when the attempt is allowed (it is then
 * recorded in both logs, under the ticket), else the seconds to wait (nothing recorded):
 * max(1, ceil((oldest + window - now) / 1000)), as retryAfter() in login-limiter.ts.
 */
const ATTEMPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, perIp, perAccount = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- Drops the hits that left the window; returns how many are left and the oldest.
local function live(key)
  local all = redis.call('HGETALL', key)
  local n, oldest = 0, nil
  for i = 1, #all, 2 do
    local at = tonumber(all[i + 1])
    if not at or now - at >= window then
      redis.call('HDEL', key, all[i])
    else
      n = n + 1
      if not oldest or at < oldest then oldest = at end
    end
  end
  return n, oldest
end
local function wait(oldest)
  return math.max(1, math.ceil((oldest + window - now) / 1000))
end
local nIp, oldestIp = live(KEYS[1])
local nAccount, oldestAccount = live(KEYS[2])
if nIp >= perIp then return wait(oldestIp) end
if nAccount >= perAccount then return wait(oldestAccount) end
for i = 1, 2 do
  redis.call('HSET', KEYS[i], ARGV[4], string.format('%d', now))
  redis.call('PEXPIRE', KEYS[i], window)
end
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
    await this.redis.hDel(accountKey(email), ticket)
  }

  async close(): Promise<void> {
    await closeRedis(this.redis)
  }
}

/** Connects its own Redis connection (named in CLIENT LIST); throws, naming REDIS_URL, if unreachable. */
export async function connectLoginLimits(url: string, o: LoginLimitOptions, log?: RedisLog): Promise<RedisLoginLimits> {
  return new RedisLoginLimits(await connectRedis(url, { name: 'cachet-login-limits', log }), o)
}
