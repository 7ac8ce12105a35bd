import { describe, expect, it } from 'vitest'
import { fromBase64, fromBase64Bytes, pemBlocks, toBase64, toBase64Lines, toPem } from '../../../src/core/util/base64'
import { concat, constantTimeEqual, fromHex, latin1, toHex } from '../../../src/core/util/bytes'

describe('base64', () => {
  it('round-trips every length mod 3 and matches Node', () => {
    for (let n = 0; n < 70; n++) {
      const b = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff)
      const s = toBase64(b)
      expect(s).toBe(Buffer.from(b).toString('base64'))
      expect(fromBase64(s)).toEqual(b)
      expect(fromBase64Bytes(new TextEncoder().encode(s))).toEqual(b)
    }
  })
  it('decodes MIME-wrapped input and ignores junk', () => {
    const b = new Uint8Array(200).map((_, i) => i)
    const lines = new TextDecoder().decode(toBase64Lines(b, 76))
    expect(lines.split('\r\n').every((l) => l.length <= 76)).toBe(true)
    expect(fromBase64(lines)).toEqual(b)
  })
  it('reads PEM blocks by label', () => {
    const der = new Uint8Array([1, 2, 3, 4])
    const text = `junk\n${toPem('CERTIFICATE', der)}${toPem('X509 CRL', der)}`
    expect(pemBlocks(text, 'CERTIFICATE').map((b) => b.der)).toEqual([der])
    expect(pemBlocks(text).length).toBe(2)
  })
})

describe('bytes', () => {
  it('hex round trip, concat, latin1, constant-time compare', () => {
    expect(toHex(fromHex('00ff10'))).toBe('00ff10')
    expect(concat([fromHex('01'), fromHex('0203')])).toEqual(fromHex('010203'))
    expect(latin1(fromHex('41e9'))).toBe('Aé')
    expect(constantTimeEqual(fromHex('0102'), fromHex('0102'))).toBe(true)
    expect(constantTimeEqual(fromHex('0102'), fromHex('0103'))).toBe(false)
    expect(constantTimeEqual(fromHex('01'), fromHex('0100'))).toBe(false)
  })
})
