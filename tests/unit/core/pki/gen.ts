import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * Test PKIs made on the fly by OpenSSL (`openssl req` / `openssl ca`), so the
 * certificates, CRLs and bundles our code reads come from the real peer, not
 * from files written to match our output. Each CA has its own `openssl ca`
 * database, which gives real revocation (`-revoke`, `-gencrl`) and arbitrary
 * validity periods (`-startdate`/`-enddate`).
 */
export type KeyType = 'rsa' | 'rsa-pss' | 'ec-p256' | 'ec-p384' | 'ed25519' | 'rsa-1024' | 'rsa-768'

export function openssl(args: string[], cwd?: string): Buffer {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
}

export class Workdir {
  readonly dir = mkdtempSync(join(tmpdir(), 'cachet-pkitest-'))
  private n = 0
  path(name: string): string {
    return join(this.dir, name)
  }
  unique(prefix: string): string {
    return `${prefix}-${++this.n}`
  }
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export function genKey(work: Workdir, type: KeyType, name: string): string {
  const file = work.path(`${name}.key`)
  const args: Record<KeyType, string[]> = {
    rsa: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
    'rsa-1024': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
    'rsa-768': ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:768'],
    'rsa-pss': ['-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'],
    'ec-p256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    'ec-p384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
    ed25519: ['-algorithm', 'ED25519'],
  }
  openssl(['genpkey', ...args[type], '-out', file])
  return file
}

function der(pemFile: string): Uint8Array {
  return new Uint8Array(openssl(['x509', '-in', pemFile, '-outform', 'DER']))
}

export interface IssueOptions {
  /** OpenSSL -subj form, e.g. "/CN=Alice/O=Test". */
  subject: string
  keyType: KeyType
  /** Extension lines for the v3 section (one "name = value" per entry). */
  extensions: string[]
  /** YYYYMMDDHHMMSSZ */
  startDate?: string
  endDate?: string
  /** Digest the issuer signs with (`openssl ca -md`: sha1, md5...); default the CA's. */
  md?: string
}

export interface Issued {
  name: string
  keyFile: string
  pemFile: string
  der: Uint8Array
  csrFile: string
}

/** A CA with its own `openssl ca` database. */
export class TestCa implements Issued {
  readonly caDir: string
  readonly config: string
  pemFile = ''
  der = new Uint8Array(0)
  keyFile = ''
  csrFile = ''
  constructor(
    readonly work: Workdir,
    readonly name: string,
    readonly keyType: KeyType,
  ) {
    this.caDir = work.path(name)
    mkdirSync(join(this.caDir, 'new'), { recursive: true })
    writeFileSync(join(this.caDir, 'index.txt'), '')
    writeFileSync(join(this.caDir, 'serial'), randomSerial())
    writeFileSync(join(this.caDir, 'crlnumber'), '01\n')
    this.config = join(this.caDir, 'ca.cnf')
    writeFileSync(
      this.config,
      [
        '[ ca ]',
        'default_ca = CA_default',
        '[ CA_default ]',
        `dir = ${this.caDir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir/new',
        'serial = $dir/serial',
        'crlnumber = $dir/crlnumber',
        `default_md = ${keyType === 'ed25519' ? 'default' : keyType === 'ec-p384' ? 'sha384' : 'sha256'}`,
        'default_days = 365',
        'default_crl_days = 30',
        'policy = policy_any',
        'preserve = yes',
        'unique_subject = no',
        'email_in_dn = yes',
        '[ policy_any ]',
        // Policy order is the DN order OpenSSL writes: O then CN, as in real certificates
        'organizationName = optional',
        'commonName = supplied',
        'emailAddress = optional',
        'countryName = optional',
        '[ req ]',
        'distinguished_name = dn',
        '[ dn ]',
      ].join('\n') + '\n',
    )
  }

  /** Issue a certificate for a new key (or, with `selfSign`, this CA's own root certificate). */
  issue(opts: IssueOptions & { selfSign?: boolean; name?: string; keyFile?: string; csrFile?: string }): Issued {
    const name = opts.selfSign ? this.name + '-self' : (opts.name ?? this.work.unique('cert'))
    const keyFile = opts.keyFile ?? genKey(this.work, opts.keyType, name)
    const csrFile = opts.csrFile ?? this.work.path(`${name}.csr`)
    if (!opts.csrFile) openssl(['req', '-new', '-config', this.config, '-key', keyFile, '-subj', opts.subject, '-out', csrFile])
    const ext = this.work.path(`${name}.ext`)
    writeFileSync(ext, '[ v3 ]\n' + opts.extensions.join('\n') + '\n')
    const pemFile = this.work.path(`${name}.pem`)
    const args = ['ca', '-batch', '-notext', '-config', this.config, '-in', csrFile, '-out', pemFile, '-extfile', ext, '-extensions', 'v3']
    if (opts.selfSign) args.push('-selfsign', '-keyfile', keyFile)
    else args.push('-keyfile', this.keyFile, '-cert', this.pemFile)
    if (opts.startDate) args.push('-startdate', opts.startDate)
    if (opts.endDate) args.push('-enddate', opts.endDate)
    if (opts.md) args.push('-md', opts.md)
    openssl(args)
    return { name, keyFile, pemFile, der: der(pemFile), csrFile }
  }

  revoke(cert: Issued): void {
    openssl(['ca', '-batch', '-config', this.config, '-keyfile', this.keyFile, '-cert', this.pemFile, '-revoke', cert.pemFile])
  }

  /** A CRL from this CA's database; `extensions` are CRL extension lines (sections may follow). */
  crl(extensions: string[] = [], md?: string): Uint8Array {
    const out = this.work.path(this.work.unique(`${this.name}-crl`) + '.pem')
    let config = this.config
    const args = ['ca', '-batch', '-keyfile', this.keyFile, '-cert', this.pemFile, '-gencrl', '-out', out]
    if (extensions.length) {
      config = this.work.path(this.work.unique('crl') + '.cnf')
      writeFileSync(config, readFileSync(this.config, 'utf8') + '[ crlext ]\n' + extensions.join('\n') + '\n')
      args.push('-crlexts', 'crlext')
    }
    if (md) args.push('-md', md)
    openssl([...args, '-config', config])
    return new Uint8Array(openssl(['crl', '-in', out, '-outform', 'DER']))
  }
}

function randomSerial(): string {
  const b = new Uint8Array(8)
  globalThis.crypto.getRandomValues(b)
  b[0] = (b[0]! & 0x3f) | 0x10
  return Buffer.from(b).toString('hex') + '\n'
}

export const CA_EXT = [
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
]

/** A root CA (self-signed through `openssl ca -selfsign`). */
export function makeRoot(work: Workdir, name: string, keyType: KeyType, extensions = CA_EXT, md?: string): TestCa {
  const ca = new TestCa(work, name, keyType)
  const self = ca.issue({ subject: `/O=Cachet Test/CN=${name}`, keyType, extensions, selfSign: true, startDate: '20200101000000Z', endDate: '20400101000000Z', md })
  Object.assign(ca, { pemFile: self.pemFile, der: self.der, keyFile: self.keyFile, csrFile: self.csrFile })
  return ca
}

/** An intermediate CA issued by `parent`. */
export function makeIntermediate(
  parent: TestCa,
  name: string,
  keyType: KeyType,
  extensions = CA_EXT,
  dates: { startDate?: string; endDate?: string; md?: string } = { startDate: '20200101000000Z', endDate: '20390101000000Z' },
): TestCa {
  const ca = new TestCa(parent.work, name, keyType)
  const cert = parent.issue({ subject: `/O=Cachet Test/CN=${name}`, keyType, extensions, name, ...dates })
  Object.assign(ca, { pemFile: cert.pemFile, der: cert.der, keyFile: cert.keyFile, csrFile: cert.csrFile })
  return ca
}

export interface LeafOptions {
  email?: string
  /** 'emailProtection' (default), 'serverAuth', or null for no EKU extension. */
  eku?: string | null
  keyUsage?: string
  startDate?: string
  endDate?: string
  keyType?: KeyType
  subjectEmail?: boolean
  /** Extra subjectAltName entries as config-section lines, e.g. "otherName.1 = 1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:x@y". */
  sanExtra?: string[]
  /** Digest the CA signs the leaf with (`openssl ca -md`). */
  md?: string
  /** Extra v3 extension lines, e.g. "authorityInfoAccess = OCSP;URI:http://…". */
  extra?: string[]
}

export function makeLeaf(ca: TestCa, opts: LeafOptions = {}): Issued {
  const keyType = opts.keyType ?? ca.keyType
  const email = opts.email ?? 'alice@example.test'
  const ku =
    opts.keyUsage ?? (keyType.startsWith('ec') ? 'critical, digitalSignature, nonRepudiation, keyAgreement' : keyType === 'ed25519' ? 'critical, digitalSignature, nonRepudiation' : 'critical, digitalSignature, nonRepudiation, keyEncipherment')
  const eku = opts.eku === undefined ? 'emailProtection' : opts.eku
  const extensions = [
    'basicConstraints = CA:FALSE',
    `keyUsage = ${ku}`,
    'subjectAltName = @san',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    'crlDistributionPoints = URI:http://crl.example.test/ca.crl, URI:ldap://ldap.example.test/cn=ca',
  ]
  if (eku) extensions.push(`extendedKeyUsage = ${eku}`)
  extensions.push(...(opts.extra ?? []))
  // The SAN section comes last: every line after a section header belongs to it
  extensions.push('[ san ]', `email.1 = ${email}`, ...(opts.sanExtra ?? []))
  const subject = `/O=Cachet Test/CN=Test User${opts.subjectEmail ? `/emailAddress=${email}` : ''}`
  return ca.issue({
    subject,
    keyType,
    extensions,
    startDate: opts.startDate ?? '20210101000000Z',
    endDate: opts.endDate ?? '20380101000000Z',
    md: opts.md,
  })
}

export function readPem(file: string): Buffer {
  return readFileSync(file)
}
