/**
 * A throwaway PKI made with the real `openssl` for interop tests: a root CA, an
 * intermediate CA, and end-entity certificates for email (RSA 2048/3072/4096, EC
 * P-256/P-384/P-521) with emailProtection and an rfc822Name, plus the variants the
 * matrices need: expired, without emailProtection, for another address, revoked (with
 * a CRL). Each leaf also gets a PFX, made by `openssl pkcs12 -export`.
 *
 * `openssl ca` is used (not `x509 -req`) because only it can back-date validity
 * (-startdate/-enddate in OpenSSL 3.0) and keep the index that `-gencrl` needs.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openssl } from './run'

export type KeyType = 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256' | 'p384' | 'p521' | 'ed25519'

export const KEY_TYPES: readonly KeyType[] = ['rsa2048', 'rsa3072', 'rsa4096', 'p256', 'p384', 'p521']

export interface LeafOptions {
  key: KeyType
  /** Address in subjectAltName (default `<name>@example.test`). */
  email?: string
  /** Also put the address in the subject's emailAddress attribute. */
  emailInSubject?: boolean
  /** dNSName entries added to subjectAltName (a gateway's domain certificate names its domain). */
  dns?: string[]
  /** Extended key usage: emailProtection (default), or a non-email purpose only. */
  eku?: 'emailProtection' | 'serverAuth'
  /** Validity ended a year ago. */
  expired?: boolean
  /** Revoked by the intermediate (the CRL is regenerated). */
  revoked?: boolean
  /** PFX password (default `pw-<name>`). */
  password?: string
}

export interface Leaf {
  name: string
  email: string
  key: KeyType
  keyPath: string
  certPath: string
  certDer: Uint8Array
  /** The intermediate CA certificate (PEM), the chain above the leaf without the root. */
  chainPath: string
  /** PFX as OpenSSL 3 writes it by default (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC). */
  pfxPath: string
  /** The same identity with the legacy algorithms (3DES key and certs, SHA-1 MAC) gpgsm 2.2 needs. */
  legacyPfxPath: string
  password: string
  /** Friendly name in the PFX (NSS nickname). */
  nickname: string
}

export interface CaCert {
  certPath: string
  keyPath: string
  certDer: Uint8Array
}

export interface Pki {
  dir: string
  root: CaCert
  intermediate: CaCert
  /** Issue a leaf from the intermediate. Calls are serialised (one CA database). */
  issue(name: string, opts: LeafOptions): Promise<Leaf>
  /** PEM file holding the current CRLs of the root and the intermediate. */
  crlPath(): string
  cleanup(): Promise<void>
}

function keyArgs(key: KeyType): string[] {
  switch (key) {
    case 'rsa2048':
      return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    case 'rsa3072':
      return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072']
    case 'rsa4096':
      return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096']
    case 'p256':
      return ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']
    case 'p384':
      return ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384']
    case 'p521':
      return ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521']
    case 'ed25519':
      return ['-algorithm', 'ED25519']
  }
}

function caConfig(dir: string): string {
  return `
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${dir}
database = ${dir}/index.txt
new_certs_dir = ${dir}/newcerts
serial = ${dir}/serial
crlnumber = ${dir}/crlnumber
certificate = ${dir}/ca.pem
private_key = ${dir}/ca.key
default_md = sha256
default_days = 825
default_crl_days = 3650
policy = policy_any
unique_subject = no
email_in_dn = yes
copy_extensions = none
preserve = yes
[ policy_any ]
commonName = supplied
emailAddress = optional
organizationName = optional
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_intermediate ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
`
}

async function initCaDir(dir: string): Promise<void> {
  await mkdir(join(dir, 'newcerts'), { recursive: true })
  await writeFile(join(dir, 'index.txt'), '')
  await writeFile(join(dir, 'serial'), randomSerial() + '\n')
  await writeFile(join(dir, 'crlnumber'), '01\n')
  await writeFile(join(dir, 'openssl.cnf'), caConfig(dir))
}

function randomSerial(): string {
  // Even number of hex digits, leading nibble non-zero and below 8 (positive INTEGER).
  const hex = '0123456789abcdef'
  let s = '1'
  for (let i = 0; i < 15; i++) s += hex[Math.floor(Math.random() * 16)]
  return s
}

