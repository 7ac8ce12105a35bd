// Makes sure the Debian packages Cachet needs are present: installs them when we are
// root on Debian, otherwise prints the one command that does. Used by `npm start`
// (mail stack) and `npm test` (mail stack, Chromium, S/MIME peers).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const PACKAGES = {
  dovecot: { bin: ['/usr/sbin/dovecot'], pkgs: ['dovecot-imapd', 'dovecot-lmtpd'] },
  chromium: { bin: ['/usr/bin/chromium'], pkgs: ['chromium'] },
  openssl: { bin: ['/usr/bin/openssl'], pkgs: ['openssl'] },
  nss: { bin: ['/usr/bin/cmsutil', '/usr/bin/pk12util', '/usr/bin/certutil'], pkgs: ['libnss3-tools'] },
  gpgsm: { bin: ['/usr/bin/gpgsm'], pkgs: ['gpgsm'] },
  bouncycastle: {
    bin: ['/usr/share/java/bcprov.jar', '/usr/share/java/bcpkix.jar', '/usr/share/java/bcutil.jar', '/usr/bin/javac'],
    pkgs: ['libbcprov-java', 'libbcpkix-java', 'libbcutil-java', 'default-jdk-headless'],
  },
}

/** @param {(keyof typeof PACKAGES)[]} needs */
export function ensureSystem(needs) {
  const missing = needs.filter((n) => !PACKAGES[n].bin.every((b) => existsSync(b)))
  if (missing.length === 0) return
  const pkgs = missing.flatMap((n) => PACKAGES[n].pkgs)
  const cmd = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`
  const isRoot = process.getuid?.() === 0
  const isDebian = existsSync('/etc/debian_version')
  if (!isRoot || !isDebian) {
    console.error(`Missing system packages (${missing.join(', ')}). Run: sudo ${cmd}`)
    process.exit(1)
  }
  console.log(`Installing ${pkgs.join(', ')} from Debian…`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env })
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env })
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env })
  }
  if (r.status !== 0) {
    console.error(`Could not install ${pkgs.join(' ')}. Run: sudo ${cmd}`)
    process.exit(1)
  }
}

/** Install npm dependencies when node_modules is missing or older than the lockfile. */
export function ensureNodeModules(root) {
  if (existsSync(`${root}/node_modules/.package-lock.json`)) return
  console.log('Installing npm packages…')
  execFileSync('npm', [existsSync(`${root}/package-lock.json`) ? 'ci' : 'install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: 'inherit',
  })
}
