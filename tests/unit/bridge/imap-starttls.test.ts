import { createServer, type Server, type Socket } from 'node:net'
import { ImapFlow } from 'imapflow'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/bridge/config'
import { isLoopbackHost, startTlsPolicy } from '../../../src/bridge/imap/connection'

// Issue 11: without IMAP_TLS the bridge spoke clear text to every IMAP server, so a
// remote server got the user's password unencrypted.
describe('IMAP STARTTLS policy', () => {
  const server = (host: string, extra: Partial<{ tls: boolean; allowPlaintext: boolean }> = {}) => ({ host, port: 143, tls: false, rejectUnauthorized: true, ...extra })

  it('requires STARTTLS for any server but loopback', () => {
    expect(startTlsPolicy(server('mail.example.com'))).toBe(true)
    expect(startTlsPolicy(server('10.0.0.5'))).toBe(true)
    expect(startTlsPolicy(server('127.0.0.1'))).toBe(false)
    expect(startTlsPolicy(server('localhost'))).toBe(false)
    expect(startTlsPolicy(server('::1'))).toBe(false)
    expect(startTlsPolicy(server('[::1]'))).toBe(false)
    expect(startTlsPolicy(server('mail.example.com', { tls: true }))).toBeUndefined()
  })

  it('IMAP_ALLOW_PLAINTEXT=1 lets an operator accept clear text (STARTTLS still used when offered)', () => {
    const c = loadConfig({ IMAP_HOST: 'mail.example.com', IMAP_ALLOW_PLAINTEXT: '1' })
    expect(startTlsPolicy(c.imap)).toBeUndefined()
    expect(startTlsPolicy(loadConfig({ IMAP_HOST: 'mail.example.com' }).imap)).toBe(true)
  })

  it('knows loopback from look-alikes', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'LOCALHOST', '::1']) expect(isLoopbackHost(h), h).toBe(true)
    for (const h of ['127.0.0.1.example.com', 'localhost.example.com', '128.0.0.1', '::2', 'mail']) expect(isLoopbackHost(h), h).toBe(false)
  })
})

describe('with the policy of a remote server, a server that offers no STARTTLS never sees the password', () => {
  let fake: Server
  let port: number
  const received: string[] = []
  beforeAll(async () => {
    fake = createServer((sock: Socket) => {
      sock.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain-text server ready\r\n')
      sock.on('data', (d) => {
        for (const line of d.toString('latin1').split('\r\n').filter(Boolean)) {
          received.push(line)
          const tag = line.split(' ')[0]
          if (/ CAPABILITY$/i.test(line)) sock.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`)
          else if (/ LOGOUT$/i.test(line)) sock.end(`* BYE\r\n${tag} OK bye\r\n`)
          else sock.write(`${tag} OK done\r\n`)
        }
      })
      sock.on('error', () => {})
    })
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()))
    port = (fake.address() as { port: number }).port
  })
  afterAll(() => fake?.close())

  it('refuses to log in', async () => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      doSTARTTLS: startTlsPolicy({ host: 'mail.example.com', port, tls: false, rejectUnauthorized: true }),
      auth: { user: 'alice@example.com', pass: 'secret-password-7' },
      logger: false,
      connectionTimeout: 5000,
    })
    client.on('error', () => {})
    await expect(client.connect()).rejects.toThrow()
    client.close()
    expect(received.some((l) => /LOGIN|AUTHENTICATE/i.test(l))).toBe(false)
    expect(received.join('\n')).not.toContain('secret-password-7')
  })
})
