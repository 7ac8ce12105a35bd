import { describe, expect, it } from 'vitest'
import { p384 } from '@noble/curves/nist.js'
import { sharedSecret } from '../../../../../src/core/cms/envelope/ecdh'
import { OID } from '../../../../../src/core/asn1/oids'

const crypto = globalThis.crypto

describe('ECDH shared secret', () => {
  it('accepts the originator key in compressed form (SEC 1 §2.3.3), with the same Z as uncompressed', async () => {
    const params = { name: 'ECDH', namedCurve: 'P-384' }
    const ours = (await crypto.subtle.generateKey(params, true, ['deriveBits'])) as CryptoKeyPair
    const theirs = (await crypto.subtle.generateKey(params, true, ['deriveBits'])) as CryptoKeyPair
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', ours.privateKey))
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', theirs.publicKey))
    const compressed = p384.Point.fromBytes(raw).toBytes(true)
    expect(compressed.length).toBe(49)
    const z1 = await sharedSecret(OID.p384, pkcs8, raw, crypto)
    const z2 = await sharedSecret(OID.p384, pkcs8, compressed, crypto)
    expect(z1.length).toBe(48)
    expect(z2).toEqual(z1)
  })
})
