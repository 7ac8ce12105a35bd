import { describe, expect, it } from 'vitest'
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { SBOX, desCbcDecrypt, desCbcEncrypt, desDecryptBlock, desEncryptBlock } from '../../../../src/core/cipher/des'
import { fromHex, toHex } from '../../../../src/core/util/bytes'
import { isCoreError } from '../../../../src/core/errors'

describe('DES', () => {
  it('has S-boxes whose every row is a permutation of 0..15', () => {
    for (const box of SBOX) {
      for (let r = 0; r < 4; r++) expect([...box.slice(r * 16, r * 16 + 16)].sort((a, b) => a - b)).toEqual([...Array(16).keys()])
    }
  })

  // Classic published single-block vectors (FIPS 46 worked example; NBS validation set).
  const vectors: [string, string, string][] = [
    ['133457799bbcdff1', '0123456789abcdef', '85e813540f0ab405'],
    ['0e329232ea6d0d73', '8787878787878787', '0000000000000000'],
    ['0101010101010101', '95f8a5e5dd31d900', '8000000000000000'],
    ['8001010101010101', '0000000000000000', '95a8d72813daa94d'],
    ['7ca110454a1a6e57', '01a1d6d039776742', '690f5b0d9a26939b'],
  ]
  it.each(vectors)('encrypts key %s pt %s to the published ciphertext', (k, p, c) => {
    expect(toHex(desEncryptBlock(fromHex(k), fromHex(p)))).toBe(c)
    expect(toHex(desDecryptBlock(fromHex(k), fromHex(c)))).toBe(p)
  })

  it('treats a 3DES key with K1=K2=K3 as single DES', () => {
    const k = fromHex('133457799bbcdff1')
    const k3 = new Uint8Array(24)
    for (const o of [0, 8, 16]) k3.set(k, o)
    expect(toHex(desEncryptBlock(k3, fromHex('0123456789abcdef')))).toBe('85e813540f0ab405')
  })

  it('matches OpenSSL (via Node) for 3-key 3DES-CBC at many lengths, both directions', () => {
    for (const len of [0, 1, 7, 8, 9, 63, 64, 1000]) {
      const key = randomBytes(24)
      const iv = randomBytes(8)
      const data = randomBytes(len)
      const c = createCipheriv('des-ede3-cbc', key, iv)
      const ref = Buffer.concat([c.update(data), c.final()])
      expect(toHex(desCbcEncrypt(key, iv, data))).toBe(ref.toString('hex'))
      expect(toHex(desCbcDecrypt(key, iv, ref))).toBe(data.toString('hex'))
    }
  })

  it('matches OpenSSL (via Node) for 2-key 3DES-CBC', () => {
    const key = randomBytes(16)
    const iv = randomBytes(8)
    const data = randomBytes(100)
    const d = createDecipheriv('des-ede-cbc', key, iv)
    const ct = desCbcEncrypt(key, iv, data)
    expect(Buffer.concat([d.update(ct), d.final()]).toString('hex')).toBe(data.toString('hex'))
  })

  it('reports bad padding and ragged length as decrypt-failed', () => {
    const key = randomBytes(24)
    const iv = randomBytes(8)
    const ct = desCbcEncrypt(key, iv, new Uint8Array(16))
    // CBC: flipping bits in the previous block flips the same bits of the last plaintext
    // block, so the padding octet 0x08 becomes 0x5d, never valid (altering the last block
    // itself would leave valid padding once in about 256 runs).
    ct[ct.length - 9]! ^= 0x55
    let err: unknown
    try {
      desCbcDecrypt(key, iv, ct)
    } catch (e) {
      err = e
    }
    expect(isCoreError(err, 'decrypt-failed')).toBe(true)
    expect(() => desCbcDecrypt(key, iv, new Uint8Array(12))).toThrow(/8-byte blocks/)
  })

  it('rejects keys of the wrong length', () => {
    expect(() => desCbcEncrypt(new Uint8Array(10), new Uint8Array(8), new Uint8Array(1))).toThrow(/8, 16 or 24/)
  })
})
