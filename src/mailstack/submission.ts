/**
 * The SMTP submission service of the demo stack (RFC 6409 style, loopback only): AUTH
 * PLAIN/LOGIN against the same passwd-file as Dovecot, the envelope sender must be the
 * authenticated account, local recipients only; each message is delivered byte for
 * byte to Dovecot over LMTP (RFC 2033). Nothing is relayed to the outside world.
 */
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server'
import nodemailer from 'nodemailer'
import { readPasswdFile } from './accounts'

export const MAX_MESSAGE_BYTES = 50 * 1024 * 1024

export interface SubmissionOptions {
  port: number
  lmtpPort: number
  passwdFile: string
  /**
   * Accept a message while Dovecot's LMTP cannot be reached (connection refused) and
   * deliver it once it can, as a real MTA's queue does (RFC 5321 §4.5.4.1), instead of
   * answering 451. Off by default: the fault tests turn it on to have "SMTP accepted, the
   * mail server is down" (the copy to Sent then fails) with the real servers.
   */
  queueWhileLmtpDown?: boolean
}

export interface SubmissionHandle {
  port: number
  /** Messages accepted and not yet delivered (only with queueWhileLmtpDown). */
  queued(): number
  stop(): Promise<void>
}

/** How often the queue tries LMTP again. */
const QUEUE_RETRY_MS = 250

export async function startSubmission(o: SubmissionOptions): Promise<SubmissionHandle> {
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: o.lmtpPort, lmtp: true, secure: false, ignoreTLS: true })
  const accounts = () => readPasswdFile(o.passwdFile)
  const queue: { envelope: { from: string; to: string[] }; raw: Buffer }[] = []
  let flushing = false
  const flush = async () => {
    if (flushing) return
    flushing = true
    try {
      while (queue.length) {
        await lmtp.sendMail(queue[0]!)
        queue.shift()
      }
    } catch {
      // Still down: the timer tries again.
    } finally {
      flushing = false
    }
  }
  const timer = o.queueWhileLmtpDown ? setInterval(() => void flush(), QUEUE_RETRY_MS) : null

  const server = new SMTPServer({
    name: 'cachet-submission',
    banner: 'Cachet demo submission (local delivery only)',
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true, // loopback only
    authMethods: ['PLAIN', 'LOGIN'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onAuth(auth, _session, cb) {
      const user = (auth.username ?? '').toLowerCase()
      const pw = accounts().get(user)
      if (pw === undefined || auth.password !== pw) {
        return cb(Object.assign(new Error('5.7.8 Authentication failed: wrong email or password'), { responseCode: 535 }))
      }
      cb(null, { user })
    },
    onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb) {
      if (!session.user) return cb(Object.assign(new Error('5.7.0 Authentication required'), { responseCode: 530 }))
      if (address.address.toLowerCase() !== String(session.user)) {
        return cb(
          Object.assign(new Error(`5.7.1 Sender ${address.address} is not the signed-in account ${String(session.user)}`), {
            responseCode: 553,
          }),
        )
      }
      cb()
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      if (!accounts().has(address.address.toLowerCase())) {
        return cb(
          Object.assign(
            new Error(`5.1.1 <${address.address}>: this demo server delivers only to its local accounts and relays nowhere`),
            { responseCode: 550 },
          ),
        )
      }
      cb()
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return cb(Object.assign(new Error('5.3.4 Message too big'), { responseCode: 552 }))
        }
        const raw = Buffer.concat(chunks)
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : ''
        const to = session.envelope.rcptTo.map((r) => r.address)
        lmtp
          .sendMail({ envelope: { from, to }, raw })
          .then(() => cb(null))
          .catch((e: Error & { code?: string }) => {
            // Only "not listening" is queued: an LMTP refusal (e.g. 451 from a Dovecot that
            // cannot read its folder) stays an error the sender sees.
            if (o.queueWhileLmtpDown && (e.code === 'ESOCKET' || e.code === 'ECONNECTION')) {
              queue.push({ envelope: { from, to }, raw })
              return cb(null)
            }
            cb(Object.assign(new Error(`4.3.0 Local delivery failed: ${e.message}`), { responseCode: 451 }))
          })
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, '127.0.0.1', () => resolve())
  })
  server.on('error', () => {})
  return {
    port: o.port,
    queued: () => queue.length,
    stop: () =>
      new Promise<void>((resolve) => {
        if (timer) clearInterval(timer)
        lmtp.close()
        server.close(() => resolve())
      }),
  }
}
