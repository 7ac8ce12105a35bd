/**
 * An NSS database for `cmsutil`, filled by the real `certutil` and `pk12util`.
 * NSS 3.87 (Debian 12) signs with RSA and ECDSA and envelops to RSA recipients only
 * (no ECDH key agreement when encrypting); cmsutil picks the content cipher itself.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Leaf, Pki } from './pki'
import { run, runOk, type RunResult } from './run'

export interface NssDb {
  dir: string
  /** `sql:<dir>` as NSS tools take it. */
  db: string
  importIdentity(leaf: Leaf): Promise<void>
  /** Add a certificate without a key (a correspondent), so -r can name it. */
  addCertificate(leaf: Leaf): Promise<void>
  cmsutil(args: readonly string[], input?: Uint8Array): Promise<RunResult>
}

export async function createNssDb(pki: Pki, name = 'nss'): Promise<NssDb> {
  const dir = join(pki.dir, name)
  await mkdir(dir, { recursive: true })
  const db = `sql:${dir}`
  await runOk('certutil', ['-N', '-d', db, '--empty-password'])
  await runOk('certutil', ['-A', '-d', db, '-n', 'cachet-root', '-t', 'C,C,C', '-i', pki.root.certPath])
  await runOk('certutil', ['-A', '-d', db, '-n', 'cachet-intermediate', '-t', ',,', '-i', pki.intermediate.certPath])
  return {
    dir,
    db,
    importIdentity: async (leaf) => {
      await runOk('pk12util', ['-i', leaf.pfxPath, '-d', db, '-W', leaf.password, '-K', ''])
    },
    addCertificate: async (leaf) => {
      await runOk('certutil', ['-A', '-d', db, '-n', leaf.nickname, '-t', ',,', '-i', leaf.certPath])
    },
    cmsutil: (args, input) => run('cmsutil', [...args, '-d', db, '-p', ''], { input }),
  }
}
