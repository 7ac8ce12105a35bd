/**
 * The directory of the demo stack: OpenLDAP's slapd (Debian's), run as an attached child
 * as the current user with its own configuration (slapd.conf), mdb database and pid
 * files under <dataDir>/directory, on 127.0.0.1 only. The system slapd service is
 * neither used nor needed.
 *
 * Tree: dc=example,dc=com › ou=people › uid=<local part> (inetOrgPerson: cn, sn, mail,
 * userCertificate;binary), plus cn=cachet-bridge,dc=example,dc=com, the bridge's bind
 * DN (organizationalRole + simpleSecurityObject, random password kept in
 * <dir>/bridge.secret, 0600, no trailing newline so `ldapmodify -y` can read it).
 *
 * Access: anyone (anonymous or bound) may search and read uid, cn, sn, mail and
 * userCertificate of people; only the bridge's DN may write, and only userCertificate.
 * Nobody else writes anything (there is no rootdn). Searches return at most 500 entries.
 *
 * Entries are seeded offline (slapadd) before slapd starts: on the first start all of
 * them; later only the accounts that have no entry yet. Existing entries are kept as they
 * are, so certificates the bridge published (enrolment) survive restarts.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDaemon, stopStale } from './daemon'

export const SLAPD_BIN = '/usr/sbin/slapd'
export const SLAPADD_BIN = '/usr/sbin/slapadd'
export const SLAPCAT_BIN = '/usr/sbin/slapcat'
export const SLAPMODIFY_BIN = '/usr/sbin/slapmodify'
export const LDAP_MODULE_DIR = '/usr/lib/ldap'
export const LDAP_SCHEMA_DIR = '/etc/ldap/schema'
export const DIRECTORY_BASE = 'dc=example,dc=com'
export const PEOPLE_DN = `ou=people,${DIRECTORY_BASE}`
export const BRIDGE_BIND_DN = `cn=cachet-bridge,${DIRECTORY_BASE}`
export const DIRECTORY_SIZE_LIMIT = 500
const NOT_INSTALLED = 'OpenLDAP is not installed. Run: sudo apt-get install -y slapd ldap-utils'

export interface DirectoryEntry {
  email: string
  /** Display name (cn); sn is its last word. */
  name: string
  /** Certificates to publish as userCertificate;binary (DER). */
  certificatesDer: Buffer[]
}

export interface DirectoryOptions {
  /** <dataDir>/directory */
  dir: string
  port: number
  entries: DirectoryEntry[]
}

