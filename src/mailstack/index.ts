/**
 * The demo/test mail stack: Dovecot (IMAP + LMTP) with a generated configuration under a
 * data folder, an SMTP submission service that delivers into it, the demo accounts, the
 * demo PKI, the organisation's CA (CFSSL, with its CRL) and the directory (OpenLDAP
 * slapd) publishing each account's certificate. `startMailstack()` is what `npm start`,
 * the bridge tests, the e2e tests and the benchmark use; pass port 0 (or leave ports out
 * in tests) to get free ports.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { demoAccounts, DEMO_ACCOUNTS, DEMO_PASSWORD, writePasswdFile, type Account } from './accounts'
import { startCa, type CaHandle } from './ca'
import { startDirectory, type DirectoryEntry, type DirectoryHandle } from './directory'
import { dovecotDirFor, startDovecot } from './dovecot'
import { ensureDemoPki, type DemoPki } from './demo-pki'
import { freePort } from './net'
import { seedWelcomeMail } from './seed'
import { startSubmission, type SubmissionHandle } from './submission'

export { DEMO_ACCOUNTS, DEMO_PASSWORD, demoAccounts, type Account } from './accounts'
export { ensureDemoPki, type DemoPki } from './demo-pki'
export { CA_PROFILES, startCa, type CaHandle, type CaOptions } from './ca'
export { BRIDGE_BIND_DN, DIRECTORY_BASE, startDirectory, type DirectoryEntry, type DirectoryHandle, type DirectoryOptions } from './directory'
export { freePort, waitForPort } from './net'
export { seedWelcomeMail } from './seed'

export const DEFAULT_DATA_DIR = 'data/mailstack'
export const DEFAULT_PORTS = { imap: 1143, smtp: 1587, lmtp: 1124, ca: 1888, crl: 1889, directory: 1389 } as const

export interface MailstackOptions {
  /** Data folder (config, runtime sockets, maildirs, PKI). Default ./data/mailstack. */
  dataDir?: string
  /** 0 = pick a free port. Defaults: 1143 / 1587 / 1124. */
  imapPort?: number
  smtpPort?: number
  lmtpPort?: number
  /**
   * The CA (CFSSL), its CRL (HTTP) and the directory (LDAP). 0 = pick a free port.
   * Unset: 1888 / 1889 / 1389 when imapPort is unset too (the all-defaults stack of
   * `npm start`), else a free port, so callers that choose their mail ports (tests, a
   * second stack) never collide on these.
   */
  caPort?: number
  crlPort?: number
  directoryPort?: number
  accounts?: Account[]
  /** Create the demo CA and PFX files under <dataDir>/demo-pki (default true). */
  pki?: boolean
  /** Run the CA server (CFSSL) on the demo CA's key, and its CRL (default: when pki is on; needs pki). */
  ca?: boolean
  /** Run the directory (slapd) with every account and its demo certificate (default: when pki is on). */
  directory?: boolean
  /** Deliver welcome mail on the first start of this data folder (default false). */
  seed?: boolean
  /** Dovecot's IMAP connections per user and address (default MAX_USERIP_CONNECTIONS). */
  maxUserIpConnections?: number
  /** The SMTP service accepts and queues while Dovecot is down (submission.ts; fault tests). */
  queueWhileLmtpDown?: boolean
}

/** A server of the stack that a fault test stops and starts again (same ports, same mail). */
export interface Restartable {
  stop(): Promise<void>
  start(): Promise<void>
}

export interface Mailstack {
  dataDir: string
  /** Dovecot's files and the mail: dataDir, or SHARED_MAIL_ROOT/<id> as root in a private folder. */
  mailDir: string
  imapPort: number
  smtpPort: number
  lmtpPort: number
  accounts: Account[]
  pki: DemoPki | null
  /** The CA server (authsign only) and its CRL; null when off. */
  ca: CaHandle | null
  /** The LDAP directory; null when off. */
  directory: DirectoryHandle | null
  /** Dovecot alone (IMAP and LMTP): stop it and start it again, for fault tests. */
  dovecot: Restartable
  /** The SMTP submission service alone, likewise. */
  smtp: Restartable & { queued(): number }
  stop(): Promise<void>
}

/** The directory entries of the accounts: each with its demo certificate when there is a PKI. */
export function directoryEntries(accounts: Account[], pki: DemoPki | null): DirectoryEntry[] {
  return accounts.map((a) => {
    const local = a.email.slice(0, a.email.lastIndexOf('@'))
    const cert = pki?.accounts.find((p) => p.email.toLowerCase() === a.email.toLowerCase())
    return {
      email: a.email,
      name: local.charAt(0).toUpperCase() + local.slice(1),
      certificatesDer: cert ? [pemToDer(readFileSync(cert.certPem, 'utf8'))] : [],
    }
  })
}

