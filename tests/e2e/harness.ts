/**
 * End-to-end harness: a fresh mail stack (Dovecot + SMTP submission) in a temp folder on
 * free ports, the bridge on a free port serving the built app (dist/, made by
 * `vite build` before this stage of `npm test`), and Debian's Chromium driven by
 * playwright-core. Everything listens on 127.0.0.1; everything is torn down in close().
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { ImapFlow } from 'imapflow'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { startMailstack, DEMO_PASSWORD, type Mailstack } from '../../src/mailstack/index'
import { startBridge, type RunningBridge } from '../../src/bridge/server'
import { loadConfig, type BridgeConfig } from '../../src/bridge/config'
import type { Policy } from '../../src/contract/index'

export const ROOT = resolve(import.meta.dirname, '../..')
export const SCREENSHOTS = join(ROOT, 'screenshots')

export interface Harness {
  /** Origin of the app and its API, e.g. http://127.0.0.1:40123 */
  origin: string
  mailstack: Mailstack
  /** The running bridge (a new one after restartBridge()). */
  bridge: RunningBridge
  /** Stop the bridge and start a new one on the same port: what a restart of its process does (sessions in memory end). */
  restartBridge(): Promise<void>
  browser: Browser
  /** A fresh browser context (own cookies) signed in as `email`. */
  signedIn(email: string, opts?: ContextOptions): Promise<{ context: BrowserContext; page: Page }>
  /** A fresh browser context on the sign-in page. */
  newPage(opts?: ContextOptions): Promise<{ context: BrowserContext; page: Page }>
  /** IMAP APPEND raw bytes, exactly, into a user's mailbox (bypasses the app and SMTP). */
  append(email: string, mailbox: string, raw: string | Buffer | (string | Buffer)[], flags?: string[]): Promise<void>
  /** The raw source of every message in a folder, over IMAP (bypassing the app). */
  sources(email: string, mailbox: string): Promise<Buffer[]>
  /** IMAP CREATE a user folder. */
  createMailbox(email: string, path: string): Promise<void>
  /** Save a screenshot as screenshots/<name>.png. */
  screenshot(page: Page, name: string): Promise<string>
  close(): Promise<void>
}

export interface ContextOptions {
  /** A phone: 390 × 844 CSS pixels, touch, mobile viewport (issue 14). */
  phone?: boolean
  /** The browser's language, e.g. 'de-DE' (default 'en-US'). */
  locale?: string
  /** prefers-color-scheme (default light). */
  colorScheme?: 'light' | 'dark'
}

/** What every test's browser context shares, so that screens compare across tests. */
export function contextOptions(origin: string, opts: ContextOptions = {}): BrowserContextOptions {
  return {
    baseURL: origin,
    acceptDownloads: true,
    locale: opts.locale ?? 'en-US',
    timezoneId: 'UTC',
    colorScheme: opts.colorScheme ?? 'light',
    ...(opts.phone ? { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 } : { viewport: { width: 1400, height: 860 } }),
  }
}

