/**
 * The bridge's Redis connections (node-redis). Two behaviours matter for sessions:
 * - At startup an unreachable or misconfigured Redis is a clear error that names
 *   REDIS_URL (with any password in it masked), not a silent retry loop.
 * - Once running, a dropped connection never queues commands until Redis returns (a
 *   request would hang) and never crashes the process: commands fail at once
 *   (`disableOfflineQueue`) or after a timeout, the store turns that into a
 *   `session_store_unavailable` answer, and the client keeps reconnecting in the
 *   background with backoff.
 */
import { createClient } from 'redis'

export type Redis = ReturnType<typeof newClient>

export interface RedisLog {
  warn(msg: string): void
  info(msg: string): void
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable URL)'
  }
}

const STARTUP_TRIES = 3

function newClient(url: string, opts: { name: string; commandTimeoutMs?: number; connectTimeoutMs?: number }, wasReady: () => boolean) {
  return createClient({
    url,
    name: opts.name,
    disableOfflineQueue: true,
    commandOptions: { timeout: opts.commandTimeoutMs ?? 2_000 },
    socket: {
      connectTimeout: opts.connectTimeoutMs ?? 3_000,
      // Before the first connection: a few quick tries (Redis may be starting next to us),
      // then give up so startup fails with a clear message. After: retry forever, backing off.
      reconnectStrategy: (retries: number, cause: Error) =>
        wasReady() ? Math.min(100 * 2 ** Math.min(retries, 6), 5_000) : retries < STARTUP_TRIES - 1 ? 200 : cause,
    },
  })
}

export async function connectRedis(
  url: string,
  opts: { name: string; commandTimeoutMs?: number; connectTimeoutMs?: number; log?: RedisLog },
): Promise<Redis> {
  const shown = redactRedisUrl(url)
  if (!/^rediss?:\/\//i.test(url)) {
    throw new Error(`REDIS_URL (${shown}) is not a redis:// or rediss:// URL. Fix REDIS_URL, or unset it to keep sessions in memory.`)
  }
  let ready = false
  let lost = false
  let client: Redis
  try {
    client = newClient(url, opts, () => ready)
  } catch (e) {
    throw new Error(`REDIS_URL (${shown}) is not usable: ${(e as Error).message}. Fix REDIS_URL, or unset it to keep sessions in memory.`, { cause: e })
  }
  // Without a listener node-redis would crash the process on a dropped connection.
  client.on('error', (e: Error) => {
    if (ready && !lost) {
      lost = true
      opts.log?.warn(`Redis connection (${opts.name}) lost: ${e.message}. Sessions answer session_store_unavailable until it returns; reconnecting.`)
    }
  })
  client.on('ready', () => {
    if (lost) opts.log?.info(`Redis connection (${opts.name}) is back.`)
    lost = false
  })
  try {
    await client.connect()
  } catch (e) {
    if (client.isOpen) client.destroy()
    throw new Error(
      `Cannot connect to Redis at REDIS_URL (${shown}): ${(e as Error).message}. Start Redis there, fix REDIS_URL, or unset REDIS_URL to keep sessions in memory.`,
      { cause: e },
    )
  }
  ready = true
  return client
}

/** Closes a client without waiting on a Redis that may be gone. */
export async function closeRedis(client: Redis): Promise<void> {
  if (!client.isOpen) return
  if (!client.isReady) {
    client.destroy()
    return
  }
  await Promise.race([client.close(), new Promise((r) => setTimeout(r, 1_000).unref())])
  if (client.isOpen) client.destroy()
}
