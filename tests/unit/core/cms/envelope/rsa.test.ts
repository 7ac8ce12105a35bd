import { describe, expect, it } from 'vitest'
import { bigToBytes, bytesToBig, modPow, parseRsaPrivateKey, parseRsaPublicKey, pkcs1v15DecryptKey, pkcs1v15Encrypt } from '../../../../../src/core/cms/envelope/rsa'
import { certRefs } from '../../../../../src/core/cms/envelope/cert'
import { equal } from '../../../../../src/core/util/bytes'
import { bob } from './helpers'

const crypto = globalThis.crypto
const key = parseRsaPrivateKey(bob().privateKey)
const pub = parseRsaPublicKey(certRefs(bob().certificate).spki)

/** Raw RSA "encryption" of an arbitrary encoded message, to build bad paddings. */
function rawEncrypt(em: Uint8Array): Uint8Array {
  return bigToBytes(modPow(bytesToBig(em), pub.e, pub.n), pub.k)
}

function encodedMessage(first: number, second: number, psLen: number, sep: number, m: Uint8Array): Uint8Array {
  const em = new Uint8Array(pub.k)
  em[0] = first
  em[1] = second
  em.fill(0x5a, 2, 2 + psLen)
  em[2 + psLen] = sep
  em.set(m, pub.k - m.length)
  return em
}

describe('RSA PKCS#1 v1.5 key transport', () => {
  it('reads the public key of the certificate and the private key as the same modulus', () => {
    expect(pub.n).toBe(key.n)
    expect(key.k).toBe(256)
  })

  it('round-trips a 32-octet content key through encryption and blinded CRT decryption', () => {
    const cek = crypto.getRandomValues(new Uint8Array(32))
    const c = pkcs1v15Encrypt(pub, cek, crypto)
    expect(c.length).toBe(256)
    expect(pkcs1v15DecryptKey(key, c, 32, crypto)).toEqual(cek)
  })

  it('pads with nonzero random octets (RFC 8017 §7.2.1)', () => {
    const c = pkcs1v15Encrypt(pub, new Uint8Array(16), crypto)
    const em = bigToBytes(modPow(bytesToBig(c), key.d, key.n), key.k)
    expect(em[0]).toBe(0)
    expect(em[1]).toBe(2)
    for (let i = 2; i < key.k - 17; i++) expect(em[i]).not.toBe(0)
    expect(em[key.k - 17]).toBe(0)
  })

  it('implicit rejection: a bad padding yields a deterministic synthetic key of the expected length, not an error', () => {
    const m = crypto.getRandomValues(new Uint8Array(32))
    const bads = [
      encodedMessage(0, 1, key.k - 35, 0, m), // block type 1
      encodedMessage(1, 2, key.k - 35, 0, m), // leading octet nonzero
      encodedMessage(0, 2, key.k - 35, 7, m), // no zero separator
      encodedMessage(0, 2, key.k - 19, 0, m.subarray(0, 16)), // a 16-octet key where 32 are expected
    ]
    for (const em of bads) {
      const c = rawEncrypt(em)
      const k1 = pkcs1v15DecryptKey(key, c, 32, crypto)
      const k2 = pkcs1v15DecryptKey(key, c, 32, crypto)
      expect(k1.length).toBe(32)
      expect(k1).toEqual(k2) // same ciphertext, same synthetic key
      expect(equal(k1, m)).toBe(false)
    }
    // different ciphertexts give different synthetic keys
    const a = pkcs1v15DecryptKey(key, rawEncrypt(bads[0]!), 32, crypto)
    const b = pkcs1v15DecryptKey(key, rawEncrypt(bads[1]!), 32, crypto)
    expect(equal(a, b)).toBe(false)
  })

  it('a well-formed padding with 8 or more padding octets gives the real key', () => {
    const m = crypto.getRandomValues(new Uint8Array(32))
    expect(pkcs1v15DecryptKey(key, rawEncrypt(encodedMessage(0, 2, key.k - 35, 0, m)), 32, crypto)).toEqual(m)
  })

  it('treats an oversized or out-of-range ciphertext as a padding error (synthetic key)', () => {
    const tooLong = new Uint8Array(300).fill(1)
    expect(pkcs1v15DecryptKey(key, tooLong, 16, crypto).length).toBe(16)
    const aboveN = bigToBytes(key.n + 1n, key.k)
    expect(pkcs1v15DecryptKey(key, aboveN, 16, crypto)).toEqual(pkcs1v15DecryptKey(key, aboveN, 16, crypto))
  })
})

describe('RSAES-OAEP in software (parameter sets WebCrypto cannot express)', () => {
  it('decrypts what WebCrypto RSA-OAEP SHA-256 encrypted, and rejects a label mismatch and an altered ciphertext', async () => {
    const { oaepDecrypt } = await import('../../../../../src/core/cms/envelope/oaep')
    const { sha256 } = await import('@noble/hashes/sha2.js')
    const pk = await crypto.subtle.importKey('spki', certRefs(bob().certificate).spki as Uint8Array<ArrayBuffer>, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt'])
    const cek = crypto.getRandomValues(new Uint8Array(32))
    const c = new Uint8Array(await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, pk, cek))
    expect(oaepDecrypt(key, c, sha256, sha256, new Uint8Array(0), crypto)).toEqual(cek)
    expect(oaepDecrypt(key, c, sha256, sha256, new Uint8Array([1]), crypto)).toBeNull()
    const bad = c.slice()
    bad[10]! ^= 1
    expect(oaepDecrypt(key, bad, sha256, sha256, new Uint8Array(0), crypto)).toBeNull()
  })
})