export interface HarnessOptions {
  /**
   * The organisation's certificate services too: the demo PKI, the CA server (CFSSL) and
   * the directory (slapd), with the bridge as registration authority and directory client.
   */
  certificates?: boolean
  /** The organisation's policy the bridge loads (as POLICY_FILE would); default: none. */
  policy?: Policy
  /** Let the CRL and OCSP relays reach loopback (CACHET_ALLOW_PRIVATE_CRL), for a responder the test runs. */
  allowPrivateRevocation?: boolean
  /** The SMTP service accepts and queues while Dovecot is down (fault tests: sent, but Sent unreachable). */
  queueWhileLmtpDown?: boolean
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dist = join(ROOT, 'dist', 'index.html')
  // `npm test` builds before this stage; a lone `vitest --project e2e` builds when needed.
  if (!existsSync(dist)) execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' })
  const dataDir = mkdtempSync(join(tmpdir(), 'cachet-e2e-'))
  const mailstack = await startMailstack({
    dataDir,
    imapPort: 0,
    smtpPort: 0,
    lmtpPort: 0,
    pki: opts.certificates === true,
    queueWhileLmtpDown: opts.queueWhileLmtpDown === true,
  })
  let bridge: RunningBridge | null = null
  let browser: Browser | null = null
  let config: BridgeConfig
  try {
    config = loadConfig({}, {
      host: '127.0.0.1',
      port: 0,
      imap: { host: '127.0.0.1', port: mailstack.imapPort, tls: false, rejectUnauthorized: true },
      smtp: { host: '127.0.0.1', port: mailstack.smtpPort, tls: false, rejectUnauthorized: true },
      staticDir: join(ROOT, 'dist'),
      logLevel: false,
      loginLimits: { windowMs: 60_000, perIp: 1000, perAccountFailures: 100 },
      ca: mailstack.ca ? { url: mailstack.ca.url, authKey: mailstack.ca.authKey, profiles: mailstack.ca.profiles } : null,
      directory: mailstack.directory
        ? { url: mailstack.directory.url, base: mailstack.directory.base, bindDn: mailstack.directory.bindDn, bindPassword: mailstack.directory.bindPassword, timeoutMs: 5000 }
        : null,
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.allowPrivateRevocation ? { allowPrivateCrl: true } : {}),
    })
    bridge = await startBridge(config)
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  } catch (e) {
    await browser?.close()
    await bridge?.close()
    await mailstack.stop()
    rmSync(dataDir, { recursive: true, force: true })
    throw e
  }
  const origin = `http://127.0.0.1:${bridge.port}`
  const b = browser
  const contexts: BrowserContext[] = []

  async function newPage(opts: ContextOptions = {}) {
    const context = await b.newContext(contextOptions(origin, opts))
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    await page.goto('/signin')
    return { context, page }
  }

  const sameConfig = { ...config, port: bridge.port }
  return {
    origin,
    mailstack,
    get bridge() {
      return bridge!
    },
    async restartBridge() {
      await bridge!.close()
      bridge = await startBridge(sameConfig)
    },
    browser: b,
    newPage,
    async signedIn(email: string, opts?: ContextOptions) {
      const { context, page } = await newPage(opts)
      await signIn(page, email)
      return { context, page }
    },
    async append(email, mailbox, raw, flags = []) {
      const client = new ImapFlow({ host: '127.0.0.1', port: mailstack.imapPort, secure: false, auth: { user: email, pass: DEMO_PASSWORD }, logger: false })
      await client.connect()
      try {
        for (const one of Array.isArray(raw) ? raw : [raw]) await client.append(mailbox, typeof one === 'string' ? Buffer.from(one, 'utf8') : one, flags)
      } finally {
        await client.logout()
      }
    },
    async sources(email, mailbox) {
      const client = new ImapFlow({ host: '127.0.0.1', port: mailstack.imapPort, secure: false, auth: { user: email, pass: DEMO_PASSWORD }, logger: false })
      await client.connect()
      const out: Buffer[] = []
      try {
        const lock = await client.getMailboxLock(mailbox)
        try {
          for await (const m of client.fetch('1:*', { source: true })) if (m.source) out.push(m.source)
        } finally {
          lock.release()
        }
      } finally {
        await client.logout()
      }
      return out
    },
    async createMailbox(email, path) {
      const client = new ImapFlow({ host: '127.0.0.1', port: mailstack.imapPort, secure: false, auth: { user: email, pass: DEMO_PASSWORD }, logger: false })
      await client.connect()
      try {
        await client.mailboxCreate(path)
      } finally {
        await client.logout()
      }
    },
    async screenshot(page, name) {
      mkdirSync(SCREENSHOTS, { recursive: true })
      const path = join(SCREENSHOTS, `${name}.png`)
      await page.screenshot({ path })
      return path
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {})
      await b.close().catch(() => {})
      await bridge!.close().catch(() => {})
      await mailstack.stop().catch(() => {})
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The names sign-in goes by in each of the app's languages (issue 14; src/web/i18n). */
export const SIGN_IN_NAMES = {
  en: { email: 'Email', password: 'Password', signIn: 'Sign in', signOut: 'Sign out', messages: 'Messages' },
  de: { email: 'E-Mail-Adresse', password: 'Passwort', signIn: 'Anmelden', signOut: 'Abmelden', messages: 'Nachrichten' },
  nl: { email: 'E-mailadres', password: 'Wachtwoord', signIn: 'Aanmelden', signOut: 'Afmelden', messages: 'Berichten' },
} as const

/** Sign in through the form, the way a person does, in whatever language the page speaks. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.locator('#signin-email').waitFor()
  const lang = (await page.evaluate(() => document.documentElement.lang)) as keyof typeof SIGN_IN_NAMES
  const names = SIGN_IN_NAMES[lang] ?? SIGN_IN_NAMES.en
  await page.getByRole('textbox', { name: names.email }).fill(email)
  await page.getByLabel(names.password).fill(password)
  await page.getByRole('button', { name: names.signIn }).click()
  // Signed in: the app's frame is up (on a phone the folders wait in a closed drawer).
  await page.getByRole('button', { name: names.signOut }).waitFor()
  await page.getByRole('list', { name: names.messages }).waitFor({ state: 'attached' })
}

/** A message as RFC 5322 text with CRLF line ends. */
export function crlf(lines: string[]): string {
  return lines.join('\r\n') + '\r\n'
}

/** Poll `fn` until it returns a truthy value (playwright-core has no expect()). */
export async function eventually<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, 150))
  }
}
