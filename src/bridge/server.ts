/**
 * Starts the bridge: `npx tsx src/bridge/server.ts` (env: see config.ts), or
 * `startBridge(config)` from scripts and tests (port 0 = a free port).
 */
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildApp } from './app'
import { loadConfig, type BridgeConfig } from './config'

export interface RunningBridge {
  app: FastifyInstance
  url: string
  port: number
  close(): Promise<void>
}

export async function startBridge(config: BridgeConfig = loadConfig()): Promise<RunningBridge> {
  const app = await buildApp(config)
  await app.listen({ host: config.host, port: config.port })
  const addr = app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : config.port
  const host = config.host === '127.0.0.1' || config.host === '::1' || config.host === '0.0.0.0' ? 'localhost' : config.host
  return { app, port, url: `${config.https ? 'https' : 'http'}://${host}:${port}`, close: () => app.close() }
}

/** Reads HTTPS_CERT/HTTPS_KEY as file paths when they name files. */
function httpsFromFiles(config: BridgeConfig): BridgeConfig {
  if (!config.https) return config
  const read = (v: string) => (v.includes('-----BEGIN') ? v : readFileSync(v, 'utf8'))
  return { ...config, https: { cert: read(config.https.cert), key: read(config.https.key) } }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Configuration and session-store problems (REDIS_URL unreachable, no SESSION_SECRET)
  // are messages for the operator, not stack traces.
  const bridge = await Promise.resolve()
    .then(() => startBridge(httpsFromFiles(loadConfig())))
    .catch((e: Error) => {
      console.error(e.message)
      process.exit(1)
    })
  console.log(`Cachet bridge at ${bridge.url}`)
  const stop = () => void bridge.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}
