/**
 * Issue 11 and the README's promise: `npm start` works as root from a clone in a folder no
 * other user may enter (root's home folder). Dovecot's mail and login processes run as
 * unprivileged users, which could not read their configuration there: the first delivery
 * failed with "451 4.3.0 Temporary internal error". Its files now go where they can.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ImapFlow } from 'imapflow'
import { afterAll, describe, expect, it } from 'vitest'
import { dovecotDirFor, othersCanEnter, SHARED_MAIL_ROOT } from '../../../src/mailstack/dovecot'
import { startMailstack, type Mailstack } from '../../../src/mailstack/index'

const parent = mkdtempSync(join(tmpdir(), 'cachet-private-'))
const open = join(parent, 'open')
const closed = join(parent, 'closed')
mkdirSync(join(open, 'data'), { recursive: true })
mkdirSync(join(closed, 'data'), { recursive: true })
chmodSync(parent, 0o755)
chmodSync(open, 0o755)
chmodSync(closed, 0o700)
let ms: Mailstack | null = null
afterAll(async () => {
  await ms?.stop()
  if (ms && ms.mailDir !== ms.dataDir) rmSync(ms.mailDir, { recursive: true, force: true })
  rmSync(parent, { recursive: true, force: true })
})

describe('a data folder inside a folder others cannot enter', () => {
  it('tells such a folder from an open one', () => {
    chmodSync(join(open, 'data'), 0o755)
    expect(othersCanEnter(join(open, 'data'))).toBe(true)
    expect(othersCanEnter(join(closed, 'data'))).toBe(false)
  })

  const asRoot = process.getuid?.() === 0
  it.runIf(asRoot)('as root, Dovecot gets a folder its processes can enter, the same one at every start', () => {
    expect(dovecotDirFor(join(open, 'data'))).toBe(join(open, 'data'))
    const dir = dovecotDirFor(join(closed, 'data'))
    expect(dir.startsWith(`${SHARED_MAIL_ROOT}/`)).toBe(true)
    expect(othersCanEnter(dir)).toBe(true)
    expect(dovecotDirFor(join(closed, 'data'))).toBe(dir)
  })

  it.runIf(asRoot)('as root, the mail stack starts there, delivers the welcome mail and serves IMAP', async () => {
    ms = await startMailstack({ dataDir: join(closed, 'data'), imapPort: 0, smtpPort: 0, lmtpPort: 0, pki: false, seed: true })
    expect(ms.mailDir).not.toBe(ms.dataDir)
    const c = new ImapFlow({ host: '127.0.0.1', port: ms.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice@example.com', pass: 'demo' }, logger: false })
    c.on('error', () => {})
    await c.connect()
    try {
      const status = await c.status('INBOX', { messages: true })
      expect(status && status.messages).toBeGreaterThan(0)
    } finally {
      await c.logout()
    }
  })
})
