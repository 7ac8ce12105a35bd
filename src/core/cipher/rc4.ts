/**
 * RC4 (the "arcfour" stream cipher), only so PKCS#12 files using
 * pbeWithSHAAnd128BitRC4 / pbeWithSHAAnd40BitRC4 (RFC 7292 Appendix C) can be read.
 * Encryption and decryption are the same operation. Never used for new data.
 */
export function rc4(key: Uint8Array, data: Uint8Array): Uint8Array {
  const S = new Uint8Array(256)
  for (let i = 0; i < 256; i++) S[i] = i
  let j = 0
  for (let i = 0; i < 256; i++) {
    j = (j + S[i]! + key[i % key.length]!) & 0xff
    const t = S[i]!
    S[i] = S[j]!
    S[j] = t
  }
  const out = new Uint8Array(data.length)
  let a = 0
  j = 0
  for (let n = 0; n < data.length; n++) {
    a = (a + 1) & 0xff
    j = (j + S[a]!) & 0xff
    const t = S[a]!
    S[a] = S[j]!
    S[j] = t
    out[n] = data[n]! ^ S[(S[a]! + S[j]!) & 0xff]!
  }
  return out
}
