/**
 * Welcome mail so a fresh demo is not empty: a plain text, an HTML and a message with an
 * attachment in every demo inbox, delivered through LMTP like any other mail. Runs once
 * per data folder (a marker file remembers it).
 */
import nodemailer from 'nodemailer'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export async function seedWelcomeMail(dataDir: string, lmtpPort: number, emails: readonly string[]): Promise<boolean> {
  const marker = join(dataDir, 'seeded')
  if (existsSync(marker)) return false
  const lmtp = nodemailer.createTransport({ host: '127.0.0.1', port: lmtpPort, lmtp: true, secure: false, ignoreTLS: true })
  const from = '"Cachet" <welcome@example.com>'
  try {
    for (const to of emails) {
      await lmtp.sendMail({
        from,
        to,
        envelope: { from: 'welcome@example.com', to: [to] },
        subject: 'Welcome to Cachet',
        text:
          `Hello ${to.split('@')[0]},\n\nThis is the Cachet demo. Sign in as any of ${emails.join(', ')} ` +
          '(password "demo") and send mail between the accounts.\n\nYour demo PFX (password "demo") is in data/mailstack/demo-pki/.\n',
      })
      await lmtp.sendMail({
        from,
        to,
        envelope: { from: 'welcome@example.com', to: [to] },
        subject: 'An HTML message',
        text: 'This message has an HTML part; your client shows it sanitized.',
        html:
          '<h1>Cachet</h1><p>This is <b>HTML</b> mail, shown <i>sanitized</i> in a sandboxed frame.</p>' +
          '<p>Remote images stay blocked until you ask: <img src="https://example.net/pixel.png" alt="remote image"></p>',
      })
      await lmtp.sendMail({
        from,
        to,
        envelope: { from: 'welcome@example.com', to: [to] },
        subject: 'A message with an attachment',
        text: 'The attached file is a small text file.',
        attachments: [{ filename: 'notes.txt', content: 'Cachet keeps your keys in your browser.\n', contentType: 'text/plain' }],
      })
    }
  } finally {
    lmtp.close()
  }
  writeFileSync(marker, new Date().toISOString() + '\n')
  return true
}
