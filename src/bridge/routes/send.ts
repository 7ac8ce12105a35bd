/**
 * POST /api/send: the raw message goes out byte for byte over SMTP (nodemailer `raw`
 * with an explicit envelope), then the same bytes are appended to the \Sent folder.
 * Envelope: MAIL FROM is the signed-in account; RCPT TO is `envelopeTo` when given (the
 * app's way to send Bcc, since the bytes carry no Bcc header), else To + Cc.
 * The organisation's policy (POLICY_FILE) is enforced first, on the Subject and these
 * recipients: 422 policy_requires_encryption / policy_requires_signature (policy/enforce.ts).
 */
import type { FastifyInstance } from 'fastify'
import nodemailer from 'nodemailer'
import { EmailAddress, MAX_RAW_BYTES, routes, SendQuery, type SendResponse } from '../../contract/index'
import type { BridgeConfig } from '../config'
import { BridgeError, fromImapError } from '../errors'
import { specialFolder } from '../imap/mailboxes'
import { addressList, headerValues, readHeaders } from '../mime-headers'
import { sessionOf } from '../plugins/sessions'
import { enforcePolicy } from '../policy/enforce'
import { parse } from '../validate'
import { define } from './define'
import { rawBody } from './messages'

export function sendRoutes(app: FastifyInstance, config: BridgeConfig): void {
  define(
    app,
    routes.send,
    async (request): Promise<SendResponse> => {
      const session = sessionOf(request)
      const q = parse(SendQuery, request.query, 'envelope')
      const raw = rawBody(request.body)
      const fields = readHeaders(raw)
      if (headerValues(fields, 'bcc').length) {
        throw new BridgeError('bad_request', 'Remove the Bcc header from the message and pass all recipients in envelopeTo; the message is sent exactly as given.')
      }
      if (!headerValues(fields, 'from').length) throw new BridgeError('bad_request', 'The message has no From header.')
      const from = q.envelopeFrom?.toLowerCase() ?? session.email
      if (from !== session.email) throw new BridgeError('bad_request', `The envelope sender must be your own address (${session.email}).`)
      const to = q.envelopeTo ?? [...headerValues(fields, 'to'), ...headerValues(fields, 'cc')].flatMap(addressList)
      if (to.length === 0) throw new BridgeError('bad_request', 'The message has no recipients (To, Cc or envelopeTo).')
      for (const a of to) parse(EmailAddress, a, `recipient "${a.slice(0, 80)}"`)
      const recipients = [...new Set(to.map((a) => a.toLowerCase()))]
      // Before any byte leaves: a message the policy wants encrypted or signed and that is not goes nowhere (422).
      enforcePolicy(config.policy, raw, fields, recipients)

      const transport = nodemailer.createTransport({
        host: config.smtp.host,
        port: config.smtp.port,
        secure: config.smtp.tls,
        ignoreTLS: !config.smtp.tls && ['127.0.0.1', 'localhost', '::1'].includes(config.smtp.host),
        tls: { rejectUnauthorized: config.smtp.rejectUnauthorized },
        auth: { user: session.email, pass: session.password },
        logger: false,
        connectionTimeout: 15_000,
      })
      let info
      try {
        info = await transport.sendMail({ envelope: { from, to: recipients }, raw })
      } catch (e) {
        const err = e as { code?: string; responseCode?: number; response?: string; rejected?: string[] }
        if (err.code === 'EENVELOPE' || (err.responseCode && err.responseCode >= 550 && err.responseCode < 560)) {
          throw new BridgeError('recipient_rejected', `The mail server refused the recipients: ${String(err.response ?? '').slice(0, 300)}`)
        }
        throw new BridgeError('smtp_failed', `Sending failed: ${String(err.response ?? (e as Error).message).slice(0, 300)}. The message was not sent.`)
      } finally {
        transport.close()
      }
      const messageId = headerValues(fields, 'message-id')[0] ?? null
      let sentMailbox: string | null = null
      let sentUid: number | null = null
      let sentCopyError: SendResponse['sentCopyError'] = null
      try {
        sentMailbox = await specialFolder(session.imap, 'sent')
        const res = await session.imap.run((c) => c.append(sentMailbox!, raw, ['\\Seen']))
        sentUid = res ? (res.uid ?? null) : null
      } catch (e) {
        // Sent all the same: a 200 that says so, never an error (the app would send it again).
        const err = fromImapError(e)
        request.log.warn({ code: err.code }, 'sent, but the copy in Sent failed')
        sentMailbox = null
        sentCopyError = { code: err.code, message: err.message }
      }
      return {
        accepted: (info.accepted ?? []).map(String),
        rejected: (info.rejected ?? []).map(String),
        messageId,
        sentMailbox,
        sentUid,
        sentCopyError,
      }
    },
    { bodyLimit: MAX_RAW_BYTES },
  )
}
