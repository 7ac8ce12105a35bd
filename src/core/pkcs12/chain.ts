/**
 * Order the certificates of a PFX into the chain above an end-entity certificate,
 * nearest first, by issuer → subject name match (RFC 5280 §6.1 path order). Names are
 * compared as DER, which is how every exporter copies them. Stops at a self-issued
 * certificate or when no issuer is present; never loops.
 */
import { equal } from '../util/bytes'
import type { CertInfo } from './keys'

export function buildChain(leaf: CertInfo, pool: readonly CertInfo[]): CertInfo[] {
  const chain: CertInfo[] = []
  const used = new Set<CertInfo>([leaf])
  let cur = leaf
  while (!equal(cur.issuer, cur.subject)) {
    const next = pool.find((c) => !used.has(c) && !equal(c.der, cur.der) && equal(c.subject, cur.issuer))
    if (!next) break
    chain.push(next)
    used.add(next)
    cur = next
  }
  return chain
}
