/**
 * The whole Cachet stack in one call: the demo mail stack (Dovecot + submission, the CA
 * and the directory) and the bridge serving the built app, enrolling at that CA and
 * reading (and publishing to) that directory. Used by `npm start` (scripts/start.mjs)
 * and by tests that need everything (e2e, bench): `startStack({ ports: 'free' })` starts
 * it in a temp dir on free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type BridgeConfig } from '../src/bridge/config'
import { startBridge, type RunningBridge } from '../src/bridge/server'
import { startMailstack, type Mailstack } from '../src/mailstack/index'

export interface StackOptions {
  /** Mail data folder. Default: a new temp dir when ports are 'free', else ./data/mailstack. */
  dataDir?: string
  /** 'free': every port picked by the OS (tests). 'default': 8080/1143/1587/1124, CA 1888/1889, LDAP 1389 (npm start). */
  ports?: 'free' | 'default'
  /** Bridge port; overrides `ports` for the bridge only (PORT env in npm start). */
  port?: number
  /** Built app folder served by the bridge (default 'dist'); null for API only. */
  staticDir?: string | null
  /** Welcome mail on first start (default: true for 'default' ports, false for 'free'). */
  seed?: boolean
  /** Extra bridge settings (e.g. loginLimits, logLevel). */
  bridge?: Partial<BridgeConfig>
}

export interface Stack {
  url: string
  mailstack: Mailstack
  bridge: RunningBridge
  stop(): Promise<void>
}

export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const free = o.ports === 'free'
  const tempDir = free && !o.dataDir ? mkdtempSync(join(tmpdir(), 'cachet-stack-')) : null
  const mailstack = await startMailstack({
    dataDir: o.dataDir ?? tempDir ?? undefined,
    imapPort: free ? 0 : undefined,
    smtpPort: free ? 0 : undefined,
    lmtpPort: free ? 0 : undefined,
    caPort: free ? 0 : undefined,
    crlPort: free ? 0 : undefined,
    directoryPort: free ? 0 : undefined,
    seed: o.seed ?? !free,
  })
  const { ca, directory } = mailstack
  let bridge: RunningBridge
  try {
    bridge = await startBridge(
      loadConfig(process.env, {
        port: o.port ?? (free ? 0 : loadConfig().port),
        imap: { host: '127.0.0.1', port: mailstack.imapPort, tls: false, rejectUnauthorized: true },
        smtp: { host: '127.0.0.1', port: mailstack.smtpPort, tls: false, rejectUnauthorized: true },
        staticDir: o.staticDir === undefined ? 'dist' : o.staticDir,
        ca: ca && { url: ca.url, authKey: ca.authKey, profiles: ca.profiles },
        directory: directory && {
          url: directory.url,
          base: directory.base,
          bindDn: directory.bindDn,
          bindPassword: directory.bindPassword,
          timeoutMs: /^\d+$/.test(process.env.DIRECTORY_TIMEOUT_MS ?? '') ? Number(process.env.DIRECTORY_TIMEOUT_MS) : 5000,
        },
        ...(free ? { logLevel: false as const, allowPrivateCrl: true } : {}),
        ...o.bridge,
      }),
    )
  } catch (e) {
    await mailstack.stop()
    throw e
  }
  return {
    url: bridge.url,
    mailstack,
    bridge,
    async stop() {
      await bridge.close()
      await mailstack.stop()
      if (tempDir) rmSync(tempDir, { recursive: true, force: true })
    },
  }
}
