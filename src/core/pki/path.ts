import type { CryptoLike } from '../crypto'
import { equal, toHex } from '../util/bytes'
import { brokenSignatureAlgorithm, brokenSignatureReason } from './algorithms'
import { emailsOf, isSelfIssued, shortName, type ParsedCert } from './certificate'
import { constraintViolations } from './name-constraints'
import { verifySignature } from './verify'

/**
 * Certification path building (RFC 4158, simplified) and the structural checks
 * of RFC 5280 §6.1 that do not depend on time. The search is depth-first from the
 * leaf: candidate issuers are certificates whose subject matches the child's
 * issuer (and whose SKI matches its AKI when both are present); trust anchors are
 * tried before intermediates, and alternatives (cross-certificates, several
 * candidates with the same name) are explored until a few complete paths exist.
 * Depth, signature checks and paths are bounded so hostile pools cannot make it
 * run long.
 */
export const PATH_LIMITS = { maxDepth: 8, maxSignatureChecks: 64, maxPaths: 8 }

export interface PathSearchResult {
  /** Complete paths, leaf first, ending with a trust anchor, signatures verified. */
  paths: ParsedCert[][]
  /** Longest incomplete path, for reporting when no complete path exists. */
  longest: ParsedCert[]
  /** Why candidates were rejected (signature failures), in discovery order. */
  notes: string[]
  /**
   * Certificates whose signature algorithm is broken (MD2/MD5, algorithms.ts): no
   * path may go through them, whatever their issuer. In discovery order.
   */
  rejected: string[]
}

/** Identity of a public key under a name: anchors are trusted as name + key (RFC 5280 §6.1.1 (d)). */
function keyId(c: ParsedCert): string {
  return `${c.subjectKey}|${toHex(c.spki)}`
}

export class PathBuilder {
  private readonly anchorsByName = new Map<string, ParsedCert[]>()
  private readonly poolByName = new Map<string, ParsedCert[]>()
  private readonly anchorKeys = new Map<string, ParsedCert>()
  private readonly sigCache = new Map<ParsedCert, Map<ParsedCert, Promise<boolean>>>()
  private checks = 0

  constructor(
    anchors: ParsedCert[],
    intermediates: ParsedCert[],
    private readonly crypto: CryptoLike,
  ) {
    for (const a of anchors) {
      if (this.anchorKeys.has(keyId(a))) continue
      this.anchorKeys.set(keyId(a), a)
      push(this.anchorsByName, a.subjectKey, a)
    }
    const seen = new Set<string>()
    // Anchors may also serve as intermediates (e.g. a root that is cross-signed elsewhere)
    for (const c of [...intermediates, ...anchors]) {
      const id = keyId(c) + '|' + toHex(c.serial) + '|' + c.issuerKey
      if (seen.has(id)) continue
      seen.add(id)
      push(this.poolByName, c.subjectKey, c)
    }
  }

  /** The trust anchor holding this certificate's name and key, if any. */
  anchorFor(c: ParsedCert): ParsedCert | null {
    return this.anchorKeys.get(keyId(c)) ?? null
  }

  /** Does `issuer`'s key verify `child`'s signature? Cached, and counted against the work bound. */
  verifies(child: ParsedCert, issuer: ParsedCert): Promise<boolean> {
    let m = this.sigCache.get(child)
    if (!m) this.sigCache.set(child, (m = new Map()))
    let r = m.get(issuer)
    if (!r) {
      this.checks++
      r = verifySignature(child, issuer, this.crypto)
      m.set(issuer, r)
    }
    return r
  }

  async build(leaf: ParsedCert): Promise<PathSearchResult> {
    const result: PathSearchResult = { paths: [], longest: [leaf], notes: [], rejected: [] }
    if (this.anchorFor(leaf)) {
      // The user trusted this very certificate (or its key under this name)
      result.paths.push([leaf])
      return result
    }
    await this.extend([leaf], result)
    return result
  }

  private candidates(child: ParsedCert): ParsedCert[] {
    const match = (c: ParsedCert) => !(child.akiKeyId && c.ski && !equal(child.akiKeyId, c.ski))
    const anchors = (this.anchorsByName.get(child.issuerKey) ?? []).filter(match)
    // A non-anchor certificate carrying an anchor's name and key adds nothing: the anchor is tried first
    const others = (this.poolByName.get(child.issuerKey) ?? []).filter((c) => match(c) && !this.anchorFor(c))
    return [...anchors, ...others]
  }

