/**
 * A GNUPGHOME for the real `gpgsm`: the test root trusted through trustlist.txt, CRL
 * and policy checks off (there is no dirmngr in tests), identities imported from PFX.
 *
 * What gpgsm 2.2.40 (Debian 12) can do, found by running it:
 * - PKCS#12 import only with the legacy algorithms (3DES/RC2, SHA-1 MAC): the PBES2/AES
 *   files OpenSSL 3 writes by default fail with "error at bag.encryptedData".
 * - EC PKCS#12 import crashes (segfault), and EC certificates with keyUsage keyAgreement
 *   are refused for encryption ("Wrong key usage"): gpgsm is used with RSA identities.
 * - AuthEnvelopedData (AES-GCM) is not read ("error getting IV").
 * - The passphrase must come through --passphrase-fd with loopback pinentry.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Leaf, Pki } from './pki'
import { run, runOk, type RunResult } from './run'

export interface GpgsmHome {
  home: string
  importIdentity(leaf: Leaf): Promise<void>
  importCertificate(path: string): Promise<void>
  /** Run gpgsm with a passphrase on fd 0 (for operations that use a private key). */
  gpgsm(args: readonly string[], passphrase?: string): Promise<RunResult>
  /** Stop the gpg-agent of this home (started on demand by gpgsm). */
  stop(): Promise<void>
}

export async function createGpgsmHome(pki: Pki, name = 'gnupg'): Promise<GpgsmHome> {
  const home = join(pki.dir, name)
  await mkdir(home, { recursive: true, mode: 0o700 })
  await writeFile(join(home, 'gpgsm.conf'), 'disable-crl-checks\ndisable-policy-checks\ndisable-dirmngr\n')
  await writeFile(join(home, 'gpg-agent.conf'), 'allow-loopback-pinentry\n')
  const env = { ...process.env, GNUPGHOME: home }
  const base = ['--batch', '--no-tty', '--pinentry-mode', 'loopback']
  await runOk('gpgsm', [...base, '--import', pki.root.certPath, pki.intermediate.certPath], { env })
  const fpr = await rootFingerprint(pki.root.certPath)
  await writeFile(join(home, 'trustlist.txt'), `${fpr} S relax\n`)
  const gpgsm = (args: readonly string[], passphrase?: string) =>
    run('gpgsm', passphrase === undefined ? [...base, ...args] : [...base, '--passphrase-fd', '0', ...args], {
      env,
      input: passphrase === undefined ? undefined : `${passphrase}\n`,
    })
  return {
    home,
    importIdentity: async (leaf) => {
      // gpgsm 2.2.40 sporadically fails to decrypt a valid 3DES key bag ("decryption
      // failed; trying charset …") depending on the random salt and IV of the export; the
      // same key re-exported with fresh ones imports. Retry a few times, then give up loudly.
      let r = await gpgsm(['--import', leaf.legacyPfxPath], leaf.password)
      for (let attempt = 1; attempt < 4 && !/secret keys imported: 1/.test(r.stderr); attempt++) {
        const again = `${leaf.legacyPfxPath}.${attempt}.pfx`
        await runOk('openssl', ['pkcs12', '-export', '-inkey', leaf.keyPath, '-in', leaf.certPath, '-certfile', leaf.chainPath, '-name', leaf.nickname, '-passout', `pass:${leaf.password}`, '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-out', again])
        r = await gpgsm(['--import', again], leaf.password)
      }
      if (r.status !== 0 || !/secret keys imported: 1/.test(r.stderr)) throw new Error(`gpgsm import of ${leaf.name} failed:\n${r.stderr}`)
    },
    importCertificate: async (path) => {
      await runOk('gpgsm', [...base, '--import', path], { env })
    },
    gpgsm,
    stop: async () => {
      await run('gpgconf', ['--kill', 'gpg-agent'], { env })
    },
  }
}

async function rootFingerprint(certPath: string): Promise<string> {
  const out = (await runOk('openssl', ['x509', '-in', certPath, '-noout', '-fingerprint', '-sha1'])).toString()
  return out.split('=')[1]!.trim().replace(/:/g, '')
}
