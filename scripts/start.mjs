// `npm start`: installs what is missing (npm packages; Dovecot, OpenSSL, CFSSL and OpenLDAP
// from Debian when root, else prints the apt-get line), builds the app when dist/ is
// missing or stale, then starts the demo mail stack (with its CA and directory) and the
// bridge on one origin, and prints how to sign in.
// Ctrl-C stops everything. Env: PORT (bridge, default 8080), CACHET_DATA_DIR (mail data,
// default data/mailstack), LOG_LEVEL (bridge, default warn), and the bridge's own
// settings (src/bridge/config.ts).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureNodeModules, ensureSystem } from './ensure-system.mjs'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
process.chdir(root)
ensureNodeModules(root)
ensureSystem(['dovecot', 'openssl', 'cfssl', 'slapd'])

/** Newest modification time under the given paths (files or folders). */
function newest(paths) {
  let t = 0
  const walk = (p) => {
    if (!existsSync(p)) return
    const st = statSync(p)
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e))
    else t = Math.max(t, st.mtimeMs)
  }
  paths.forEach(walk)
  return t
}

function buildAppIfNeeded() {
  if (!existsSync('index.html') || !existsSync('vite.config.ts')) {
    console.warn('The web app is not there yet (no index.html / vite.config.ts): starting the bridge (API only).')
    return
  }
  const built = existsSync('dist/index.html') ? statSync('dist/index.html').mtimeMs : 0
  const sources = newest(['index.html', 'vite.config.ts', 'src/web', 'src/core', 'src/contract', 'public'])
  if (built >= sources) return
  console.log('Building the app (vite build)…')
  const r = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' })
  if (r.status !== 0) console.error(existsSync('dist/index.html') ? 'vite build failed: serving the previous build.' : 'vite build failed: starting the bridge (API only).')
}
buildAppIfNeeded()

const { register } = await import('tsx/esm/api')
register()
const { startStack } = await import('./stack.ts')

process.env.LOG_LEVEL ??= 'warn'
// The demo organisation's policy ("Secure subject", "Partners sign"); POLICY_FILE= (empty) runs without one.
process.env.POLICY_FILE ??= 'src/mailstack/demo-policy.yaml'
const dataDir = process.env.CACHET_DATA_DIR || 'data/mailstack'
let stack
try {
  stack = await startStack({ ports: 'default', dataDir, port: process.env.PORT ? Number(process.env.PORT) : 8080, seed: true })
} catch (e) {
  console.error(`Could not start: ${e instanceof Error ? e.message : e}`)
  console.error('If a port is taken, another Cachet may be running; set PORT for the bridge.')
  process.exit(1)
}
const { mailstack } = stack
console.log(`
  Cachet is running at ${stack.url}

  Demo accounts (password "demo"): ${mailstack.accounts.map((a) => a.email).join(', ')}
  Mail server: IMAP 127.0.0.1:${mailstack.imapPort}, SMTP submission 127.0.0.1:${mailstack.smtpPort} (data in ${mailstack.dataDir}${mailstack.mailDir !== mailstack.dataDir ? `; mail in ${mailstack.mailDir}, which Dovecot's unprivileged processes can enter` : ''})
  Demo S/MIME identities (PFX, password "demo"): ${mailstack.pki ? join(mailstack.pki.dir, '<name>.p12') : 'not created'}
    CA certificate: ${mailstack.pki?.caCert ?? '-'}
  Certificate authority (CFSSL, authenticated signing only): ${mailstack.ca ? `${mailstack.ca.url}, CRL ${mailstack.ca.crlUrl}` : 'not running'}
  Directory (LDAP, anonymous reads): ${mailstack.directory ? `${mailstack.directory.url}, base ${mailstack.directory.base}` : 'not running'}

  Ctrl-C stops everything.
`)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  console.log('\nStopping…')
  await stack.stop().catch((e) => console.error(e))
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
