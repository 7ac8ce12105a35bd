/**
 * One IMAP connection per signed-in session, reused by every request of that session
 * and reopened transparently after a drop (server restart, idle timeout). Requests that
 * touch a mailbox take imapflow's mailbox lock, so concurrent requests of one session
 * queue instead of interleaving SELECTs.
 */
import { ImapFlow } from 'imapflow'
import { BridgeError, fromImapError } from '../errors'

export interface ImapServer {
  host: string
  port: number
  tls: boolean
  rejectUnauthorized: boolean
  /** IMAP_ALLOW_PLAINTEXT=1: the operator accepts a password in clear text to a remote server. */
  allowPlaintext?: boolean
}

/** 127.0.0.0/8, ::1 and localhost: the connection never leaves this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h)
}

/**
 * imapflow's doSTARTTLS for a server: implicit TLS needs none; loopback (the demo stack)
 * goes without; anything else must upgrade with STARTTLS (RFC 9051 §6.2.1) before LOGIN,
 * or the connection fails, unless the operator explicitly allowed clear text, where
 * STARTTLS is still used when offered.
 */
export function startTlsPolicy(server: ImapServer): boolean | undefined {
  if (server.tls) return undefined
  if (isLoopbackHost(server.host)) return false
  return server.allowPlaintext ? undefined : true
}

export interface Credentials {
  user: string
  pass: string
}

/** Opens and logs in a new imapflow client; throws BridgeError (invalid_credentials…). */
export async function openImap(server: ImapServer, creds: Credentials, opts: { autoIdle?: boolean } = {}): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: server.tls,
    doSTARTTLS: startTlsPolicy(server),
    tls: { rejectUnauthorized: server.rejectUnauthorized },
    auth: creds,
    logger: false,
    disableAutoIdle: !opts.autoIdle,
    // The event stream's connection only idles: start IDLE at once, not after 15 s.
    ...(opts.autoIdle ? { autoIdleDelay: 100 } : {}),
    // Generous: a server starting hundreds of sessions at once (after a restart, a
    // morning peak) greets late; a failure here is a 503 imap_unavailable anyway.
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
  })
  // Without a listener an 'error' event would crash the process.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (e) {
    client.close()
    throw fromImapError(e)
  }
  return client
}

/** Errors after which the same command is worth one retry on a fresh connection. */
function isConnectionLoss(e: unknown): boolean {
  const code = (e as { code?: string })?.code ?? ''
  return ['NoConnection', 'EConnectionClosed', 'ECONNRESET', 'EPIPE', 'ETIMEOUT'].includes(code)
}

export class ImapSession {
  private client: ImapFlow | null
  private connecting: Promise<ImapFlow> | null = null
  private closed = false

  constructor(
    private readonly server: ImapServer,
    private readonly creds: Credentials,
    first: ImapFlow | null = null,
  ) {
    this.client = first
  }

  /** The live connection, reconnecting when the previous one dropped. */
  async get(): Promise<ImapFlow> {
    if (this.closed) throw new BridgeError('unauthorized', 'Your session has ended. Sign in again.')
    if (this.client?.usable) return this.client
    this.client?.close()
    this.client = null
    this.connecting ??= openImap(this.server, this.creds).then(
      (c) => {
        this.connecting = null
        if (this.closed) {
          c.close()
          throw new BridgeError('unauthorized', 'Your session has ended. Sign in again.')
        }
        this.client = c
        return c
      },
      (e) => {
        this.connecting = null
        throw e
      },
    )
    return this.connecting
  }

  /** Runs `fn` with no mailbox selected-lock (LIST, STATUS, CREATE, APPEND). Retries once after a drop. */
  async run<T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.get())
    } catch (e) {
      if (!isConnectionLoss(e) || this.closed) throw fromImapError(e)
      try {
        return await fn(await this.get())
      } catch (e2) {
        throw fromImapError(e2)
      }
    }
  }

  /** Runs `fn` with `path` selected and locked. Retries once after a connection drop. */
  async withMailbox<T>(path: string, fn: (c: ImapFlow) => Promise<T>, opts: { readOnly?: boolean } = {}): Promise<T> {
    return this.run(async (c) => {
      // A mailbox that stays selected on this reused connection only learns about new
      // mail or expunges from untagged responses; NOOP (RFC 3501 §6.1.2) asks Dovecot
      // to send them now, so counts and pages are never stale. A fresh SELECT needs none.
      const wasSelected = c.mailbox !== false && c.mailbox?.path === path
      const lock = await c.getMailboxLock(path, { readOnly: opts.readOnly })
      try {
        if (wasSelected) await c.noop()
        return await fn(c)
      } finally {
        lock.release()
      }
    })
  }

  /**
   * Like withMailbox, but the caller releases: for streaming a download, where the lock
   * must be held until the last byte has been sent.
   */
  async lockMailbox(path: string): Promise<{ client: ImapFlow; release(): void }> {
    return this.run(async (c) => {
      const lock = await c.getMailboxLock(path, { readOnly: true })
      return { client: c, release: () => lock.release() }
    })
  }

  async close(): Promise<void> {
    this.closed = true
    const c = this.client
    this.client = null
    if (!c) return
    try {
      if (c.usable) await Promise.race([c.logout(), new Promise((r) => setTimeout(r, 2000))])
    } catch {}
    c.close()
  }
}