export interface DirectoryHandle {
  /** ldap://127.0.0.1:PORT */
  url: string
  base: 'dc=example,dc=com'
  /** The DN that may write userCertificate (the bridge publishing enrolled certificates). */
  bindDn: string
  bindPassword: string
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------------------
// LDIF and DNs

/** RFC 4514 escaping of an attribute value inside a DN. */
export function escapeDnValue(v: string): string {
  let out = v.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, '\\00')
  if (/^[ #]/.test(out)) out = `\\${out}`
  if (/ $/.test(out)) out = `${out.slice(0, -1)}\\ `
  return out
}

/**
 * One LDIF line (RFC 2849): plain for printable ASCII that is a SAFE-STRING (not starting
 * with space, colon or '<', not ending with a space), else base64 (`::`).
 */
function ldifLine(attr: string, value: string | Buffer): string {
  if (typeof value === 'string' && /^[!-9;=-~][ -~]*$/.test(value) && !value.endsWith(' ')) {
    return `${attr}: ${value}`
  }
  return `${attr}:: ${Buffer.from(value).toString('base64')}`
}

function ldifRecord(dn: string, attrs: [string, string | Buffer][]): string {
  return [ldifLine('dn', dn), ...attrs.map(([a, v]) => ldifLine(a, v))].join('\n') + '\n'
}

interface LdifEntry {
  dn: string
  /** Attribute descriptions lower-cased, values raw. */
  attrs: Map<string, Buffer[]>
}

/** Parses slapcat's output (any wrapping, base64 values; no URLs or change records). */
export function parseLdif(text: string): LdifEntry[] {
  const entries: LdifEntry[] = []
  for (const block of text.replace(/\r\n/g, '\n').split(/\n{2,}/)) {
    const lines = block
      .replace(/\n /g, '')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
    if (lines.length === 0) continue
    let dn: string | null = null
    const attrs = new Map<string, Buffer[]>()
    for (const line of lines) {
      const m = /^([^:]+):(:?) ?(.*)$/.exec(line)
      if (!m) continue
      const value = m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(m[3]!, 'utf8')
      const name = m[1]!.toLowerCase()
      if (name === 'dn') dn = value.toString('utf8')
      else attrs.set(name, [...(attrs.get(name) ?? []), value])
    }
    if (dn !== null) entries.push({ dn, attrs })
  }
  return entries
}

/** The DN of one person: uid=<local part>,ou=people,dc=example,dc=com. */
export function personDn(email: string): string {
  const uid = email.slice(0, email.lastIndexOf('@'))
  return `uid=${escapeDnValue(uid)},${PEOPLE_DN}`
}

function personLdif(e: DirectoryEntry): string {
  const uid = e.email.slice(0, e.email.lastIndexOf('@'))
  const name = e.name.trim() || uid
  const sn = name.split(/\s+/).pop() || name
  return ldifRecord(personDn(e.email), [
    ['objectClass', 'inetOrgPerson'],
    ['uid', uid],
    ['cn', name],
    ['sn', sn],
    ['mail', e.email],
    ...e.certificatesDer.map((der): [string, Buffer] => ['userCertificate;binary', der]),
  ])
}

// ---------------------------------------------------------------------------------------
// The bridge's password

/** {SSHA} of RFC 2307 style: base64(SHA-1(password ‖ salt) ‖ salt). */
export function sshaHash(password: string, salt: Buffer = randomBytes(8)): string {
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest()
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`
}

function sshaMatches(hash: string, password: string): boolean {
  const m = /^\{SSHA\}([A-Za-z0-9+/=]+)$/.exec(hash)
  if (!m) return false
  const raw = Buffer.from(m[1]!, 'base64')
  if (raw.length <= 20) return false
  const want = Buffer.from(sshaHash(password, raw.subarray(20)).slice(6), 'base64')
  return want.length === raw.length && timingSafeEqual(want, raw)
}

/** The bridge's bind password, made once per data folder and kept in <dir>/bridge.secret (0600). */
export function ensureBridgeSecret(dir: string): string {
  const file = join(dir, 'bridge.secret')
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim()
    if (/^[A-Za-z0-9_-]{32,}$/.test(saved)) {
      chmodSync(file, 0o600)
      return saved
    }
  }
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, secret, { mode: 0o600 })
  chmodSync(file, 0o600)
  return secret
}

// ---------------------------------------------------------------------------------------
// Configuration

export function renderSlapdConfig(o: { pidFile: string; argsFile: string; dbDir: string }): string {
  const q = (s: string) => {
    if (/["\\\n]/.test(s)) throw new Error(`Unsupported character in directory path ${s}`)
    return `"${s}"`
  }
  const people = PEOPLE_DN
  return [
    '# Generated by Cachet (src/mailstack/directory.ts) at every start; edits are lost.',
    ...['core', 'cosine', 'nis', 'inetorgperson'].map((s) => `include ${q(join(LDAP_SCHEMA_DIR, `${s}.schema`))}`),
    `pidfile ${q(o.pidFile)}`,
    `argsfile ${q(o.argsFile)}`,
    `modulepath ${q(LDAP_MODULE_DIR)}`,
    'moduleload back_mdb',
    `sizelimit ${DIRECTORY_SIZE_LIMIT}`,
    'timelimit 10',
    'idletimeout 300',
    '',
    'database mdb',
    `suffix "${DIRECTORY_BASE}"`,
    `directory ${q(o.dbDir)}`,
    'maxsize 268435456',
    'index objectClass eq',
    'index mail,uid eq',
    'lastmod on',
    '',
    '# The bridge: may bind, nothing else about it is visible.',
    `access to dn.exact="${BRIDGE_BIND_DN}"`,
    '  by anonymous auth',
    '  by * none',
    'access to attrs=userPassword',
    '  by * none',
    '# Certificates: everyone reads, only the bridge writes (publishing enrolled certificates).',
    `access to dn.subtree="${people}" attrs=userCertificate`,
    `  by dn.exact="${BRIDGE_BIND_DN}" write`,
    '  by * read',
    `access to dn.subtree="${DIRECTORY_BASE}" attrs=entry,objectClass,dc,o,ou,uid,cn,sn,mail`,
    '  by * read',
    'access to *',
    '  by * none',
    '',
  ].join('\n')
}

function run(bin: string, args: string[], input?: string): string {
  try {
    return execFileSync(bin, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string }
    throw new Error(`Directory: ${bin.split('/').pop()} failed: ${(err.stderr || err.stdout || err.message).trim()}`, { cause: e })
  }
}

/**
 * Brings the database up to date before slapd starts: the base, ou=people, the bridge's
 * entry (password set to the current secret) and an entry for every account that has
 * none. Existing entries are not touched.
 */
function seed(configPath: string, dbDir: string, entries: DirectoryEntry[], bridgeSecret: string): void {
  // slapcat cannot open a database that was never written: then there is nothing yet.
  const existing = existsSync(join(dbDir, 'data.mdb')) ? parseLdif(run(SLAPCAT_BIN, ['-f', configPath, '-o', 'ldif-wrap=no'])) : []
  const have = new Set(existing.map((e) => e.dn.toLowerCase()))
  const records: string[] = []
  if (!have.has(DIRECTORY_BASE)) {
    records.push(ldifRecord(DIRECTORY_BASE, [['objectClass', 'dcObject'], ['objectClass', 'organization'], ['dc', 'example'], ['o', 'Example']]))
  }
  if (!have.has(PEOPLE_DN)) records.push(ldifRecord(PEOPLE_DN, [['objectClass', 'organizationalUnit'], ['ou', 'people']]))
  const bridge = existing.find((e) => e.dn.toLowerCase() === BRIDGE_BIND_DN)
  if (!bridge) {
    records.push(
      ldifRecord(BRIDGE_BIND_DN, [
        ['objectClass', 'organizationalRole'],
        ['objectClass', 'simpleSecurityObject'],
        ['cn', 'cachet-bridge'],
        ['description', 'The Cachet bridge: publishes enrolled certificates (userCertificate)'],
        ['userPassword', sshaHash(bridgeSecret)],
      ]),
    )
  }
  const uids = new Map<string, string>()
  for (const e of entries) {
    if (!/^[^@\s]+@[^@\s]+$/.test(e.email)) throw new Error(`Directory: not an address: ${e.email}`)
    const dn = personDn(e.email).toLowerCase()
    const other = uids.get(dn)
    if (other !== undefined && other !== e.email.toLowerCase()) {
      throw new Error(`Directory: ${other} and ${e.email} would both be ${personDn(e.email)} (one uid per local part)`)
    }
    uids.set(dn, e.email.toLowerCase())
    if (!have.has(dn) && other === undefined) records.push(personLdif(e))
  }
  if (records.length) run(SLAPADD_BIN, ['-f', configPath], records.join('\n'))
  // The secret file was remade (lost or damaged): give the bridge's entry the new password.
  const hash = bridge?.attrs.get('userpassword')?.[0]?.toString('utf8')
  if (bridge && !(hash && sshaMatches(hash, bridgeSecret))) {
    const change = [ldifLine('dn', BRIDGE_BIND_DN), 'changetype: modify', 'replace: userPassword', ldifLine('userPassword', sshaHash(bridgeSecret)), '-', ''].join('\n')
    run(SLAPMODIFY_BIN, ['-f', configPath], change)
  }
}

export async function startDirectory(o: DirectoryOptions): Promise<DirectoryHandle> {
  for (const bin of [SLAPD_BIN, SLAPADD_BIN, SLAPCAT_BIN, SLAPMODIFY_BIN, join(LDAP_MODULE_DIR, 'back_mdb.so')]) {
    if (!existsSync(bin)) throw new Error(NOT_INSTALLED)
  }
  const runDir = join(o.dir, 'run')
  const dbDir = join(o.dir, 'db')
  for (const d of [o.dir, runDir, dbDir]) mkdirSync(d, { recursive: true, mode: 0o700 })
  const pidFile = join(runDir, 'slapd.pid')
  const configPath = join(o.dir, 'slapd.conf')
  writeFileSync(configPath, renderSlapdConfig({ pidFile, argsFile: join(runDir, 'slapd.args'), dbDir }), { mode: 0o600 })
  // A slapd from an earlier start of this folder must be gone before slapadd touches the database.
  await stopStale(pidFile, 'slapd', configPath)
  const bindPassword = ensureBridgeSecret(o.dir)
  seed(configPath, dbDir, o.entries, bindPassword)

  const url = `ldap://127.0.0.1:${o.port}`
  // `-d none`: stay attached (killing the child stops it) and print only errors. No -u/-g:
  // slapd runs as whoever runs us, so it can read a data folder only we may enter.
  const daemon = await startDaemon({
    name: 'slapd',
    bin: SLAPD_BIN,
    args: ['-d', 'none', '-h', `${url}/`, '-f', configPath],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    cwd: o.dir,
    port: o.port,
    hint: (out) =>
      /permission denied/i.test(out)
        ? 'If AppArmor confines slapd here (Ubuntu), allow it to use this data folder or put the data folder under /var/lib/ldap.'
        : null,
  })
  return {
    url,
    base: DIRECTORY_BASE,
    bindDn: BRIDGE_BIND_DN,
    bindPassword,
    stop: () => daemon.stop(),
  }
}
