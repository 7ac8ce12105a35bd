/**
 * Issue 16 over messages NSS makes (`cmsutil`, during the test), where it fits: a detached
 * NSS signature over the canonical form verifies when the message is saved with LF line
 * ends, and an NSS signature around NSS's EnvelopedData signs the envelope only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { ENVELOPE_ONLY_REASON } from '../../../../src/core/message/verdict'
import { detachedMessage, opaqueMessage, textEntity } from '../../../interop/harness/eml'
import { createNssDb, type NssDb } from '../../../interop/harness/nss'
import type { RunResult } from '../../../interop/harness/run'
import { envOf, lf, plainEntity, signersOf, TEXT } from './careful'
import { makeFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture
let nss: NssDb

beforeAll(async () => {
  f = await makeFixture()
  nss = await createNssDb(f.pki)
  await nss.importIdentity(f.leaves.alice)
  await nss.addCertificate(f.leaves.bob)
}, 120_000)
afterAll(async () => {
  await f?.pki.cleanup()
})

function ok(r: RunResult): Uint8Array {
  expect(r.status, r.stderr).toBe(0)
  return new Uint8Array(r.stdout)
}

/** An application/pkcs7-mime entity around a DER CMS object. */
function pkcs7Entity(der: Uint8Array, smimeType: string): Buffer {
  const b64 = Buffer.from(der).toString('base64').replace(/.{1,76}/g, '$&\r\n')
  return Buffer.from(`Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}`)
}

describe('NSS-made messages', () => {
  it('a detached cmsutil signature over the canonical form verifies in a message saved with LF line ends; a tamper still fails', async () => {
    const content = plainEntity()
    const sig = ok(await nss.cmsutil(['-S', '-T', '-G', '-N', f.leaves.alice.nickname], content))
    const eml = detachedMessage(envOf(f.leaves.alice, f.leaves.bob), content, sig, { micalg: 'sha-256' })
    expect((await openMessage(eml, f.keyring([]), crypto)).report.verdict.signature).toBe('valid')
    const saved = lf(eml)
    const r = await openMessage(saved, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('valid')
    expect(r.report.text).toBe(TEXT)
    const evil = Buffer.from(saved.toString('latin1').replace('Pay 100', 'Pay 900'), 'latin1')
    expect((await openMessage(evil, f.keyring([]), crypto)).report.verdict.signature).toBe('invalid')
  })

  it('a cmsutil signature around a cmsutil EnvelopedData signs the envelope only: signature none', async () => {
    const env = ok(await nss.cmsutil(['-E', '-r', `${f.leaves.bob.email},${f.leaves.alice.email}`], textEntity('From NSS\r\n')))
    const signed = ok(await nss.cmsutil(['-S', '-G', '-N', f.leaves.alice.nickname], pkcs7Entity(env, 'enveloped-data')))
    const eml = opaqueMessage(envOf(f.leaves.alice, f.leaves.bob), signed, { smimeType: 'signed-data' })
    const r = await openMessage(eml, f.keyring(['bob']), crypto)
    expect(r.report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped'])
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    expect(signersOf(r.report.layers)[0]).toMatchObject({ status: 'valid', coversEnvelopeOnly: true })
    expect(signersOf(r.report.layers)[0]!.reasons).toContain(ENVELOPE_ONLY_REASON)
    expect(r.report.text).toBe('From NSS\r\n')
  })
})
