import { readFileSync, writeFileSync } from 'node:fs'
import { openssl, type Issued, type TestCa } from './gen'

/**
 * OCSP responses made by OpenSSL's own responder (`openssl ocsp -index … -reqin`), from the
 * CA's `openssl ca` database: real responses to the requests our code builds, never
 * hand-written bytes.
 */
export interface RespondOptions {
  /** The responder certificate and key; default the CA itself. */
  signer?: Pick<Issued, 'pemFile' | 'keyFile'>
  /** nextUpdate this many days after thisUpdate; default none (no nextUpdate). */
  ndays?: number
  /** Leave the signer's certificate out of the response. */
  noCerts?: boolean
  /** -resp_key_id: responderID by key hash instead of name. */
  byKey?: boolean
}

export function ocspRespond(ca: TestCa, request: Uint8Array, o: RespondOptions = {}): Uint8Array {
  const name = ca.work.unique('ocsp')
  const reqFile = ca.work.path(`${name}.req`)
  const respFile = ca.work.path(`${name}.resp`)
  writeFileSync(reqFile, request)
  const signer = o.signer ?? ca
  const args = ['ocsp', '-index', `${ca.caDir}/index.txt`, '-CA', ca.pemFile, '-rsigner', signer.pemFile, '-rkey', signer.keyFile, '-reqin', reqFile, '-respout', respFile]
  if (o.ndays !== undefined) args.push('-ndays', String(o.ndays))
  if (o.noCerts) args.push('-resp_no_certs')
  if (o.byKey) args.push('-resp_key_id')
  openssl(args)
  return new Uint8Array(readFileSync(respFile))
}

/** A request made by OpenSSL's client (`openssl ocsp -reqout`), e.g. without a nonce. */
export function opensslRequest(ca: TestCa, cert: Issued, noNonce: boolean): Uint8Array {
  const out = ca.work.path(`${ca.work.unique('req')}.der`)
  openssl(['ocsp', '-issuer', ca.pemFile, '-cert', cert.pemFile, '-reqout', out, ...(noNonce ? ['-no_nonce'] : [])])
  return new Uint8Array(readFileSync(out))
}

/** Forget a certificate in the CA's database, so its responder answers "unknown" about it. */
export function forget(ca: TestCa, cert: Issued): void {
  const serial = openssl(['x509', '-in', cert.pemFile, '-noout', '-serial']).toString().trim().split('=')[1]!.toUpperCase()
  const index = `${ca.caDir}/index.txt`
  writeFileSync(index, readFileSync(index, 'utf8').split('\n').filter((l) => !l.split('\t').includes(serial)).join('\n'))
}

/** Revoke with a reason (`openssl ca -revoke -crl_reason`). */
export function revokeFor(ca: TestCa, cert: Issued, reason: string): void {
  openssl(['ca', '-batch', '-config', ca.config, '-keyfile', ca.keyFile, '-cert', ca.pemFile, '-revoke', cert.pemFile, '-crl_reason', reason])
}
