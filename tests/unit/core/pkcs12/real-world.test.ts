import { TESTDATA } from '../../../testdata'
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto'
import { readPfx, requireIdentity } from '../../../../src/core/pkcs12'
import { isCoreError } from '../../../../src/core/errors'

const DIR = `${TESTDATA}/pkcs12-real-world/`
const load = (f: string) => new Uint8Array(readFileSync(DIR + f))
const crypto = globalThis.crypto

/** The private key really belongs to the certificate: same public key (node derives it). */
function keyMatchesCert(pkcs8: Uint8Array, cert: Uint8Array): boolean {
  const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' })
  const fromCert = new X509Certificate(Buffer.from(cert)).publicKey.export({ type: 'spki', format: 'der' })
  return fromKey.equals(fromCert)
}

async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'no error'
  } catch (e) {
    return isCoreError(e) ? e.code : String(e)
  }
}

describe('readPfx on PKCS#12 files from real exporters (SSLMate go-pkcs12 test data)', () => {
  const cases: [string, string | null, string[]][] = [
    ['windows_azure_tools.p12', null, ['MAC HMAC-SHA1', 'pbeWithSHAAnd3-KeyTripleDES-CBC', 'pbeWithSHAAnd40BitRC2-CBC']],
    ['windows_azure_tools.p12', '', ['MAC HMAC-SHA1', 'pbeWithSHAAnd3-KeyTripleDES-CBC', 'pbeWithSHAAnd40BitRC2-CBC']],
    ['testing_at_example_com.p12', '', ['MAC HMAC-SHA1', 'pbeWithSHAAnd40BitRC2-CBC', 'pbeWithSHAAnd3-KeyTripleDES-CBC']],
    ['ad_standalone_com_aescbc256.p12', 'password', ['MAC HMAC-SHA256', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC']],
    ['example_com_aescbc128.p12', 'rHyQTJsubhfxcpH5JttyilHE6BBsNoZp', ['MAC HMAC-SHA256', 'PBES2 PBKDF2-HMAC-SHA256 AES-128-CBC']],
  ]
  it.each(cases)('%s with password %j yields a key that matches its certificate', async (file, pw, algs) => {
    const r = await readPfx(load(file), pw, crypto)
    expect(r.identities).toHaveLength(1)
    const id = requireIdentity(r)
    expect(keyMatchesCert(id.privateKey, id.certificate)).toBe(true)
    expect(r.certificates.length).toBeGreaterThanOrEqual(1)
    expect(r.algorithms).toEqual(algs)
    // the normalised key imports into WebCrypto
    await crypto.subtle.importKey('pkcs8', id.privateKey.slice(), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
  })

  it('keeps the friendlyName the exporter set', async () => {
    const r = await readPfx(load('testing_at_example_com.p12'), '', crypto)
    expect(r.identities[0]!.friendlyName).toBe('Friendly name for cert')
  })

  it.each([
    ['windows_azure_tools.p12', 'nope'],
    ['testing_at_example_com.p12', 'x'],
    ['ad_standalone_com_aescbc256.p12', 'Password'],
    ['example_com_aescbc128.p12', ''],
    ['example_com_aescbc128.p12', null],
  ] as [string, string | null][])('%s with wrong password %j fails as wrong-password', async (file, pw) => {
    expect(await errorCode(readPfx(load(file), pw, crypto))).toBe('wrong-password')
  })

  it('says not-pkcs12 for a PEM certificate, random bytes, empty input and a truncated file', async () => {
    const pem = readFileSync(`${TESTDATA}/rfc9216/alice@smime.example.sig.pem`)
    expect(await errorCode(readPfx(new Uint8Array(pem), 'x', crypto))).toBe('not-pkcs12')
    const random = crypto.getRandomValues(new Uint8Array(2000))
    expect(await errorCode(readPfx(random, 'x', crypto))).toBe('not-pkcs12')
    expect(await errorCode(readPfx(new Uint8Array(0), 'x', crypto))).toBe('not-pkcs12')
    expect(await errorCode(readPfx(load('example_com_aescbc128.p12').subarray(0, 1000), 'x', crypto))).toBe('not-pkcs12')
  })

  it('says not-pkcs12 for a DER certificate (a SEQUENCE, but not a PFX)', async () => {
    const r = await readPfx(load('example_com_aescbc128.p12'), 'rHyQTJsubhfxcpH5JttyilHE6BBsNoZp', crypto)
    expect(await errorCode(readPfx(r.certificates[0]!, 'x', crypto))).toBe('not-pkcs12')
  })

  it('never throws anything but a CoreError on corrupted files', async () => {
    const good = load('testing_at_example_com.p12')
    for (let i = 0; i < 60; i++) {
      const bad = good.slice()
      const pos = Math.floor((i / 60) * bad.length)
      bad[pos]! ^= 0x41
      const code = await errorCode(readPfx(bad, '', crypto))
      expect(['not-pkcs12', 'wrong-password', 'asn1', 'no error', 'unsupported-algorithm', 'bad-key', 'limit-exceeded']).toContain(code)
    }
  })
})
