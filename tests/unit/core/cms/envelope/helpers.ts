import { TESTDATA } from '../../../../testdata'
import { readFileSync } from 'node:fs'
import { pemBlocks } from '../../../../../src/core/util/base64'
import type { CryptoLike } from '../../../../../src/core/crypto'
import type { Identity } from '../../../../../src/core/types'
import { Rng } from '../../../../fuzz/prng'

const DIR = TESTDATA
export const testdata = (p: string): string => readFileSync(`${DIR}/${p}`, 'utf8')
export const pemDer = (p: string): Uint8Array => pemBlocks(testdata(p))[0]!.der

/** RFC 9216 Bob (RSA-2048 encryption certificate and its key): public sample identity. */
export function bob(): Identity {
  return { certificate: pemDer('rfc9216/bob@smime.example.enc.pem'), chain: [], privateKey: pemDer('rfc9216/lamps-bob.decrypt.p8.pem') }
}
/** RFC 9216 Alice's encryption certificate (RSA), with no key: someone else. */
export function aliceCert(): Uint8Array {
  return pemDer('rfc9216/alice@smime.example.enc.pem')
}
/** RFC 9216 Dana (X25519). */
export function dana(): Identity {
  return { certificate: pemDer('rfc9216/dana@smime.example.enc.pem'), chain: [], privateKey: pemDer('rfc9216/lamps-dana.decrypt.p8.pem') }
}

/**
 * WebCrypto whose getRandomValues comes from a seeded PRNG: the same content key, IV
 * and PKCS#1 padding every run. For tests whose outcome would otherwise depend on
 * chance, e.g. CBC garbage under a wrong key that has valid padding once in ~256 runs.
 */
export function seededCrypto(seed: number): CryptoLike {
  const rng = new Rng(seed)
  const real = globalThis.crypto
  return new Proxy(real, {
    get(target, prop) {
      if (prop === 'getRandomValues') {
        return <T extends ArrayBufferView | null>(a: T): T => {
          new Uint8Array(a!.buffer, a!.byteOffset, a!.byteLength).set(rng.bytes(a!.byteLength))
          return a
        }
      }
      const v = Reflect.get(target, prop, target) as unknown
      return typeof v === 'function' ? (v as (...args: unknown[]) => unknown).bind(target) : v
    },
  })
}
