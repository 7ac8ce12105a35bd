/**
 * The demo accounts and the passwd-file both Dovecot (passdb/userdb) and the SMTP
 * submission service check passwords against, so there is one list of accounts.
 * Format: Dovecot passwd-file (https://doc.dovecot.org/configuration_manual/authentication/passwd_file/).
 */
import { readFileSync, writeFileSync } from 'node:fs'

export const DEMO_PASSWORD = 'demo'
export const DEMO_ACCOUNTS = ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'] as const

export interface Account {
  email: string
  password: string
}

/** Writes the passwd-file (`user:{PLAIN}password`); the demo has nothing to hide. */
export function writePasswdFile(path: string, accounts: Account[]): void {
  const lines = accounts.map((a) => {
    if (/[:\r\n]/.test(a.email) || /[\r\n]/.test(a.password)) throw new Error(`invalid account ${a.email}`)
    return `${a.email.toLowerCase()}:{PLAIN}${a.password}::::::`
  })
  writeFileSync(path, lines.join('\n') + '\n', { mode: 0o640 })
}

/** Reads the {PLAIN} entries of a passwd-file back (for SMTP AUTH). */
export function readPasswdFile(path: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([^:]+):\{PLAIN\}([^:]*)/.exec(line)
    if (m) out.set(m[1]!.toLowerCase(), m[2]!)
  }
  return out
}

export function demoAccounts(): Account[] {
  return DEMO_ACCOUNTS.map((email) => ({ email, password: DEMO_PASSWORD }))
}
