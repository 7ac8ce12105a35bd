/** Worker side of PFX import and backup: readPfx/writePfx run here, next to the keys. */
import type { CryptoLike } from '../../core/crypto'
import { CoreError } from '../../core/errors'
import { sealKey } from '../../core/keystore'
import { readPfx, writePfx } from '../../core/pkcs12'
import { subjectKeyIdentifier, summarizeCertificate } from '../../core/pki'
import { toHex } from '../../core/util/bytes'
import type { CertificateSummary } from '../../core/types'
import type { IdentityInfo } from '../storage/db'
import { deleteIdentity, getIdentity, putIdentityRecord } from '../storage/identities'
import type { ImportPfxResult } from './protocol'
import type { Vault } from './vault'

/** Largest PFX accepted: real ones are a few KB; this bounds a hostile file. */
const MAX_PFX_BYTES = 1024 * 1024

export async function importPfx(
  vault: Vault,
  bytes: Uint8Array,
  pfxPassword: string | null,
  passphrase: string,
  crypto: CryptoLike,
): Promise<ImportPfxResult> {
  if (bytes.length === 0) throw new CoreError('bad-input', 'The file is empty. Choose a .pfx or .p12 file.')
  if (bytes.length > MAX_PFX_BYTES) throw new CoreError('limit-exceeded', 'The file is larger than any PFX file should be (1 MB).')
  // Parse first: a wrong PFX password must not set the key-store passphrase.
  const pfx = await readPfx(bytes, pfxPassword, crypto).catch((e: unknown) => {
    throw inField(e, 'pfxPassword')
  })
  if (pfx.identities.length === 0) {
    throw new CoreError('no-private-key', 'The file holds certificates but no private key. Export it again with the private key included.')
  }
  const { derived, verifier, passphraseSet } = await vault.keyForImport(passphrase).catch((e: unknown) => {
    throw inField(e, 'passphrase')
  })
  const now = new Date().toISOString()
  const infos: IdentityInfo[] = []
  let replaced = false
  for (const identity of pfx.identities) {
    const summary = await summarizeCertificate(identity.certificate, crypto)
    if (await getIdentity(summary.sha256)) replaced = true
    const sealedKey = await sealKey(identity.privateKey, passphrase, crypto, { kdf: verifier.kdf, derivedKey: derived })
    const info = identityInfo(summary, identity.certificate, identity.chain, { pfxAlgorithms: pfx.algorithms, addedAt: now })
    await putIdentityRecord({ ...info, sealedKey })
    infos.push((await getIdentity(info.id)) ?? info)
    identity.privateKey.fill(0)
  }
  await vault.unlockWith(verifier, derived, passphrase)
  return { identities: infos, passphraseSet, replaced }
}

/**
 * The public facts of an identity as stored and shown (storage/db.ts IdentityInfo): the
 * same for a PFX import and a completed certificate request.
 */
export function identityInfo(
  summary: CertificateSummary,
  certificate: Uint8Array,
  chain: Uint8Array[],
  o: { pfxAlgorithms: string[]; addedAt: string },
): IdentityInfo {
  const ski = subjectKeyIdentifier(certificate)
  return {
    id: summary.sha256,
    subject: summary.subject,
    issuer: summary.issuer,
    serial: summary.serial,
    emails: summary.emails.map((e) => e.toLowerCase()),
    notBefore: summary.notBefore,
    notAfter: summary.notAfter,
    keyAlgorithm: summary.keyAlgorithm,
    ...(summary.keySize !== undefined ? { keySize: summary.keySize } : {}),
    subjectKeyIdentifier: ski ? toHex(ski) : null,
    defaultFor: [],
    pfxAlgorithms: o.pfxAlgorithms,
    addedAt: o.addedAt,
    certificate,
    chain,
  }
}

/** Say which of the form's two secrets a wrong-password error is about. */
function inField(e: unknown, field: 'pfxPassword' | 'passphrase'): unknown {
  if (e instanceof CoreError && (e.code === 'wrong-password' || e.code === 'bad-input')) {
    const message =
      e.code === 'wrong-password'
        ? field === 'pfxPassword'
          ? 'The PFX password is wrong. Use the password the file was exported with.'
          : 'The key store passphrase is wrong. It is the passphrase you chose at your first import.'
        : e.message
    return Object.assign(new CoreError(e.code, message, { cause: e }), { field })
  }
  return e
}

/** Back up an identity as a new PFX under a new password (writePfx uses modern algorithms). */
export async function exportPfx(vault: Vault, identityId: string, newPassword: string, crypto: CryptoLike): Promise<Uint8Array> {
  if (newPassword.length < 8) throw new CoreError('bad-input', 'Choose a backup password of at least 8 characters.')
  if (!vault.unlocked) await vault.unlockFromDevice()
  const identity = vault.identity(identityId)
  const info = await getIdentity(identityId)
  if (!info) throw new CoreError('bad-input', 'This identity no longer exists.')
  if (!identity) throw new CoreError('key-locked', 'Unlock the key store to back up this identity.')
  vault.touch()
  // friendlyName: the name Windows and macOS show for the imported identity.
  return writePfx(identity, newPassword, crypto, { friendlyName: info.emails[0] ?? info.subject })
}

export async function removeIdentity(vault: Vault, identityId: string): Promise<void> {
  vault.forget(identityId)
  await deleteIdentity(identityId)
}
