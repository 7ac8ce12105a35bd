/**
 * Picks the session store from the configuration: in memory by default, in Redis when
 * REDIS_URL is set (DESIGN.md, "Scale"). With Redis, an unreachable server fails here,
 * at startup, with a message that names REDIS_URL.
 */
import type { BridgeConfig } from '../config'
import { ImapSession } from '../imap/connection'
import { MemorySessionStore, type SessionStore } from '../session-store'
import { closeRedis, connectRedis, type RedisLog } from './redis-client'
import { RedisSessionStore } from './redis-store'

export async function createSessionStore(config: BridgeConfig, log?: RedisLog): Promise<SessionStore> {
  if (!config.redisUrl) return new MemorySessionStore(config.idleTimeoutMs, config.absoluteTimeoutMs)
  const redis = await connectRedis(config.redisUrl, { name: 'cachet-sessions', log })
  let subscriber
  try {
    subscriber = await connectRedis(config.redisUrl, { name: 'cachet-session-ends', log })
  } catch (e) {
    await closeRedis(redis)
    throw e
  }
  const store = new RedisSessionStore({
    redis,
    subscriber,
    secret: config.sessionSecret,
    idleMs: config.idleTimeoutMs,
    absoluteMs: config.absoluteTimeoutMs,
    imapFor: (creds) => new ImapSession(config.imap, creds),
    log,
  })
  try {
    await store.listen()
  } catch (e) {
    await store.closeAll()
    throw new Error(`Cannot subscribe to session notices on REDIS_URL: ${(e as Error).message}`, { cause: e })
  }
  return store
}
