/**
 * Issue #6: "the signed bytes survive a trip through the demo mail stack (SMTP in,
 * IMAP out) and still verify in OpenSSL". Sealed by `cachet-smime seal`, submitted
 * as-is over SMTP (AUTH), delivered by LMTP into Dovecot, fetched over IMAP, then
 * checked by `openssl cms` and by our own `inspect`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ImapFlow } from 'imapflow'
import nodemailer from 'nodemailer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMailstack, type Mailstack } from '../../src/mailstack/index'
import { cachetSmime, inspect } from './harness/cli'
import { makeDraft, pseudoRandom } from './harness/draft'
import { run } from './harness/run'

let dir: string
let ms: Mailstack
type DemoAccount = NonNullable<Mailstack['pki']>['accounts'][number]
let alice: DemoAccount
let bob: DemoAccount

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cachet-roundtrip-'))
  // The data folder itself (the mail stack opens its permissions for Dovecot's
  // unprivileged auth process; a subfolder of a 0700 temp dir would be unreachable).
  ms = await startMailstack({ dataDir: dir, imapPort: 0, smtpPort: 0, lmtpPort: 0 })
  alice = ms.pki!.accounts.find((a) => a.email.startsWith('alice@'))!
  bob = ms.pki!.accounts.find((a) => a.email.startsWith('bob@'))!
}, 120_000)

afterAll(async () => {
  await ms?.stop()
  await rm(dir, { recursive: true, force: true })
})

// Lines a relay likes to touch: "From " at line start, a lone ".", trailing spaces, a long line.
const TEXT = 'From the start of a line.\r\n.\r\nTrailing spaces   \r\n' + 'x'.repeat(300) + '\r\nGrüße ✓\r\n'

async function submitAndFetch(raw: Buffer, subject: string): Promise<Buffer> {
  const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: ms.smtpPort, secure: false, ignoreTLS: true, auth: { user: alice.email, pass: 'demo' } })
  await smtp.sendMail({ envelope: { from: alice.email, to: [bob.email] }, raw })
  const c = new ImapFlow({ host: '127.0.0.1', port: ms.imapPort, secure: false, doSTARTTLS: false, auth: { user: bob.email, pass: 'demo' }, logger: false })
  c.on('error', () => {})
  await c.connect()
  try {
    await c.mailboxOpen('INBOX')
    for (let attempt = 0; attempt < 50; attempt++) {
      const uids = await c.search({ subject })
      if (uids && uids.length) {
        const msg = await c.fetchOne(String(uids[uids.length - 1]), { source: true }, { uid: true })
        if (msg && msg.source) return msg.source
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`message "${subject}" did not arrive`)
  } finally {
    await c.logout()
  }
}

const cases = [
  { name: 'detached signature, 1 KB attachment', args: ['--sign'] },
  { name: 'opaque signature', args: ['--sign', '--opaque'] },
  { name: 'signed and encrypted (aes-256-gcm)', args: ['--sign', '--encrypt', '--cipher', 'aes-256-gcm'] },
]

describe('sealed mail through SMTP → LMTP → Dovecot → IMAP', () => {
  for (const c of cases) {
    it(`${c.name}: delivered bytes equal the sent bytes and verify in OpenSSL`, async () => {
      const subject = `roundtrip ${c.name}`
      const draft = await makeDraft({
        from: alice.email,
        to: [bob.email],
        subject,
        text: TEXT,
        attachments: [{ filename: 'daten.bin', contentType: 'application/octet-stream', content: pseudoRandom(1024, 7) }],
      })
      const args = ['seal', '--pfx', alice.pfx, '--password', alice.pfxPassword, ...c.args]
      if (c.args.includes('--encrypt')) args.push('--to', bob.certPem)
      const sealed = await cachetSmime(args, draft)
      expect(sealed.status, sealed.stderr).toBe(0)
      const fetched = await submitAndFetch(sealed.stdout, subject)
      // The server adds trace headers on top; everything we sent follows unchanged.
      const sent = sealed.stdout
      expect(fetched.subarray(fetched.length - sent.length).equals(sent)).toBe(true)

      const file = join(dir, `fetched-${cases.indexOf(c)}.eml`)
      await writeFile(file, fetched)
      let toVerify = file
      if (c.args.includes('--encrypt')) {
        const d = await run('openssl', ['cms', '-decrypt', '-in', file, '-recip', bob.certPem, '-inkey', bob.keyPem])
        expect(d.status, d.stderr).toBe(0)
        toVerify = join(dir, `decrypted-${cases.indexOf(c)}.eml`)
        await writeFile(toVerify, d.stdout)
      }
      const v = await run('openssl', ['cms', '-verify', '-in', toVerify, '-CAfile', ms.pki!.caCert, '-out', '/dev/null'])
      expect(v.status, v.stderr).toBe(0)

      const { status, report } = await inspect(file, ['--trust', ms.pki!.caCert, '--pfx', bob.pfx, '--password', bob.pfxPassword])
      expect(report.verdict).toEqual({ signature: 'valid', encryption: c.args.includes('--encrypt') ? 'decrypted' : 'none' })
      expect(status).toBe(0)
      expect(report.text).toBe(TEXT)
    })
  }
})