/** YYMMDDHHMMSSZ as `openssl ca -startdate` wants it. */
function asn1Time(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`
}

async function pemToDer(path: string): Promise<Uint8Array> {
  return new Uint8Array(await openssl(['x509', '-in', path, '-outform', 'DER']))
}

/** Create the root and intermediate CAs in a new temp directory. */
export async function createPki(label = 'cachet-pki'): Promise<Pki> {
  const dir = await mkdtemp(join(tmpdir(), `${label}-`))
  const rootDir = join(dir, 'root')
  const intDir = join(dir, 'intermediate')
  await initCaDir(rootDir)
  await initCaDir(intDir)

  // Root: self-signed, back-dated so that expired leaves still chain to a valid CA.
  await openssl(['genpkey', ...keyArgs('rsa3072'), '-out', join(rootDir, 'ca.key')])
  await openssl(['req', '-new', '-key', join(rootDir, 'ca.key'), '-subj', '/O=Cachet Interop/CN=Cachet Interop Root CA', '-out', join(rootDir, 'ca.csr'), '-config', join(rootDir, 'openssl.cnf')])
  const start = new Date(Date.now() - 5 * 365 * 86400_000)
  const end = new Date(Date.now() + 20 * 365 * 86400_000)
  await openssl(['ca', '-batch', '-notext', '-selfsign', '-config', join(rootDir, 'openssl.cnf'), '-keyfile', join(rootDir, 'ca.key'), '-in', join(rootDir, 'ca.csr'), '-out', join(rootDir, 'ca.pem'), '-extensions', 'v3_root', '-startdate', asn1Time(start), '-enddate', asn1Time(end)])

  await openssl(['genpkey', ...keyArgs('rsa3072'), '-out', join(intDir, 'ca.key')])
  await openssl(['req', '-new', '-key', join(intDir, 'ca.key'), '-subj', '/O=Cachet Interop/CN=Cachet Interop Email CA', '-out', join(intDir, 'ca.csr'), '-config', join(intDir, 'openssl.cnf')])
  await openssl(['ca', '-batch', '-notext', '-config', join(rootDir, 'openssl.cnf'), '-in', join(intDir, 'ca.csr'), '-out', join(intDir, 'ca.pem'), '-extensions', 'v3_intermediate', '-startdate', asn1Time(start), '-enddate', asn1Time(end)])

  const crlFile = join(dir, 'crls.pem')
  const regenCrls = async () => {
    await openssl(['ca', '-gencrl', '-config', join(rootDir, 'openssl.cnf'), '-out', join(rootDir, 'crl.pem')])
    await openssl(['ca', '-gencrl', '-config', join(intDir, 'openssl.cnf'), '-out', join(intDir, 'crl.pem')])
    const a = await readFile(join(rootDir, 'crl.pem'))
    const b = await readFile(join(intDir, 'crl.pem'))
    await writeFile(crlFile, Buffer.concat([a, b]))
  }
  await regenCrls()

  const root: CaCert = { certPath: join(rootDir, 'ca.pem'), keyPath: join(rootDir, 'ca.key'), certDer: await pemToDer(join(rootDir, 'ca.pem')) }
  const intermediate: CaCert = { certPath: join(intDir, 'ca.pem'), keyPath: join(intDir, 'ca.key'), certDer: await pemToDer(join(intDir, 'ca.pem')) }

  let queue: Promise<unknown> = Promise.resolve()
  const serialised = <T>(f: () => Promise<T>): Promise<T> => {
    const p = queue.then(f, f)
    queue = p.catch(() => {})
    return p
  }

  const issue = async (name: string, o: LeafOptions): Promise<Leaf> => {
    const leafDir = join(dir, 'leaves', name)
    await mkdir(leafDir, { recursive: true })
    const email = o.email ?? `${name}@example.test`
    const keyPath = join(leafDir, 'key.pem')
    const csrPath = join(leafDir, 'req.csr')
    const certPath = join(leafDir, 'cert.pem')
    const pfxPath = join(leafDir, 'id.pfx')
    const password = o.password ?? `pw-${name}`
    const nickname = `cachet-${name}`
    const isEc = o.key.startsWith('p')
    const isEd = o.key === 'ed25519'
    // Key generation can run in parallel; only the CA database is serialised.
    await openssl(['genpkey', ...keyArgs(o.key), '-out', keyPath])
    const subj = `/O=Cachet Interop/CN=${name}${o.emailInSubject ? `/emailAddress=${email}` : ''}`
    await openssl(['req', '-new', '-key', keyPath, '-subj', subj, '-out', csrPath, '-config', join(intDir, 'openssl.cnf')])
    const ku = isEd
      ? 'critical, digitalSignature, nonRepudiation'
      : isEc
        ? 'critical, digitalSignature, nonRepudiation, keyAgreement'
        : 'critical, digitalSignature, nonRepudiation, keyEncipherment'
    const eku = o.eku === 'serverAuth' ? 'serverAuth' : 'emailProtection, clientAuth'
    const ext = `[ v3_leaf ]
basicConstraints = CA:FALSE
keyUsage = ${ku}
extendedKeyUsage = ${eku}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = email:${email}${(o.dns ?? []).map((d) => `, DNS:${d}`).join('')}
`
    await writeFile(join(leafDir, 'ext.cnf'), ext)
    const now = Date.now()
    const start = o.expired ? new Date(now - 3 * 365 * 86400_000) : new Date(now - 86400_000)
    const end = o.expired ? new Date(now - 365 * 86400_000) : new Date(now + 2 * 365 * 86400_000)
    await serialised(async () => {
      await openssl(['ca', '-batch', '-notext', '-config', join(intDir, 'openssl.cnf'), '-in', csrPath, '-out', certPath, '-extfile', join(leafDir, 'ext.cnf'), '-extensions', 'v3_leaf', '-startdate', asn1Time(start), '-enddate', asn1Time(end)])
      if (o.revoked) {
        await openssl(['ca', '-config', join(intDir, 'openssl.cnf'), '-revoke', certPath, '-crl_reason', 'keyCompromise'])
        await regenCrls()
      }
    })
    await openssl(['pkcs12', '-export', '-inkey', keyPath, '-in', certPath, '-certfile', intermediate.certPath, '-name', nickname, '-passout', `pass:${password}`, '-out', pfxPath])
    const legacyPfxPath = join(leafDir, 'legacy.pfx')
    await openssl(['pkcs12', '-export', '-inkey', keyPath, '-in', certPath, '-certfile', intermediate.certPath, '-name', nickname, '-passout', `pass:${password}`, '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-out', legacyPfxPath])
    return { name, email, key: o.key, keyPath, certPath, certDer: await pemToDer(certPath), chainPath: intermediate.certPath, pfxPath, legacyPfxPath, password, nickname }
  }

  return {
    dir,
    root,
    intermediate,
    issue,
    crlPath: () => crlFile,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** Read a file the harness wrote (helper for tests that need the bytes). */
export async function bytesOf(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path))
}
