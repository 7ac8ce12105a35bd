import { createDecipheriv, pbkdf2Sync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isCoreError } from '../../../../src/core/errors'
import {
  MIN_ITERATIONS,
  checkDerivedKey,
  checkPassphrase,
  createVerifier,
  deriveKeystoreKey,
  sealKey,
  unsealKey,
  unsealKeyWith,
  type SealedKey,
} from '../../../../src/core/keystore'
import { fromBase64 } from '../../../../src/core/util/base64'

const crypto = globalThis.crypto
const pkcs8 = crypto.getRandomValues(new Uint8Array(1218))

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  )
  expect(isCoreError(e), String(e)).toBe(true)
  expect((e as { code: string }).code).toBe(code)
}

describe('sealKey / unsealKey', () => {
  it('round-trips a key under the right passphrase', async () => {
    const sealed = await sealKey(pkcs8, 'correct horse battery', crypto)
    expect(sealed.v).toBe(1)
    expect(sealed.kdf.iterations).toBeGreaterThanOrEqual(MIN_ITERATIONS)
    expect(await unsealKey(sealed, 'correct horse battery', crypto)).toEqual(pkcs8)
  })

  it('is JSON-safe: survives JSON.stringify/parse', async () => {
    const sealed = await sealKey(pkcs8, 'pw pw pw pw', crypto, { iterations: MIN_ITERATIONS })
    const back = JSON.parse(JSON.stringify(sealed)) as SealedKey
    expect(await unsealKey(back, 'pw pw pw pw', crypto)).toEqual(pkcs8)
  })

  it('throws wrong-password for a wrong passphrase', async () => {
    const sealed = await sealKey(pkcs8, 'right one', crypto, { iterations: MIN_ITERATIONS })
    await rejectsWith(unsealKey(sealed, 'wrong one', crypto), 'wrong-password')
  })

  it('uses a fresh salt and IV each time', async () => {
    const a = await sealKey(pkcs8, 'same', crypto, { iterations: MIN_ITERATIONS })
    const b = await sealKey(pkcs8, 'same', crypto, { iterations: MIN_ITERATIONS })
    expect(a.kdf.salt).not.toBe(b.kdf.salt)
    expect(a.iv).not.toBe(b.iv)
    expect(a.data).not.toBe(b.data)
  })

  it('is PBKDF2-HMAC-SHA256 + AES-256-GCM as documented (checked with Node’s own crypto)', async () => {
    const sealed = await sealKey(pkcs8, 'pässword', crypto, { iterations: MIN_ITERATIONS })
    const key = pbkdf2Sync(Buffer.from('pässword'.normalize('NFC'), 'utf8'), fromBase64(sealed.kdf.salt), sealed.kdf.iterations, 32, 'sha256')
    const data = fromBase64(sealed.data)
    const d = createDecipheriv('aes-256-gcm', key, fromBase64(sealed.iv))
    d.setAAD(Buffer.from('cachet-keystore/v1/pkcs8'))
    d.setAuthTag(data.subarray(data.length - 16))
    const pt = Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()])
    expect(new Uint8Array(pt)).toEqual(pkcs8)
  })

  it('rejects a tampered ciphertext as wrong-password (GCM authenticates)', async () => {
    const sealed = await sealKey(pkcs8, 'pw', crypto, { iterations: MIN_ITERATIONS })
    const data = fromBase64(sealed.data)
    data[5] = (data[5] ?? 0) ^ 1
    const bad = { ...sealed, data: Buffer.from(data).toString('base64') }
    await rejectsWith(unsealKey(bad, 'pw', crypto), 'wrong-password')
  })

  it('refuses stored parameters below the iteration floor (no downgrade)', async () => {
    const sealed = await sealKey(pkcs8, 'pw', crypto, { iterations: MIN_ITERATIONS })
    await rejectsWith(unsealKey({ ...sealed, kdf: { ...sealed.kdf, iterations: 1000 } }, 'pw', crypto), 'bad-input')
    await rejectsWith(sealKey(pkcs8, 'pw', crypto, { iterations: 1000 }), 'bad-input')
  })

  it('refuses records of an unknown version or shape', async () => {
    const sealed = await sealKey(pkcs8, 'pw', crypto, { iterations: MIN_ITERATIONS })
    await rejectsWith(unsealKey({ ...sealed, v: 2 } as unknown as SealedKey, 'pw', crypto), 'bad-input')
    await rejectsWith(unsealKey(null as unknown as SealedKey, 'pw', crypto), 'bad-input')
  })
})

describe('passphrase verifier', () => {
  it('sets a passphrase and later checks it, sharing one derivation with sealed keys', async () => {
    const { verifier, derivedKey } = await createVerifier('first passphrase', crypto, MIN_ITERATIONS)
    const sealed = await sealKey(pkcs8, 'first passphrase', crypto, { kdf: verifier.kdf, derivedKey })
    const again = await checkPassphrase(verifier, 'first passphrase', crypto)
    expect(again).toEqual(derivedKey)
    expect(await unsealKeyWith(sealed, again, crypto)).toEqual(pkcs8)
    await checkDerivedKey(verifier, derivedKey, crypto)
  })

  it('rejects a wrong passphrase with wrong-password', async () => {
    const { verifier } = await createVerifier('first passphrase', crypto, MIN_ITERATIONS)
    await rejectsWith(checkPassphrase(verifier, 'first passphrasE', crypto), 'wrong-password')
    await rejectsWith(checkPassphrase(verifier, '', crypto), 'wrong-password')
  })

  it('refuses a passphrase shorter than 8 characters when setting it', async () => {
    await rejectsWith(createVerifier('short', crypto), 'bad-input')
  })

  it('derives the same key for NFC and NFD spellings of a passphrase', async () => {
    const { verifier } = await createVerifier('caf\u00e9 au lait', crypto, MIN_ITERATIONS)
    const k = await deriveKeystoreKey('cafe\u0301 au lait', verifier.kdf, crypto)
    await checkDerivedKey(verifier, k, crypto)
  })
})
