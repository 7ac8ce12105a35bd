/**
 * Worker side of enrolment: the key pair is generated here, sealed under the key-store
 * passphrase at once, and only the PKCS#10 request goes back to the page (to the bridge
 * and the organisation's CA, or into a file for any CA). When the certificate arrives it
 * is matched to the waiting key by its public key, and the pair becomes an identity like
 * an imported PFX. The private key never leaves this worker, and the page never sees it.
 */
import type { CryptoLike } from '../../core/crypto'
import { CoreError } from '../../core/errors'
import { sealKey } from '../../core/keystore'
import { certificateSpki, createCertificateRequest, summarizeCertificate, type RequestKeyType } from '../../core/pki'
import { toHex } from '../../core/util/bytes'
import type { RequestInfo } from '../storage/db'
import type { CompleteRequestResult, CreateRequestResult } from './protocol'
import { getIdentity, putIdentityRecord } from '../storage/identities'
import { identityInfo } from './identities'
import { deleteRequest, loadRequestRecords, putRequestRecord } from '../storage/requests'
import type { Vault } from './vault'


export async function createRequest(
  vault: Vault,
  args: { email: string; keyType: RequestKeyType; passphrase: string; via: 'ca' | 'file'; renews: string | null },
  crypto: CryptoLike,
): Promise<CreateRequestResult> {
  // Check the passphrase (or set it) before the key exists: a typo must not leave a key
  // sealed under a passphrase nobody knows.
  const { derived, verifier, passphraseSet } = await vault.keyForImport(args.passphrase).catch((e: unknown) => {
    throw Object.assign(e instanceof Error ? e : new Error(String(e)), { field: 'passphrase' as const })
  })
  const req = await createCertificateRequest(args.email, args.keyType, crypto)
  try {
    const sealedKey = await sealKey(req.privateKey, args.passphrase, crypto, { kdf: verifier.kdf, derivedKey: derived })
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', req.spki as BufferSource))
    const request: RequestInfo = {
      id: toHex(digest),
      email: args.email.trim().toLowerCase(),
      keyType: args.keyType,
      csrPem: req.pem,
      via: args.via,
      renews: args.renews,
      createdAt: new Date().toISOString(),
    }
    await putRequestRecord({ ...request, sealedKey })
    await vault.unlockWith(verifier, derived, args.passphrase)
    return { request, passphraseSet }
  } finally {
    req.privateKey.fill(0)
  }
}


/**
 * The issued certificate (and its chain, in any order, as a CA or a .p7b gives them) for
 * one of our waiting keys. The sealed key moves into the identity as it is: no passphrase
 * is needed here, and an unlocked key store picks the new key up at once.
 */
export async function completeRequest(vault: Vault, certificates: Uint8Array[], crypto: CryptoLike): Promise<CompleteRequestResult> {
  if (certificates.length === 0) throw new CoreError('bad-input', 'No certificate was given. Choose the certificate file your CA sent (.cer, .pem or .p7b).')
  const pending = await loadRequestRecords()
  if (pending.length === 0) {
    throw new CoreError('bad-input', 'There is no certificate request waiting in this browser. Import a PFX file instead if the file holds your private key.')
  }
  const byKey = new Map(pending.map((r) => [r.id, r]))
  for (const cert of certificates) {
    const spki = certificateSpki(cert)
    if (!spki) continue
    const record = byKey.get(toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', spki as BufferSource))))
    if (!record) continue
    const summary = await summarizeCertificate(cert, crypto)
    const emails = summary.emails.map((e) => e.toLowerCase())
    if (!emails.includes(record.email)) {
      throw new CoreError(
        'certificate-unusable',
        `The certificate is for ${emails.join(', ') || summary.subject}, not for ${record.email} as requested. Ask your CA for a certificate that names ${record.email}.`,
      )
    }
    const info = identityInfo(summary, cert, certificates.filter((c) => c !== cert), { pfxAlgorithms: [], addedAt: new Date().toISOString() })
    await putIdentityRecord({ ...info, sealedKey: record.sealedKey })
    await deleteRequest(record.id)
    await vault.reload()
    return { identity: (await getIdentity(info.id)) ?? info, requestId: record.id }
  }
  throw new CoreError(
    'bad-input',
    'None of these certificates belongs to a certificate request made in this browser. Choose the certificate your CA issued for the request you sent.',
  )
}

export async function discardRequest(id: string): Promise<void> {
  await deleteRequest(id)
}
