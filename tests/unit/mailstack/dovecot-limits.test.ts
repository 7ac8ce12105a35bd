/**
 * Dovecot's limits in the demo configuration hold the load they are sized for (issue 11):
 * every service that all imap and login processes connect to at once (log, stats-writer,
 * config, anvil, auth) takes that many clients. Read with Dovecot's own doveconf, so a
 * service left at its default (client_limit 0: default_client_limit, 1,000) is seen as
 * Dovecot sees it. The stats service at 1,000 was the two-bridge load bench's ~500 503s:
 * past it, new imap processes waited for their stats handshake and the bridge for the
 * greeting (GREETING_TIMEOUT, 503 imap_unavailable).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { IMAP_PROCESS_LIMIT, LOGIN_PROCESS_LIMIT, renderDovecotConfig } from '../../../src/mailstack/dovecot-config'

const dir = mkdtempSync(join(tmpdir(), 'cachet-dovecot-limits-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The effective settings (defaults included) of a rendered configuration, by doveconf. */
function effective(): { global: Map<string, string>; services: Map<string, Map<string, string>> } {
  const path = join(dir, 'dovecot.conf')
  const passwd = join(dir, 'passwd')
  writeFileSync(passwd, '')
  writeFileSync(
    path,
    renderDovecotConfig({
      dataDir: dir,
      mailFormat: 'sdbox',
      imapPort: 11143,
      lmtpPort: 11124,
      passwdFile: passwd,
      mailUser: 'nobody',
      mailGroup: 'nogroup',
      mailUid: 65534,
      mailGid: 65534,
      loginUser: 'nobody',
      rootless: false,
    }),
  )
  const text = execFileSync('doveconf', ['-c', path], { encoding: 'utf8' })
  const global = new Map<string, string>()
  const services = new Map<string, Map<string, string>>()
  let service: Map<string, string> | null = null
  let depth = 0
  for (const line of text.split('\n')) {
    const open = /^service (\S+) \{$/.exec(line)
    if (open && depth === 0) {
      service = services.get(open[1]!) ?? new Map()
      services.set(open[1]!, service)
      depth = 1
      continue
    }
    if (line.trim().endsWith('{')) depth++
    else if (line.trim() === '}') depth = Math.max(0, depth - 1)
    const kv = /^\s*([a-z_]+) = (.*)$/.exec(line)
    if (!kv) continue
    if (depth === 0) global.set(kv[1]!, kv[2]!)
    else if (depth === 1 && service) service.set(kv[1]!, kv[2]!)
    if (depth === 0) service = null
  }
  return { global, services }
}

describe('Dovecot limits of the demo configuration', () => {
  const { global, services } = effective()
  const clientLimit = (name: string) => {
    const v = Number(services.get(name)?.get('client_limit') ?? 0)
    return v > 0 ? v : Number(global.get('default_client_limit'))
  }

  it('has the imap and login process limits the load bench needs', () => {
    expect(Number(services.get('imap')?.get('process_limit'))).toBe(IMAP_PROCESS_LIMIT)
    expect(Number(services.get('imap-login')?.get('process_limit'))).toBe(LOGIN_PROCESS_LIMIT)
  })

  it.each(['log', 'stats', 'config', 'anvil', 'auth'])('lets every imap and login process be a client of %s at once', (name) => {
    expect(services.has(name)).toBe(true)
    expect(clientLimit(name)).toBeGreaterThanOrEqual(IMAP_PROCESS_LIMIT + LOGIN_PROCESS_LIMIT)
  })
})
