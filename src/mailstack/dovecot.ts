/**
 * Starts Dovecot in the foreground (`dovecot -F -c <generated config>`) as a child of this
 * process, so stopping the parent stops it. Waits until IMAP and LMTP accept connections.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { isAlive, stopStale } from './daemon'
import { renderDovecotConfig, type MailFormat } from './dovecot-config'
import { waitForPort } from './net'

export const DOVECOT_BIN = '/usr/sbin/dovecot'

export interface DovecotOptions {
  dataDir: string
  imapPort: number
  lmtpPort: number
  passwdFile: string
  /** Dovecot's mail_max_userip_connections (tests of the bridge's answer to a full server). */
  maxUserIpConnections?: number
}

export interface DovecotHandle {
  configPath: string
  mailUid: number
  mailGid: number
  stop(): Promise<void>
}

interface SysUser {
  name: string
  uid: number
  gid: number
  group: string
}

function lookupUser(name: string): SysUser | null {
  try {
    const pw = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim().split(':')
    const gid = Number(pw[3])
    const gr = execFileSync('getent', ['group', String(gid)], { encoding: 'utf8' }).trim().split(':')
    return { name, uid: Number(pw[2]), gid, group: gr[0] ?? String(gid) }
  } catch {
    return null
  }
}

/** Who the mail processes run as: as root an unprivileged system user, otherwise ourselves. */
function mailIdentity(): { mail: SysUser; login: string; rootless: boolean } {
  if (process.getuid?.() === 0) {
    const mail = lookupUser('nobody') ?? lookupUser('dovecot')
    if (!mail) throw new Error('No unprivileged user (nobody/dovecot) to run mail processes as')
    const login = lookupUser('dovenull') ? 'dovenull' : mail.name
    return { mail, login, rootless: false }
  }
  const u = userInfo()
  const group = (() => {
    try {
      return execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()
    } catch {
      return String(u.gid)
    }
  })()
  return { mail: { name: u.username, uid: u.uid, gid: u.gid, group }, login: u.username, rootless: true }
}

/** Where Dovecot's own files go when the data folder is private (see dovecotDirFor). */
export const SHARED_MAIL_ROOT = '/var/lib/cachet-mailstack'

/** Can a user who is neither the owner nor in the group enter every folder down to `dir`? */
export function othersCanEnter(dir: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) return false
    if (dirname(d) === d) return true
  }
}

/**
 * The folder for Dovecot's configuration, sockets, state, accounts file and mail. As
 * root, Dovecot's mail and login processes run as unprivileged users ("nobody",
 * "dovenull"), which must enter it: a data folder inside a folder no other user may enter
 * (a clone in root's home folder) would leave them unable to read their configuration
 * (the user saw only "451 4.3.0 Temporary internal error"). Then Dovecot's files go to
 * SHARED_MAIL_ROOT/<hash of the data folder>, the same folder at every start, so mail is
 * kept across restarts; everything else (PKI, directory, CA) stays in the data folder.
 */
export function dovecotDirFor(dataDir: string): string {
  // The data folder itself is opened up by startDovecot (chmod 755); the folders above it
  // belong to the person, and are not ours to open.
  if (process.getuid?.() !== 0 || othersCanEnter(dirname(resolve(dataDir)))) return dataDir
  const id = createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 16)
  const dir = join(SHARED_MAIL_ROOT, id)
  mkdirSync(dir, { recursive: true })
  for (let d = dir; d !== dirname(SHARED_MAIL_ROOT); d = dirname(d)) chmodSync(d, 0o755)
  writeFileSync(join(dir, 'data-folder'), `${resolve(dataDir)}\n`)
  return dir
}

/** Gives the mail user ownership of the mail tree (needed when we run as root). */
function chownTree(path: string, uid: number, gid: number): void {
  const st = statSync(path)
  if (st.uid !== uid || st.gid !== gid) chownSync(path, uid, gid)
  if (st.isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid)
}

/**
 * The storage format of a data folder, decided once and remembered in `<dataDir>/mail-format`:
 * sdbox for a new folder; maildir for a folder whose mail/ already holds maildirs (written
 * before sdbox became the default), so existing mail stays where Dovecot looks for it.
 */
