/**
 * A wrong password decrypts to garbage that passes the CBC padding check about once in
 * 256 tries. Garbage that also starts like a SEQUENCE of three elements must still read
 * as a wrong password, never as a broken key ('bad-key'): the attempt only counts as the
 * right password when the plaintext has a PrivateKeyInfo's whole shape (RFC 5958).
 * The "garbage" is made on purpose here: PBES2 (PBKDF2-SHA-256, AES-256-CBC) over
 * SEQUENCE { INTEGER 0, INTEGER 0, INTEGER 0 } followed by random octets.
 */
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readEncryptedPkcs8, readPfx } from '../../../../src/core/pkcs12'

const tlv = (t: number, b: Buffer): Buffer => {
  const n = b.length
  const l = n < 128 ? Buffer.from([n]) : n < 256 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 255])
  return Buffer.concat([Buffer.from([t]), l, b])
}
const oid = (hex: string) => tlv(6, Buffer.from(hex, 'hex'))
const int = (n: number) => tlv(2, Buffer.from(n.toString(16).padStart(n >= 128 ? 4 : 2, '0'), 'hex'))
const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts))

function encryptedKeyInfo(password: string, plaintext: Buffer): Buffer {
  const salt = randomBytes(16)
  const iv = randomBytes(16)
  const key = pbkdf2Sync(password, salt, 1000, 32, 'sha256')
  const c = createCipheriv('aes-256-cbc', key, iv)
  const enc = Buffer.concat([c.update(plaintext), c.final()])
  const pbes2 = seq(
    oid('2a864886f70d01050d'),
    seq(seq(oid('2a864886f70d01050c'), seq(tlv(4, salt), int(1000), seq(oid('2a864886f70d0209'), Buffer.from('0500', 'hex')))), seq(oid('60864801650304012a'), tlv(4, iv))),
  )
  return seq(pbes2, tlv(4, enc))
}

const code = (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string }) => e.code)

describe('garbage from a wrong password that looks like a SEQUENCE', () => {
  const garbage = Buffer.concat([Buffer.from('3009020100020100020100', 'hex'), randomBytes(40)])
  const epki = encryptedKeyInfo('wrong', garbage)

  it('readEncryptedPkcs8 says wrong-password', async () => {
    expect(await code(readEncryptedPkcs8(new Uint8Array(epki), 'wrong', globalThis.crypto))).toBe('wrong-password')
  })

  it('readPfx (no MAC, the same shrouded key bag) says wrong-password too', async () => {
    const bag = seq(oid('2a864886f70d010c0a0102'), tlv(0xa0, epki))
    const safe = seq(oid('2a864886f70d010701'), tlv(0xa0, tlv(4, seq(bag))))
    const pfx = seq(int(3), seq(oid('2a864886f70d010701'), tlv(0xa0, tlv(4, seq(safe)))))
    expect(await code(readPfx(new Uint8Array(pfx), 'wrong', globalThis.crypto))).toBe('wrong-password')
  })
})
