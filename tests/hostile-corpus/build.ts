/**
 * The hostile-message corpus of issue #3, built on the fly from a fresh PKI: every
 * case is a complete RFC 5322 message with the verdict it must get. The engine suite
 * (tests/unit/hostile) and the browser suite push the same messages through.
 *
 *   const pki = await makeCorpusPki()
 *   const cases = await buildCorpus(pki, globalThis.crypto, tmpDir)
 *   // open each case.raw with pki.keyring() and compare with case.expected
 */
import type { CryptoLike } from '../../src/core/crypto'
import type { CorpusPki } from './pki'
import type { HostileCase } from './types'
import { efailCases } from './efail'
import { malleabilityCases } from './malleability'
import { oracleCases } from './oracles'
import { cmsSpoofCases } from './cms-spoof'
import { wrappingCases } from './wrapping'
import { identityCases } from './identity'

export type { HostileCase, Expected, AttackClass } from './types'
export { makeCorpusPki, type CorpusPki, type CorpusIdentity } from './pki'
export { everythingVisible } from './check'
export { efailCases, malleabilityCases, oracleCases, cmsSpoofCases, wrappingCases, identityCases }

/** Every case, in class order. `dir` is a scratch directory for the OpenSSL-made inputs. */
export async function buildCorpus(pki: CorpusPki, crypto: CryptoLike, dir: string): Promise<HostileCase[]> {
  return [
    ...(await efailCases(pki, crypto, dir)),
    ...(await malleabilityCases(pki, crypto)),
    ...(await oracleCases(pki, crypto)),
    ...(await cmsSpoofCases(pki, crypto)),
    ...(await wrappingCases(pki, crypto)),
    ...(await identityCases(pki, crypto)),
  ]
}
