import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../../../src/core/util/bytes'
import { aesKeyUnwrap, aesKeyWrap } from '../../../../../src/core/cms/envelope/keywrap'
import { eccCmsSharedInfo, kariKdf, x963Kdf } from '../../../../../src/core/cms/envelope/kdf'
import { algId, encode } from '../../../../../src/core/cms/envelope/der-write'
import { OID } from '../../../../../src/core/asn1/oids'

describe('AES key wrap (RFC 3394 §4 test vectors)', () => {
  it('4.1: wraps 128 bits of key data with a 128-bit KEK', () => {
    const kek = fromHex('000102030405060708090A0B0C0D0E0F')
    const key = fromHex('00112233445566778899AABBCCDDEEFF')
    const ct = '1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5'
    expect(toHex(aesKeyWrap(kek, key))).toBe(ct)
    expect(toHex(aesKeyUnwrap(kek, fromHex(ct)))).toBe(toHex(key))
  })
  it('4.6: wraps 256 bits of key data with a 256-bit KEK', () => {
    const kek = fromHex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F')
    const key = fromHex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F')
    const ct = '28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21'
    expect(toHex(aesKeyWrap(kek, key))).toBe(ct)
    expect(toHex(aesKeyUnwrap(kek, fromHex(ct)))).toBe(toHex(key))
  })
  it('rejects an altered wrapped key (integrity check value)', () => {
    const kek = fromHex('000102030405060708090A0B0C0D0E0F')
    const ct = fromHex('1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5')
    ct[5]! ^= 1
    expect(() => aesKeyUnwrap(kek, ct)).toThrow()
  })
})

describe('ANSI X9.63 KDF', () => {
  it('matches the NIST CAVS SHA-256 vector (Z = 96c056…, no SharedInfo)', () => {
    const z = fromHex('96c05619d56c328ab95fe84b18264b08725b85e33fd34f08')
    expect(toHex(x963Kdf('sha256', z, new Uint8Array(0), 16))).toBe('443024c3dae66b95e6f5670601558f71')
  })
  it('spans several hash blocks with SharedInfo (checked against `openssl kdf X963KDF`)', () => {
    expect(toHex(x963Kdf('sha1', fromHex('0102030405'), fromHex('a1b2c3'), 32))).toBe(
      '655dcf8cc715121aaaddcbeb3161688fce9d7376f1f51ade1afea3a813a14029',
    )
  })
  it('RFC 8418 HKDF schemes use HKDF without salt (RFC 5869 test case 3)', () => {
    const okm = kariKdf('hkdf-sha256', new Uint8Array(22).fill(0x0b), new Uint8Array(0), 42)
    expect(toHex(okm)).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8')
  })
  it('encodes ECC-CMS-SharedInfo with keyInfo, ukm and the KEK length in bits (RFC 5753 §7.2)', () => {
    const wrap = encode(algId(OID.aes128Wrap))
    expect(toHex(eccCmsSharedInfo(wrap, null, 128))).toBe('3015300b0609608648016503040105a206040400000080')
    expect(toHex(eccCmsSharedInfo(wrap, fromHex('aabb'), 256))).toBe('301b300b0609608648016503040105a0040402aabba206040400000100')
  })
})