export function mailFormatOf(dataDir: string): MailFormat {
  const marker = join(dataDir, 'mail-format')
  if (existsSync(marker)) {
    const saved = readFileSync(marker, 'utf8').trim()
    if (saved === 'sdbox' || saved === 'maildir') return saved
  }
  const mailRoot = join(dataDir, 'mail')
  const hasMaildir =
    existsSync(mailRoot) &&
    readdirSync(mailRoot).some((domain) => {
      const d = join(mailRoot, domain)
      return statSync(d).isDirectory() && readdirSync(d).some((user) => existsSync(join(d, user, 'Maildir')))
    })
  const format: MailFormat = hasMaildir ? 'maildir' : 'sdbox'
  writeFileSync(marker, `${format}\n`)
  return format
}

export async function startDovecot(o: DovecotOptions): Promise<DovecotHandle> {
  if (!existsSync(DOVECOT_BIN)) {
    throw new Error(`Dovecot is not installed (${DOVECOT_BIN}). Run: sudo apt-get install -y dovecot-imapd dovecot-lmtpd`)
  }
  const id = mailIdentity()
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(o.dataDir, sub), { recursive: true })
  if (!id.rootless) {
    // Mail processes (uid "nobody") must traverse the data folder and own the mail tree.
    chmodSync(o.dataDir, 0o755)
    chownTree(join(o.dataDir, 'mail'), id.mail.uid, id.mail.gid)
    chownSync(o.passwdFile, 0, id.mail.gid)
  }
  const configPath = join(o.dataDir, 'dovecot.conf')
  writeFileSync(
    configPath,
    renderDovecotConfig({
      dataDir: o.dataDir,
      mailFormat: mailFormatOf(o.dataDir),
      imapPort: o.imapPort,
      lmtpPort: o.lmtpPort,
      passwdFile: o.passwdFile,
      mailUser: id.mail.name,
      mailGroup: id.mail.group,
      mailUid: id.mail.uid,
      mailGid: id.mail.gid,
      loginUser: id.login,
      rootless: id.rootless,
      ...(o.maxUserIpConnections !== undefined ? { maxUserIpConnections: o.maxUserIpConnections } : {}),
    }),
  )
  // A Dovecot left running by an earlier start of this data folder holds the ports.
  await stopStale(join(o.dataDir, 'run', 'master.pid'), 'dovecot', configPath)
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString()
  })
  let exited = false
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())))
  try {
    await Promise.race([
      Promise.all([waitForPort(o.imapPort, 20_000), waitForPort(o.lmtpPort, 20_000)]),
      exitedP.then(() => {
        throw new Error(`Dovecot exited: ${stderr.trim()} (see ${o.dataDir}/dovecot.log)`)
      }),
    ])
  } catch (e) {
    if (!exited) child.kill('SIGTERM')
    throw e
  }
  return {
    configPath,
    mailUid: id.mail.uid,
    mailGid: id.mail.gid,
    async stop() {
      if (exited) return
      // Dovecot 2.3's master exits on SIGTERM while an imap process serving a client lives
      // on (reparented, its connection still answering): a stop that leaves the bridge's
      // connection working is no stop, and a restart test would prove nothing. Those
      // processes are this master's children, named after its instance: ended by pid once
      // it is gone, as a restart of the real server with shutdown_clients does.
      const children = child.pid !== undefined ? childrenOf(child.pid, `dovecot-cachet-${o.imapPort}/`) : []
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exitedP
      clearTimeout(t)
      await endAll(children.filter((pid) => commandOf(pid).startsWith(`dovecot-cachet-${o.imapPort}/`)))
    },
  }
}

/** The command line of a process ('' when it is gone). */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return ''
  }
}

/** The processes whose parent is `parent` and whose command line starts with `prefix`. */
function childrenOf(parent: number, prefix: string): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === parent && commandOf(Number(name)).startsWith(prefix)) out.push(Number(name))
    } catch {
      // Gone meanwhile.
    }
  }
  return out
}

/** SIGTERM, then SIGKILL for what is still alive after a second. */
async function endAll(pids: number[]): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        if (isAlive(pid)) process.kill(pid, sig)
      } catch {
        // Gone meanwhile.
      }
    }
  }
  signal('SIGTERM')
  for (let i = 0; i < 20 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50))
  signal('SIGKILL')
  for (let i = 0; i < 40 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50))
}
