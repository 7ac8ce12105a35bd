/**
 * Several bridge instances sharing one real redis-server over one real Dovecot: what a
 * deployment behind a load balancer looks like (DESIGN.md, "Scale"). Each test file
 * makes its instances with `instance()` (overrides on top of the shared config).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/bridge/app'
import { loadConfig, type BridgeConfig } from '../../../src/bridge/config'
import { startMailstack, type Account, type Mailstack } from '../../../src/mailstack/index'
import { startRedis, type TestRedis } from './redis-server'

export interface SharedBridges {
  mailstack: Mailstack
  redis: TestRedis
  config: BridgeConfig
  /** A new bridge instance on the shared config (closed by close()). */
  instance(overrides?: Partial<BridgeConfig>): Promise<FastifyInstance>
  close(): Promise<void>
}

export async function startSharedBridges(opts: {
  loginLimits: BridgeConfig['loginLimits']
  accounts?: Account[]
}): Promise<SharedBridges> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cachet-bridge-shared-test-'))
  const [mailstack, redis] = await Promise.all([
    startMailstack({ dataDir, imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false, ...(opts.accounts ? { accounts: opts.accounts } : {}) }),
    startRedis(),
  ])
  const config = loadConfig(
    {},
    {
      imap: { host: '127.0.0.1', port: mailstack.imapPort, tls: false, rejectUnauthorized: true },
      smtp: { host: '127.0.0.1', port: mailstack.smtpPort, tls: false, rejectUnauthorized: true },
      staticDir: null,
      logLevel: false,
      sessionSecret: 'shared-secret-of-all-instances-0123456789',
      redisUrl: redis.url,
      loginLimits: opts.loginLimits,
    },
  )
  const apps: FastifyInstance[] = []
  return {
    mailstack,
    redis,
    config,
    async instance(overrides = {}) {
      const app = await buildApp({ ...config, ...overrides })
      await app.ready()
      apps.push(app)
      return app
    },
    async close() {
      await Promise.all(apps.map((a) => a.close()))
      await redis.dispose()
      await mailstack.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
