/**
 * Getting a certificate: the key pair and the request are made in the crypto worker;
 * this store moves only the request (to the bridge and the organisation's CA, or into a
 * file for any CA) and the issued certificate (back to the worker, which matches it to
 * the waiting key). Nothing secret passes through here but the passphrase on its way to
 * the worker.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { fromBase64 } from '../../core/util/base64'
import { enrol, enrolmentInfo } from '../api/bridge'
import { readCertificates } from '../pki'
import type { IdentityInfo, RequestInfo } from '../storage/db'
import { listRequests } from '../storage/requests'
import { cryptoWorker } from '../workers/client'
import { useIdentitiesStore } from './identities'
import { useKeystoreStore } from './keystore'

export type KeyType = RequestInfo['keyType']
export type { RequestInfo }

export interface EnrolResult {
  identity: IdentityInfo
  passphraseSet: boolean
  /** The certificate is in the organisation's directory, so colleagues can encrypt to it. */
  published: boolean
}

export const useEnrolmentStore = defineStore('enrolment', () => {
  /** null until asked; false when the bridge has no CA configured (the CSR route remains). */
  const caAvailable = ref<boolean | null>(null)
  const caName = ref<string | null>(null)
  const requests = ref<RequestInfo[]>([])

  /** Bumped by every read of the pending list: an older read never overwrites a newer one. */
  let reads = 0
  async function refreshRequests(): Promise<void> {
    const mine = ++reads
    const pending = await listRequests()
    if (mine === reads) requests.value = pending
  }

  async function load(): Promise<void> {
    const [info] = await Promise.all([enrolmentInfo().catch(() => ({ available: false, ca: undefined })), refreshRequests()])
    caAvailable.value = info.available
    caName.value = info.ca ?? null
  }

  async function afterChange(): Promise<void> {
    await refreshRequests()
    await Promise.all([useIdentitiesStore().load(), useKeystoreStore().refresh()])
  }

  /**
   * Get a certificate from the organisation's CA: a new key and request in the worker,
   * the request through the bridge, the certificate back into the worker. If the CA does
   * not answer, the request stays pending (listed on Security) and can be sent again.
   */
  async function requestFromCa(email: string, keyType: KeyType, passphrase: string, renews: string | null = null): Promise<EnrolResult> {
    const created = await cryptoWorker().call('createRequest', { email, keyType, passphrase, via: 'ca', renews })
    await refreshRequests()
    const result = await sendToCa(created.request)
    return { ...result, passphraseSet: created.passphraseSet }
  }

  /** Send a pending request (made for the CA) again, e.g. after the CA was unreachable. */
  async function sendToCa(request: RequestInfo): Promise<Omit<EnrolResult, 'passphraseSet'>> {
    const issued = await enrol(request.csrPem)
    const certificates = [fromBase64(issued.certificate), ...issued.chain.map((c) => fromBase64(c))]
    const done = await cryptoWorker().call('completeRequest', { certificates })
    await afterChange()
    return { identity: done.identity, published: issued.published }
  }

  /** A request for any CA: the key waits in the key store; the PEM is for the user to send. */
  async function createFileRequest(email: string, keyType: KeyType, passphrase: string, renews: string | null = null): Promise<{ request: RequestInfo; passphraseSet: boolean }> {
    const created = await cryptoWorker().call('createRequest', { email, keyType, passphrase, via: 'file', renews })
    await afterChange()
    return created
  }

  /** The certificate file the CA sent (.cer, .crt, .der, .pem, .p7b, .p7c) for a pending request. */
  async function importIssued(bytes: Uint8Array): Promise<IdentityInfo> {
    const certificates = await readCertificates(bytes)
    const done = await cryptoWorker().call('completeRequest', { certificates })
    await afterChange()
    return done.identity
  }

  async function discard(id: string): Promise<void> {
    await cryptoWorker().call('discardRequest', { id })
    await afterChange()
  }

  return { caAvailable, caName, requests, load, requestFromCa, sendToCa, createFileRequest, importIssued, discard }
})
