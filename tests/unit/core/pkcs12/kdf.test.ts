import { describe, expect, it } from 'vitest'
import { bmpPassword, passwordForms, pkcs12Kdf } from '../../../../src/core/pkcs12/kdf'
import { fromHex, toHex } from '../../../../src/core/util/bytes'

describe('RFC 7292 Appendix B KDF', () => {
  // Vectors published with Bouncy Castle's and Crypto++'s PKCS#12 PBKDF validation suites (password "smeg"/"queeg").
  const smeg = bmpPassword('smeg')
  const queeg = bmpPassword('queeg')
  const salt1 = fromHex('0a58cf64530d823f')
  const salt2 = fromHex('1682c0fc5b3f7ec5')
  it('derives the published 3DES key, IV and MAC key for SHA-1', () => {
    expect(toHex(pkcs12Kdf('SHA-1', smeg, salt1, 1, 1, 24))).toBe('8aaae6297b6cb04642ab5b077851284eb7128f1a2a7fbca3')
    expect(toHex(pkcs12Kdf('SHA-1', smeg, salt1, 2, 1, 8))).toBe('79993dfe048d3b76')
    expect(toHex(pkcs12Kdf('SHA-1', smeg, fromHex('3d83c0e4546ac140'), 3, 1, 20))).toBe('8d967d88f6caa9d714800ab3d48051d63f73a312')
    expect(toHex(pkcs12Kdf('SHA-1', queeg, fromHex('05dec959acff72f7'), 1, 1000, 24))).toBe('ed2034e36328830ff09df1e1a07dd357185dac0d4f9eb3d4')
    expect(toHex(pkcs12Kdf('SHA-1', queeg, fromHex('05dec959acff72f7'), 2, 1000, 8))).toBe('11dedad7758d4860')
    expect(toHex(pkcs12Kdf('SHA-1', queeg, salt2, 1, 1000, 24))).toBe('483dd6e919d7de2e8e648ba8f862f3fbfbdc2bcb2c02957f')
    expect(toHex(pkcs12Kdf('SHA-1', queeg, salt2, 2, 1000, 8))).toBe('9d461d1b00355c50')
    expect(toHex(pkcs12Kdf('SHA-1', queeg, fromHex('263216fcc2fab31c'), 3, 1000, 20))).toBe('5ec4c7a80df652294c3925b6489a7ab857c83476')
  })

  it('encodes passwords as BMPString with a terminator; absent and empty differ', () => {
    expect(toHex(bmpPassword('ab'))).toBe('006100620000')
    const absent = passwordForms(null)
    expect(absent.map((f) => f.bmp.length)).toEqual([0, 2])
    expect(passwordForms('').map((f) => f.bmp.length)).toEqual([2, 0])
    expect(passwordForms('é').length).toBe(2)
  })

  it('refuses absurd iteration counts', () => {
    expect(() => pkcs12Kdf('SHA-1', smeg, salt1, 1, 0, 8)).toThrow(/iteration/)
  })
})