  private async extend(path: ParsedCert[], result: PathSearchResult): Promise<void> {
    const child = path[path.length - 1]!
    if (path.length > result.longest.length) result.longest = path
    if (path.length > PATH_LIMITS.maxDepth) return
    // A broken signature proves nothing, so no issuer can vouch for this certificate
    const broken = brokenSignatureAlgorithm(child.sigAlg)
    if (broken) {
      const why = brokenSignatureReason(child, broken)
      if (!result.rejected.includes(why)) result.rejected.push(why)
      return
    }
    const inPath = new Set(path.map(keyId))
    for (const cand of this.candidates(child)) {
      if (result.paths.length >= PATH_LIMITS.maxPaths || this.checks >= PATH_LIMITS.maxSignatureChecks) return
      const isAnchor = this.anchorFor(cand) !== null
      if (inPath.has(keyId(cand))) continue
      if (!(await this.verifies(child, cand))) {
        result.notes.push(`The signature on ${shortName(child)} does not verify with the key of ${shortName(cand)}.`)
        continue
      }
      if (isAnchor) {
        result.paths.push([...path, cand])
        continue
      }
      await this.extend([...path, cand], result)
    }
  }
}

function push(m: Map<string, ParsedCert[]>, k: string, v: ParsedCert): void {
  const list = m.get(k)
  if (list) list.push(v)
  else m.set(k, [v])
}

/**
 * Checks on the CA certificates of a complete path (RFC 5280 §6.1.4): basic
 * constraints cA, keyCertSign when key usage is present, path length limits, and
 * no critical extension we do not understand. A trust anchor without a
 * basicConstraints extension (a v1 root) is accepted: trusting it was the user's
 * decision. Returns the reasons the path is unusable, empty when it passes.
 */
export function structuralProblems(path: ParsedCert[]): string[] {
  const problems: string[] = []
  path.forEach((c, i) => {
    if (c.unknownCritical.length) {
      problems.push(`${shortName(c)} has a critical extension Cachet does not process (${c.unknownCritical.join(', ')}).`)
    }
    if (i === 0) return
    const isAnchor = i === path.length - 1
    const bc = c.basicConstraints
    if (bc ? !bc.cA : !isAnchor) {
      problems.push(`${shortName(c)} issued ${shortName(path[i - 1]!)} but is not a CA certificate (basicConstraints cA is not set).`)
    }
    if (c.keyUsage && !c.keyUsage.includes('keyCertSign')) {
      problems.push(`${shortName(c)} is not allowed to sign certificates (its key usage lacks keyCertSign).`)
    }
    if (c.nameConstraints) {
      for (const below of path.slice(0, i)) {
        const names = { emails: emailsOf(below), dns: below.sanDns, subjectRdns: below.subjectRdns, otherTags: below.sanOtherTags }
        const selfIssuedCa = below !== path[0] && isSelfIssued(below)
        for (const v of constraintViolations(c.nameConstraints, names, !selfIssuedCa)) {
          problems.push(`In ${shortName(below)}, ${v} (name constraints of ${shortName(c)}).`)
        }
      }
    }
    if (bc?.pathLen != null) {
      // Non-self-issued intermediates between this CA and the leaf (RFC 5280 §4.2.1.9)
      const below = path.slice(1, i).filter((x) => !isSelfIssued(x)).length
      if (below > bc.pathLen) {
        problems.push(`${shortName(c)} allows at most ${bc.pathLen} intermediate CA(s) below it, but the path has ${below}.`)
      }
    }
  })
  return problems
}

/** Validity-period problems of every certificate in the path at time `at` (RFC 5280 §6.1.3 (a)(2)). */
export function timeProblems(path: ParsedCert[], at: Date): string[] {
  const out: string[] = []
  path.forEach((c, i) => {
    const role = i === 0 ? 'The certificate' : `The issuing certificate ${shortName(c)}`
    const who = i === 0 ? ` ${shortName(c)}` : ''
    if (at < c.notBefore) out.push(`${role}${who} is not valid before ${c.notBefore.toISOString()}.`)
    else if (at > c.notAfter) out.push(`${role}${who} expired on ${c.notAfter.toISOString()}.`)
  })
  return out
}
