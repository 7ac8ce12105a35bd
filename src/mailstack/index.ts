/**
 * The demo/test mail stack: Dovecot (IMAP + LMTP) with a generated configuration under a
 * data folder, an SMTP submission service that delivers into it, the demo accounts and
 * the demo PKI. `startMailstack()` is what `npm start`, the bridge tests, the e2e tests
 * and the benchmark use; pass port 0 (or leave ports out in tests) to get free ports.
 */
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { demoAccounts, DEMO_ACCOUNTS, DEMO_PASSWORD, writePasswdFile, type Account } from './accounts'
import { startDovecot } from './dovecot'
import { ensureDemoPki, type DemoPki } from './demo-pki'
import { freePort } from './net'
import { seedWelcomeMail } from './seed'
import { startSubmission } from './submission'

export { DEMO_ACCOUNTS, DEMO_PASSWORD, demoAccounts, type Account } from './accounts'
export { ensureDemoPki, type DemoPki } from './demo-pki'
export { freePort, waitForPort } from './net'
export { seedWelcomeMail } from './seed'

export const DEFAULT_DATA_DIR = 'data/mailstack'
export const DEFAULT_PORTS = { imap: 1143, smtp: 1587, lmtp: 1124 } as const

export interface MailstackOptions {
  /** Data folder (config, runtime sockets, maildirs, PKI). Default ./data/mailstack. */
  dataDir?: string
  /** 0 = pick a free port. Defaults: 1143 / 1587 / 1124. */
  imapPort?: number
  smtpPort?: number
  lmtpPort?: number
  accounts?: Account[]
  /** Create the demo CA and PFX files under <dataDir>/demo-pki (default true). */
  pki?: boolean
  /** Deliver welcome mail on the first start of this data folder (default false). */
  seed?: boolean
}

export interface Mailstack {
  dataDir: string
  imapPort: number
  smtpPort: number
  lmtpPort: number
  accounts: Account[]
  pki: DemoPki | null
  stop(): Promise<void>
}

export async function startMailstack(opts: MailstackOptions = {}): Promise<Mailstack> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR)
  mkdirSync(dataDir, { recursive: true })
  const pick = async (p: number | undefined, def: number) => (p === 0 ? freePort() : (p ?? def))
  const imapPort = await pick(opts.imapPort, DEFAULT_PORTS.imap)
  const smtpPort = await pick(opts.smtpPort, DEFAULT_PORTS.smtp)
  const lmtpPort = await pick(opts.lmtpPort, DEFAULT_PORTS.lmtp)
  const accounts = opts.accounts ?? demoAccounts()
  const passwdFile = join(dataDir, 'passwd')
  writePasswdFile(passwdFile, accounts)
  const pki = opts.pki === false ? null : ensureDemoPki(join(dataDir, 'demo-pki'), accounts.map((a) => a.email))

  const dovecot = await startDovecot({ dataDir, imapPort, lmtpPort, passwdFile })
  let submission
  try {
    submission = await startSubmission({ port: smtpPort, lmtpPort, passwdFile })
    if (opts.seed) await seedWelcomeMail(dataDir, lmtpPort, accounts.map((a) => a.email))
  } catch (e) {
    await submission?.stop()
    await dovecot.stop()
    throw e
  }
  const sub = submission
  return {
    dataDir,
    imapPort,
    smtpPort,
    lmtpPort,
    accounts,
    pki,
    async stop() {
      await sub.stop()
      await dovecot.stop()
    },
  }
}

// Re-exported so callers need not know the file layout.
export const DEMO = { accounts: DEMO_ACCOUNTS, password: DEMO_PASSWORD }
