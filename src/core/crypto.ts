import * as pkijs from 'pkijs'

/**
 * WebCrypto is passed in, never taken from a global singleton, so the same code runs
 * in a page, a worker and Node (globalThis.crypto) and tests can count calls.
 */
export type CryptoLike = Crypto

/** A PKI.js engine bound to the given WebCrypto, for PKI.js calls that take one. */
export function pkiEngine(crypto: CryptoLike): pkijs.CryptoEngine {
  const cached = engines.get(crypto)
  if (cached) return cached
  const engine = new pkijs.CryptoEngine({ name: 'cachet', crypto })
  engines.set(crypto, engine)
  return engine
}
const engines = new WeakMap<CryptoLike, pkijs.CryptoEngine>()
