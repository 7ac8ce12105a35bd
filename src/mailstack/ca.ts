/**
 * The organisation's CA of the demo stack: a real CFSSL CA server signing with the demo
 * PKI's CA key (<dataDir>/demo-pki/ca.pem, ca.key from demo-pki.ts), and a small HTTP
 * server publishing the CA's CRL.
 *
 * Profiles follow the CA/Browser Forum S/MIME Baseline Requirements, strict
 * mailbox-validated profile: emailProtection as the only EKU, CA:FALSE, 825 days at most,
 * a CRL distribution point; "smime-rsa" (digitalSignature, keyEncipherment) and
 * "smime-ec" (digitalSignature, keyAgreement). The sign request names the address in
 * `hosts` (CFSSL makes it an rfc822Name SAN). Every profile needs the HMAC auth key, so
 * only `POST /api/v1/cfssl/authsign` issues certificates:
 *   {"token": base64(HMAC-SHA256(authKey, requestBytes)), "request": base64(requestBytes)}
 * where requestBytes is the JSON sign request {"certificate_request": PEM, "hosts":
 * [address], "profile": "smime-rsa" | "smime-ec"}. `POST /api/v1/cfssl/info` returns the
 * CA certificate.
 *
 * The server is CFSSL's `multirootca`, not `cfssl serve`: `cfssl serve` 1.2.0 also
 * serves `/api/v1/cfssl/newcert`, which signs with any profile without checking its
 * auth key (anyone on the host could get a certificate for any address). multirootca
 * serves only authsign, info and metrics, and refuses profiles without an auth key.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { startDaemon, stopStale } from './daemon'

export const CFSSL_BIN = '/usr/bin/cfssl'
export const MULTIROOTCA_BIN = '/usr/bin/multirootca'
export const CA_PROFILES = { rsa: 'smime-rsa', ec: 'smime-ec' } as const
/** 825 days, the longest validity the S/MIME Baseline Requirements allow. */
export const CA_EXPIRY = '19800h'
export const CRL_PATH = '/cachet-demo-ca.crl'
export const CRL_DAYS = 30
const AUTH_KEY_NAME = 'cachet-bridge'
const AUTH_KEY_ENV = 'CACHET_CA_AUTH_KEY'
const NOT_INSTALLED = 'CFSSL is not installed. Run: sudo apt-get install -y golang-cfssl'

export interface CaOptions {
  /** <dataDir>/demo-pki: holds ca.pem and ca.key (made by demo-pki.ts). */
  dir: string
  port: number
  crlPort: number
}

export interface CaHandle {
  /** http://127.0.0.1:PORT (CFSSL API under /api/v1/cfssl/). */
  url: string
  /** 32-byte HMAC key, hex, for authsign tokens. */
  authKey: string
  /** Profile names to put in the sign request, by key type. */
  profiles: { rsa: string; ec: string }
  /** Where the CA's CRL is published (also in every certificate's CRL DP). */
  crlUrl: string
  stop(): Promise<void>
}

/** The CFSSL signing configuration (auth key read from the environment, not the file). */
export function cfsslConfig(crlUrl: string): object {
  const profile = (usages: string[]) => ({
    auth_key: AUTH_KEY_NAME,
    expiry: CA_EXPIRY,
    usages,
    crl_url: crlUrl,
  })
  const rsa = profile(['digital signature', 'key encipherment', 'email protection'])
  const ec = profile(['digital signature', 'key agreement', 'email protection'])
  return {
    signing: {
      default: rsa,
      profiles: { [CA_PROFILES.rsa]: rsa, [CA_PROFILES.ec]: ec },
    },
    auth_keys: { [AUTH_KEY_NAME]: { type: 'standard', key: `env:${AUTH_KEY_ENV}` } },
  }
}

/** The HMAC key, made once per data folder and kept in <dir>/ca-auth.key (0600). */
export function ensureAuthKey(dir: string): string {
  const file = join(dir, 'ca-auth.key')
  if (existsSync(file)) {
    const saved = readFileSync(file, 'utf8').trim()
    if (/^[0-9a-f]{64}$/.test(saved)) {
      chmodSync(file, 0o600)
      return saved
    }
  }
  const key = randomBytes(32).toString('hex')
  writeFileSync(file, key, { mode: 0o600 })
  chmodSync(file, 0o600)
  return key
}

/**
 * A fresh CRL (DER) signed by the CA key, from an (empty) OpenSSL CA database under
 * <dir>/crl; the CRL number goes up with every start.
 */
