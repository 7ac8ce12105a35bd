import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifySignature, type SigAlg } from '../../../../../src/core/cms/signed/algorithms'
import { rsaPssVerify } from '../../../../../src/core/cms/signed/pss'
import { utf8 } from '../../../../../src/core/util/bytes'

const crypto = globalThis.crypto
const data = utf8('Content-Type: text/plain\r\n\r\nSigned with RSASSA-PSS.\r\n')
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const rsaSpki = new Uint8Array(rsa.publicKey.export({ type: 'spki', format: 'der' }))

function pssSign(key: KeyObject, md: string, saltLength: number, msg = data): Uint8Array {
  return new Uint8Array(sign(md, msg, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }))
}

function pssAlg(hash: SigAlg['hash'], mgfHash: SigAlg['hash'], saltLength: number): SigAlg {
  return { kind: 'rsa-pss', hash, mgfHash, saltLength, name: `rsa-pss-${hash}` }
}

describe('RSASSA-PSS in software (RFC 8017 §8.1.2, §9.1.2)', () => {
  it('a PSS-SHA224 signature made by Node crypto.sign verifies (WebCrypto has no SHA-224)', async () => {
    const sig = pssSign(rsa.privateKey, 'sha224', 28)
    expect(await verifySignature(pssAlg('sha224', 'sha224', 28), rsaSpki, 'rsa', null, data, sig, crypto)).toBeNull()
    expect(rsaPssVerify(rsaSpki, { hash: 'sha224', mgfHash: 'sha224', saltLength: 28 }, data, sig)).toBe(true)
  })

  it('one flipped bit in the signature, or in the data, fails', async () => {
    const sig = pssSign(rsa.privateKey, 'sha224', 28)
    const alg = pssAlg('sha224', 'sha224', 28)
    for (const i of [0, 100, sig.length - 1]) {
      const bad = sig.slice()
      bad[i] = bad[i]! ^ 0x01
      expect(await verifySignature(alg, rsaSpki, 'rsa', null, data, bad, crypto)).toBe('signature does not verify')
    }
    const badData = data.slice()
    badData[5] = badData[5]! ^ 0x80
    expect(await verifySignature(alg, rsaSpki, 'rsa', null, badData, sig, crypto)).toBe('signature does not verify')
  })

  it('a salt length other than the one in the parameters fails', async () => {
    const sig = pssSign(rsa.privateKey, 'sha224', 20)
    expect(await verifySignature(pssAlg('sha224', 'sha224', 20), rsaSpki, 'rsa', null, data, sig, crypto)).toBeNull()
    for (const s of [0, 19, 21, 28]) {
      expect(await verifySignature(pssAlg('sha224', 'sha224', s), rsaSpki, 'rsa', null, data, sig, crypto)).toBe('signature does not verify')
    }
    // an absurd salt length (longer than the modulus allows) is a clean failure, not a crash
    expect(await verifySignature(pssAlg('sha224', 'sha224', 1000), rsaSpki, 'rsa', null, data, sig, crypto)).toBe('signature does not verify')
  })

  it('the wrong message hash or MGF1 hash fails', async () => {
    const sig = pssSign(rsa.privateKey, 'sha224', 28)
    expect(await verifySignature(pssAlg('sha224', 'sha1', 28), rsaSpki, 'rsa', null, data, sig, crypto)).toBe('signature does not verify')
    expect(rsaPssVerify(rsaSpki, { hash: 'sha256', mgfHash: 'sha224', saltLength: 28 }, data, sig)).toBe(false)
  })

  it('SHA-256 with MGF1-SHA-1 (an id-RSASSA-PSS key restricted to it) verifies; MGF1-SHA-256 does not', async () => {
    const k = generateKeyPairSync('rsa-pss', { modulusLength: 2048, hashAlgorithm: 'sha256', mgf1HashAlgorithm: 'sha1' })
    const spki = new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' }))
    const sig = pssSign(k.privateKey, 'sha256', 32)
    expect(await verifySignature(pssAlg('sha256', 'sha1', 32), spki, 'rsa-pss', null, data, sig, crypto)).toBeNull()
    expect(await verifySignature(pssAlg('sha256', 'sha256', 32), spki, 'rsa-pss', null, data, sig, crypto)).toBe('signature does not verify')
  })

  it('an odd-sized modulus (emBits a multiple of 8: EM one octet shorter) verifies', async () => {
    const k = generateKeyPairSync('rsa', { modulusLength: 2049 })
    const spki = new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' }))
    const sig = pssSign(k.privateKey, 'sha224', 28)
    expect(rsaPssVerify(spki, { hash: 'sha224', mgfHash: 'sha224', saltLength: 28 }, data, sig)).toBe(true)
  })

  it('a signature representative s >= n is rejected (RSAVP1 step 1)', () => {
    const sig = new Uint8Array(256).fill(0xff)
    expect(rsaPssVerify(rsaSpki, { hash: 'sha224', mgfHash: 'sha224', saltLength: 28 }, data, sig)).toBe(false)
    expect(rsaPssVerify(rsaSpki, { hash: 'sha224', mgfHash: 'sha224', saltLength: 28 }, data, new Uint8Array(255))).toBe(false)
  })

  it('WebCrypto still serves the combinations it supports (SHA-256 / MGF1-SHA-256)', async () => {
    const sig = pssSign(rsa.privateKey, 'sha256', 32)
    expect(await verifySignature(pssAlg('sha256', 'sha256', 32), rsaSpki, 'rsa', null, data, sig, crypto)).toBeNull()
    expect(rsaPssVerify(rsaSpki, { hash: 'sha256', mgfHash: 'sha256', saltLength: 32 }, data, sig)).toBe(true)
  })
})
