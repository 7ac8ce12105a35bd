import { TESTDATA } from '../../../testdata'
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { readPfx, requireIdentity, writePfx } from '../../../../src/core/pkcs12'
import { certInfo, describePrivateKey, normalizePrivateKey } from '../../../../src/core/pkcs12/keys'
import { buildChain } from '../../../../src/core/pkcs12/chain'
import { isCoreError } from '../../../../src/core/errors'
import { pemBlocks } from '../../../../src/core/util/base64'
import { b, der } from '../../../../src/core/pkcs12/asn1'

const crypto = globalThis.crypto
const LAMPS = `${TESTDATA}/rfc9216/`
const pem = (f: string, label: string) => pemBlocks(readFileSync(LAMPS + f, 'utf8'), label)[0]!.der

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'ok'
  } catch (e) {
    return isCoreError(e) ? e.code : String(e)
  }
}

describe('private key normalisation', () => {
  it('derives the Ed25519 public key and matches it to the RFC 9216 certificate', () => {
    const k = normalizePrivateKey(pem('lamps-carlos.p8.pem', 'PRIVATE KEY'))
    expect(k.publicId).toBe(certInfo(pem('carlos@smime.example.sig.pem', 'CERTIFICATE')).publicId)
    expect(describePrivateKey(k.pkcs8)).toEqual({ algorithm: 'Ed25519', size: 256 })
  })

  it('derives the X25519 public key of Dana and matches her encryption certificate', () => {
    const k = normalizePrivateKey(pem('lamps-dana.decrypt.p8.pem', 'PRIVATE KEY'))
    expect(k.publicId).toBe(certInfo(pem('dana@smime.example.enc.pem', 'CERTIFICATE')).publicId)
  })

  it('matches an RSA key to its certificate by modulus', () => {
    const k = normalizePrivateKey(pem('lamps-alice.p8.pem', 'PRIVATE KEY'))
    expect(k.publicId).toBe(certInfo(pem('alice@smime.example.sig.pem', 'CERTIFICATE')).publicId)
    expect(describePrivateKey(k.pkcs8)).toEqual({ algorithm: 'RSA', size: 2048 })
  })

  it('adds the public point to an EC key that lacks it, and WebCrypto imports the result', async () => {
    for (const [curve, nc] of [['prime256v1', 'P-256'], ['secp384r1', 'P-384'], ['secp521r1', 'P-521']] as const) {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve })
      const jwk = privateKey.export({ format: 'jwk' })
      // Build a minimal SEC1 key without [1] publicKey, as some exporters write it.
      const d = Buffer.from(jwk.d!, 'base64url')
      const sec1 = der(b.seq(b.int(1), b.octets(d)))
      const curveOid = { 'P-256': '1.2.840.10045.3.1.7', 'P-384': '1.3.132.0.34', 'P-521': '1.3.132.0.35' }[nc]
      const bare = der(b.seq(b.int(0), b.seq(b.oid('1.2.840.10045.2.1'), b.oid(curveOid)), b.octets(sec1)))
      const k = normalizePrivateKey(bare)
      const spki = createPublicKey(createPrivateKey({ key: Buffer.from(k.pkcs8), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' })
      expect(spki.equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true)
      await crypto.subtle.importKey('pkcs8', k.pkcs8.slice(), { name: 'ECDSA', namedCurve: nc }, false, ['sign'])
      expect(describePrivateKey(k.pkcs8).curve).toBe(nc)
    }
  })

  it('rejects garbage as bad-key', () => {
    expect(() => normalizePrivateKey(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).toThrow(expect.objectContaining({ code: 'bad-key' }))
  })
})

describe('chain building', () => {
  it('orders the RFC 9216 chain nearest first and stops at the self-signed root', () => {
    const leaf = certInfo(pem('alice@smime.example.sig.pem', 'CERTIFICATE'))
    const root = certInfo(pem('Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem', 'CERTIFICATE'))
    const unrelated = certInfo(pem('Sample_LAMPS_Ed25519_Certification_Authority.selfsigned.pem', 'CERTIFICATE'))
    expect(buildChain(leaf, [unrelated, root, leaf])).toEqual([root])
    expect(buildChain(root, [root])).toEqual([])
  })
})

describe('writePfx', () => {
  it('writes a file readPfx reads back with the same key, certificate, chain and friendlyName', async () => {
    const src = await readPfx(new Uint8Array(readFileSync(`${TESTDATA}/pkcs12-real-world/testing_at_example_com.p12`)), '', crypto)
    const id = requireIdentity(src)
    const chainCert = pem('Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem', 'CERTIFICATE')
    const out = await writePfx({ ...id, chain: [chainCert] }, 'backup pw', crypto, { friendlyName: 'Backup', iterations: 2048 })
    const back = await readPfx(out, 'backup pw', crypto)
    const got = requireIdentity(back)
    expect(Buffer.from(got.certificate).equals(Buffer.from(id.certificate))).toBe(true)
    expect(Buffer.from(got.privateKey).equals(Buffer.from(id.privateKey))).toBe(true)
    expect(got.friendlyName).toBe('Backup')
    expect(back.certificates).toHaveLength(2)
    expect(back.algorithms).toEqual(['MAC HMAC-SHA256', 'PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC'])
    expect(await code(readPfx(out, 'other', crypto))).toBe('wrong-password')
  })

  it('writes an Ed25519 identity (RFC 9216 Carlos) that reads back paired with its certificate', async () => {
    const id = { certificate: pem('carlos@smime.example.sig.pem', 'CERTIFICATE'), chain: [], privateKey: pem('lamps-carlos.p8.pem', 'PRIVATE KEY') }
    const back = await readPfx(await writePfx(id, 'pw', crypto, { iterations: 1000 }), 'pw', crypto)
    expect(back.identities).toHaveLength(1)
    expect(new X509Certificate(Buffer.from(back.identities[0]!.certificate)).subject).toContain('Carlos')
  })

  it('uses at least 100 000 iterations by default', async () => {
    const { DEFAULT_ITERATIONS } = await import('../../../../src/core/pkcs12')
    expect(DEFAULT_ITERATIONS).toBeGreaterThanOrEqual(100_000)
  })
})