function pemToDer(pem: string): Buffer {
  const m = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(pem)
  if (!m) throw new Error('No certificate in PEM')
  return Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')
}

export async function startMailstack(opts: MailstackOptions = {}): Promise<Mailstack> {
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR)
  mkdirSync(dataDir, { recursive: true })
  const pick = async (p: number | undefined, def: number) => (p === 0 ? freePort() : (p ?? def))
  const imapPort = await pick(opts.imapPort, DEFAULT_PORTS.imap)
  const smtpPort = await pick(opts.smtpPort, DEFAULT_PORTS.smtp)
  const lmtpPort = await pick(opts.lmtpPort, DEFAULT_PORTS.lmtp)
  const accounts = opts.accounts ?? demoAccounts()
  // Dovecot's files: the data folder, or a folder its unprivileged processes can enter.
  const mailDir = dovecotDirFor(dataDir)
  const passwdFile = join(mailDir, 'passwd')
  writePasswdFile(passwdFile, accounts)
  const pki = opts.pki === false ? null : ensureDemoPki(join(dataDir, 'demo-pki'), accounts.map((a) => a.email))

  const withCa = opts.ca ?? pki !== null
  const withDirectory = opts.directory ?? pki !== null
  if (withCa && !pki) throw new Error('The CA server signs with the demo CA: it needs pki (do not set pki: false with ca: true)')
  const pickNew = (p: number | undefined, def: number) => pick(p ?? (opts.imapPort === undefined ? def : 0), def)
  const caPort = withCa ? await pickNew(opts.caPort, DEFAULT_PORTS.ca) : 0
  const crlPort = withCa ? await pickNew(opts.crlPort, DEFAULT_PORTS.crl) : 0
  const directoryPort = withDirectory ? await pickNew(opts.directoryPort, DEFAULT_PORTS.directory) : 0

  // Each started server's stop (last started, first stopped), so that a failure later
  // stops what already runs; stop() stops them all and then reports the first failure.
  const running: (() => Promise<void>)[] = []
  const stopAll = async () => {
    let failure: unknown = null
    for (const stop of running.splice(0).reverse()) {
      try {
        await stop()
      } catch (e) {
        failure ??= e
      }
    }
    if (failure) throw failure
  }
  try {
    const dovecotOptions = { dataDir: mailDir, imapPort, lmtpPort, passwdFile, maxUserIpConnections: opts.maxUserIpConnections }
    let dovecotNow: { stop(): Promise<void> } | null = await startDovecot(dovecotOptions)
    running.push(() => dovecotNow?.stop() ?? Promise.resolve())
    const submissionOptions = { port: smtpPort, lmtpPort, passwdFile, queueWhileLmtpDown: opts.queueWhileLmtpDown === true }
    let submissionNow: SubmissionHandle | null = await startSubmission(submissionOptions)
    running.push(() => submissionNow?.stop() ?? Promise.resolve())
    const dovecot: Restartable = {
      async stop() {
        await dovecotNow?.stop()
        dovecotNow = null
      },
      async start() {
        dovecotNow ??= await startDovecot(dovecotOptions)
      },
    }
    let queuedAtStop = 0
    const smtp: Mailstack['smtp'] = {
      async stop() {
        queuedAtStop = submissionNow?.queued() ?? queuedAtStop
        await submissionNow?.stop()
        submissionNow = null
      },
      async start() {
        submissionNow ??= await startSubmission(submissionOptions)
      },
      queued: () => submissionNow?.queued() ?? queuedAtStop,
    }
    if (opts.seed) await seedWelcomeMail(mailDir, lmtpPort, accounts.map((a) => a.email))
    const ca = withCa && pki ? await startCa({ dir: pki.dir, port: caPort, crlPort }) : null
    if (ca) running.push(() => ca.stop())
    const directory = withDirectory
      ? await startDirectory({ dir: join(dataDir, 'directory'), port: directoryPort, entries: directoryEntries(accounts, pki) })
      : null
    if (directory) running.push(() => directory.stop())
    return {
      dataDir,
      mailDir,
      imapPort,
      smtpPort,
      lmtpPort,
      accounts,
      pki,
      ca,
      directory,
      dovecot,
      smtp,
      stop: stopAll,
    }
  } catch (e) {
    await stopAll().catch(() => {})
    throw e
  }
}

// Re-exported so callers need not know the file layout.
export const DEMO = { accounts: DEMO_ACCOUNTS, password: DEMO_PASSWORD }