export function makeCrl(dir: string): Buffer {
  const crlDir = join(dir, 'crl')
  mkdirSync(crlDir, { recursive: true })
  if (!existsSync(join(crlDir, 'index.txt'))) writeFileSync(join(crlDir, 'index.txt'), '')
  if (!existsSync(join(crlDir, 'crlnumber'))) writeFileSync(join(crlDir, 'crlnumber'), '01\n')
  // Paths are relative to crlDir (cwd) so the data folder's name needs no escaping here.
  writeFileSync(
    join(crlDir, 'openssl.cnf'),
    [
      '[ ca ]',
      'default_ca = cachet_demo_ca',
      '[ cachet_demo_ca ]',
      'database = index.txt',
      'crlnumber = crlnumber',
      'default_md = sha256',
      `default_crl_days = ${CRL_DAYS}`,
      'crl_extensions = crl_ext',
      '[ crl_ext ]',
      'authorityKeyIdentifier = keyid:always',
      '',
    ].join('\n'),
  )
  try {
    execFileSync(
      'openssl',
      ['ca', '-batch', '-gencrl', '-config', 'openssl.cnf', '-keyfile', join(dir, 'ca.key'), '-cert', join(dir, 'ca.pem'), '-out', 'crl.pem'],
      { cwd: crlDir, stdio: ['ignore', 'ignore', 'pipe'] },
    )
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim()
    throw new Error(`Could not make the CA's CRL (openssl ca -gencrl): ${stderr || (e as Error).message}`, { cause: e })
  }
  const pem = readFileSync(join(crlDir, 'crl.pem'), 'utf8')
  const m = /-----BEGIN X509 CRL-----([^-]+)-----END X509 CRL-----/.exec(pem)
  if (!m) throw new Error(`openssl ca -gencrl wrote no CRL to ${join(crlDir, 'crl.pem')}`)
  const der = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')
  writeFileSync(join(crlDir, 'cachet-demo-ca.crl'), der)
  return der
}

function serveCrl(port: number, der: Buffer): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]
    if (path !== CRL_PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n')
      return
    }
    res.writeHead(200, {
      'content-type': 'application/pkix-crl',
      'content-length': der.length,
      'cache-control': 'max-age=3600',
    })
    res.end(req.method === 'HEAD' ? undefined : der)
  })
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new Error(e.code === 'EADDRINUSE' ? `CRL server: port 127.0.0.1:${port} is already in use; pick another port` : `CRL server: ${e.message}`)),
    )
    server.listen(port, '127.0.0.1', () => {
      server.removeAllListeners('error')
      server.on('error', () => {})
      resolve(server)
    })
  })
}

export async function startCa(o: CaOptions): Promise<CaHandle> {
  if (!existsSync(CFSSL_BIN) || !existsSync(MULTIROOTCA_BIN)) throw new Error(NOT_INSTALLED)
  const caCert = join(o.dir, 'ca.pem')
  const caKey = join(o.dir, 'ca.key')
  if (!existsSync(caCert) || !existsSync(caKey)) {
    throw new Error(`The CA needs ${caCert} and ${caKey} (made by the demo PKI, ensureDemoPki)`)
  }
  const authKey = ensureAuthKey(o.dir)
  const crlUrl = `http://127.0.0.1:${o.crlPort}${CRL_PATH}`

  const configPath = join(o.dir, 'cfssl-config.json')
  writeFileSync(configPath, JSON.stringify(cfsslConfig(crlUrl), null, 2) + '\n', { mode: 0o600 })
  const rootsPath = join(o.dir, 'cfssl-roots.conf')
  writeFileSync(rootsPath, ['[ cachet_demo_ca ]', `private = file://${caKey}`, `certificate = ${caCert}`, `config = ${configPath}`, ''].join('\n'), {
    mode: 0o600,
  })
  const pidFile = join(o.dir, 'cfssl.pid')
  await stopStale(pidFile, 'multirootca', rootsPath)

  const crl = makeCrl(o.dir)
  const crlServer = await serveCrl(o.crlPort, crl)
  const closeCrl = () =>
    new Promise<void>((resolve) => {
      crlServer.close(() => resolve())
      crlServer.closeAllConnections()
    })
  let ca
  try {
    ca = await startDaemon({
      name: 'CFSSL (multirootca)',
      bin: MULTIROOTCA_BIN,
      args: ['-a', `127.0.0.1:${o.port}`, '-l', 'cachet_demo_ca', '-roots', rootsPath],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [AUTH_KEY_ENV]: authKey },
      cwd: o.dir,
      port: o.port,
      pidFile,
    })
  } catch (e) {
    await closeCrl()
    throw e
  }
  const daemon = ca
  return {
    url: `http://127.0.0.1:${o.port}`,
    authKey,
    profiles: { ...CA_PROFILES },
    crlUrl,
    async stop() {
      await daemon.stop()
      await closeCrl()
    },
  }
}
