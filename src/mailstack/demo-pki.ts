/**
 * The demo PKI: a CA and, for each demo account, an S/MIME certificate (emailProtection
 * EKU, rfc822Name SAN, RFC 8550/8551 profile) with its key in a PFX (password `demo`).
 * Made with OpenSSL on first start; idempotent (existing files are kept).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface DemoPki {
  dir: string
  caCert: string
  accounts: { email: string; certPem: string; keyPem: string; pfx: string; pfxPassword: string }[]
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

export function ensureDemoPki(dir: string, emails: readonly string[], pfxPassword = 'demo'): DemoPki {
  mkdirSync(dir, { recursive: true })
  const caKey = join(dir, 'ca.key')
  const caCert = join(dir, 'ca.pem')
  if (!existsSync(caCert) || !existsSync(caKey)) {
    openssl(
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '3650', '-sha256',
        '-subj', '/O=Cachet Demo/CN=Cachet Demo CA',
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
        '-addext', 'subjectKeyIdentifier=hash'],
      dir,
    )
    openssl(['x509', '-in', caCert, '-outform', 'DER', '-out', join(dir, 'ca.cer')], dir)
  }
  const accounts = emails.map((email) => {
    const name = email.split('@')[0]!
    const keyPem = join(dir, `${name}.key`)
    const certPem = join(dir, `${name}.pem`)
    const pfx = join(dir, `${name}.p12`)
    if (!existsSync(pfx)) {
      const ext = join(dir, `${name}.ext`)
      writeFileSync(
        ext,
        [
          'basicConstraints=critical,CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          'extendedKeyUsage=emailProtection',
          `subjectAltName=email:${email}`,
          'subjectKeyIdentifier=hash',
          'authorityKeyIdentifier=keyid',
        ].join('\n') + '\n',
      )
      const csr = join(dir, `${name}.csr`)
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPem, '-out', csr, '-subj', `/O=Cachet Demo/CN=${name}/emailAddress=${email}`], dir)
      openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '1825', '-sha256', '-extfile', ext, '-out', certPem], dir)
      openssl(['pkcs12', '-export', '-inkey', keyPem, '-in', certPem, '-certfile', caCert, '-name', email, '-passout', `pass:${pfxPassword}`, '-out', pfx], dir)
    }
    return { email, certPem, keyPem, pfx, pfxPassword }
  })
  return { dir, caCert, accounts }
}
