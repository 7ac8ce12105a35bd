// Makes sure the Debian packages Cachet needs are present: installs them when we are
// root on Debian, otherwise prints the one command that does. Used by `npm start`
// (mail stack with its CA and directory) and `npm test` (the same, Chromium, S/MIME
// peers, Redis for the shared session store's tests, which also ask for it themselves
// through installMissing).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

const PACKAGES = {
  dovecot: { bin: ['/usr/sbin/dovecot'], pkgs: ['dovecot-imapd', 'dovecot-lmtpd'] },
  // The demo CA server (the mail stack runs CFSSL's multirootca, from the same package).
  cfssl: { bin: ['/usr/bin/cfssl', '/usr/bin/multirootca'], pkgs: ['golang-cfssl'] },
  // The demo directory: the mail stack starts its own slapd (own config, data and port);
  // the system service the package may set up is neither used nor needed.
  slapd: { bin: ['/usr/sbin/slapd', '/usr/bin/ldapsearch'], pkgs: ['slapd', 'ldap-utils'] },
  chromium: { bin: ['/usr/bin/chromium'], pkgs: ['chromium'] },
  openssl: { bin: ['/usr/bin/openssl'], pkgs: ['openssl'] },
  nss: { bin: ['/usr/bin/cmsutil', '/usr/bin/pk12util', '/usr/bin/certutil'], pkgs: ['libnss3-tools'] },
  gpgsm: { bin: ['/usr/bin/gpgsm'], pkgs: ['gpgsm'] },
  // Only the binary: tests start their own redis-server; the system service stays off.
  redis: { bin: ['/usr/bin/redis-server'], pkgs: ['redis-server'] },
  bouncycastle: {
    bin: ['/usr/share/java/bcprov.jar', '/usr/share/java/bcpkix.jar', '/usr/share/java/bcutil.jar', '/usr/bin/javac'],
    pkgs: ['libbcprov-java', 'libbcpkix-java', 'libbcutil-java', 'default-jdk-headless'],
  },
}

/**
 * Installs what is missing, or exits with the one command that does.
 * @param {(keyof typeof PACKAGES)[]} needs
 */
export function ensureSystem(needs) {
  const problem = installMissing(needs)
  if (problem) {
    console.error(problem)
    process.exit(1)
  }
}

/**
 * Installs the missing packages when we are root on Debian. Returns null when all are
 * present afterwards, else the one-line message saying what to run (for callers that
 * must not exit, such as a test helper).
 * @param {(keyof typeof PACKAGES)[]} needs
 * @returns {string | null}
 */
export function installMissing(needs) {
  const missing = needs.filter((n) => !PACKAGES[n].bin.every((b) => existsSync(b)))
  if (missing.length === 0) return null
  const pkgs = missing.flatMap((n) => PACKAGES[n].pkgs)
  const cmd = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`
  const isRoot = process.getuid?.() === 0
  const isDebian = existsSync('/etc/debian_version')
  if (!isRoot || !isDebian) return `Missing system packages (${missing.join(', ')}). Run: sudo ${cmd}`
  console.log(`Installing ${pkgs.join(', ')} from Debian…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env })
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env })
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env })
  }
  if (r.status !== 0) return `Could not install ${pkgs.join(' ')}. Run: sudo ${cmd}`
  return null
}

/** Install npm dependencies when node_modules is missing or older than the lockfile. */
export function ensureNodeModules(root) {
  const stale = staleNodeModules(root)
  if (!stale) return
  console.log(`Installing npm packages (${stale})…`)
  execFileSync('npm', [existsSync(`${root}/package-lock.json`) ? 'ci' : 'install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  })
}

/**
 * Why node_modules does not match package-lock.json (null when it does): missing, or a
 * package the lock names is absent or at another version — e.g. after a `git pull` that
 * added a dependency. npm keeps what it installed in node_modules/.package-lock.json.
 */
export function staleNodeModules(root) {
  const installedPath = `${root}/node_modules/.package-lock.json`
  if (!existsSync(installedPath)) return 'none installed yet'
  const lockPath = `${root}/package-lock.json`
  if (!existsSync(lockPath)) return null
  try {
    const want = JSON.parse(readFileSync(lockPath, 'utf8')).packages ?? {}
    const have = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {}
    for (const [path, p] of Object.entries(want)) {
      if (path === '' || p.optional || p.link) continue
      if (have[path]?.version !== p.version) return `${path.replace(/^.*node_modules\//, '')} ${p.version} is not installed`
    }
    return null
  } catch (e) {
    return `cannot compare with package-lock.json: ${e.message}`
  }
}
