import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { rc2CbcDecrypt, rc2CbcEncrypt, rc2DecryptBlock, rc2EffectiveBitsFromVersion, rc2EncryptBlock } from '../../../../src/core/cipher/rc2'
import { rc4 } from '../../../../src/core/cipher/rc4'
import { fromHex, toHex } from '../../../../src/core/util/bytes'

describe('RC2 (RFC 2268)', () => {
  // RFC 2268 §5 test vectors: key, effective bits, plaintext, ciphertext.
  const vectors: [string, number, string, string][] = [
    ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
    ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
    ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
    ['88', 64, '0000000000000000', '61a8a244adacccf0'],
    ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
    ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
    ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
    ['88bca90e90875a7f0f79c384627bafb216f80a6f85920584c42fceb0be255daf1e', 129, '0000000000000000', '5b78d3a43dfff1f1'],
  ]
  it.each(vectors)('key %s with %i effective bits gives the RFC ciphertext', (k, bits, p, c) => {
    expect(toHex(rc2EncryptBlock(fromHex(k), bits, fromHex(p)))).toBe(c)
    expect(toHex(rc2DecryptBlock(fromHex(k), bits, fromHex(c)))).toBe(p)
  })

  it('round-trips CBC with padding at every length up to three blocks', () => {
    for (let len = 0; len <= 24; len++) {
      const key = randomBytes(5)
      const iv = randomBytes(8)
      const data = randomBytes(len)
      const ct = rc2CbcEncrypt(key, 40, iv, data)
      expect(ct.length % 8).toBe(0)
      expect(toHex(rc2CbcDecrypt(key, 40, iv, ct))).toBe(data.toString('hex'))
    }
  })

  it('agrees with `openssl enc -rc2-40-cbc` (legacy provider)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc2-'))
    const key = randomBytes(5)
    const iv = randomBytes(8)
    const data = randomBytes(77)
    writeFileSync(join(dir, 'in'), data)
    try {
      execFileSync('openssl', ['enc', '-rc2-40-cbc', '-provider', 'legacy', '-provider', 'default', '-K', key.toString('hex'), '-iv', iv.toString('hex'), '-in', join(dir, 'in'), '-out', join(dir, 'out')], { stdio: 'pipe' })
    } catch {
      return // no legacy provider on this machine: the RFC vectors above still hold
    }
    const ref = readFileSync(join(dir, 'out'))
    expect(toHex(rc2CbcEncrypt(key, 40, iv, data))).toBe(ref.toString('hex'))
  })

  it('maps RFC 2268 parameter versions to effective bits', () => {
    expect(rc2EffectiveBitsFromVersion(160)).toBe(40)
    expect(rc2EffectiveBitsFromVersion(120)).toBe(64)
    expect(rc2EffectiveBitsFromVersion(58)).toBe(128)
    expect(rc2EffectiveBitsFromVersion(256)).toBe(256)
  })
})

describe('RC4', () => {
  it('matches the classic "Key"/"Plaintext" vector', () => {
    expect(toHex(rc4(new TextEncoder().encode('Key'), new TextEncoder().encode('Plaintext')))).toBe('bbf316e8d940af0ad3')
  })
})
