/**
 * PKCS#12 (PFX) import and export, RFC 7292, in pure TypeScript.
 *
 * readPfx(der, password, crypto) -> { identities, certificates, algorithms }
 * writePfx(identity, password, crypto, opts?) -> DER
 * requireIdentity(contents) -> the first identity, or CoreError('no-private-key')
 * readEncryptedPkcs8(der, password, crypto) -> normalised PrivateKeyInfo DER
 */
import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { parseDer } from '../asn1/der'
import { passwordForms } from './kdf'
import { normalizePrivateKey } from './keys'
import { decryptPrivateKeyInfo } from './pbe'
import type { PfxContents, PfxIdentity } from './types'

export { readPfx } from './read'
export { writePfx, DEFAULT_ITERATIONS, type WritePfxOptions } from './write'
export { describePrivateKey } from './keys'
export type { PfxContents, PfxIdentity } from './types'

/** For callers that need a key (import, decrypt): the first identity, or a clear error. */
export function requireIdentity(contents: PfxContents): PfxIdentity {
  const id = contents.identities[0]
  if (!id) {
    throw new CoreError('no-private-key', contents.certificates.length
      ? 'The PKCS#12 file holds certificates but no private key matching any of them. Export it again including the private key.'
      : 'The PKCS#12 file holds no private key. Export it again including the private key.')
  }
  return id
}

/**
 * Decrypt an "ENCRYPTED PRIVATE KEY" (PKCS#8 EncryptedPrivateKeyInfo, DER) with the
 * same algorithms as readPfx; returns the normalised PrivateKeyInfo DER.
 */
export async function readEncryptedPkcs8(der: Uint8Array, password: string | null, crypto: CryptoLike): Promise<Uint8Array> {
  const plain = await decryptPrivateKeyInfo(crypto, parseDer(der, 'encrypted private key'), passwordForms(password))
  return normalizePrivateKey(plain).pkcs8
}
