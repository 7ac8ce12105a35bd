/**
 * One fuzz input: pick a seed, stack 1-4 mutations, run it through its target, and
 * judge the outcome. A finding is anything but a clean answer: an exception escaping
 * openMessage, a non-CoreError thrown by verifySigned/decryptEnvelope/readPfx, or an
 * 'internal' error entry (an unexpected exception caught by the belt-and-braces).
 */
import type { Keyring } from '../../src/core/types'
import { openMessage } from '../../src/core/message'
import { verifySigned } from '../../src/core/cms/signed'
import { decryptEnvelope } from '../../src/core/cms/envelope'
import { readPfx } from '../../src/core/pkcs12'
import { isCoreError } from '../../src/core/errors'
import { concat } from '../../src/core/util/bytes'
import { encodeBase64Lines, decodeBase64 } from '../../src/core/mime/encodings'
import { Rng } from './prng'
import { everythingVisible } from '../hostile-corpus/check'
import * as M from './mutate'
import type { Seed } from './seeds'

export interface Finding {
  /** 'masked': a TypeError or similar that a module turned into a clean CoreError: safe, reported, not fatal. */
  kind: 'uncaught' | 'non-core-error' | 'internal-entry' | 'integrity' | 'masked'
  message: string
  stack?: string
}

export interface Input {
  seed: Seed
  bytes: Uint8Array
  mutations: string[]
}

/** Messages of JavaScript programming errors (TypeError etc.) that a catch-all turned into text. */
const PROGRAMMING_ERROR = /Cannot read propert|is not a function|is not iterable|is not defined|undefined \(reading|Cannot convert|Maximum call stack/

function pickSeed(r: Rng, seeds: Seed[]): Seed {
  const total = seeds.reduce((s, x) => s + x.weight, 0)
  let k = r.int(total)
  for (const s of seeds) {
    if ((k -= s.weight) < 0) return s
  }
  return seeds[0]!
}

export function makeInput(r: Rng, seeds: Seed[]): Input {
  const seed = pickSeed(r, seeds)
  let b = seed.bytes
  const mutations: string[] = []
  // ASN.1-aware mutation of the CMS inside a message: decode, mutate, re-encode, splice.
  if (seed.der && r.chance(0.35)) {
    const der = decodeBase64(b.subarray(seed.der.start, seed.der.end))
    const mutated = M.mutateDer(r, der)
    b = concat([b.subarray(0, seed.der.start), encodeBase64Lines(mutated), b.subarray(seed.der.end)])
    mutations.push('der-in-message')
    if (r.chance(0.6)) return { seed, bytes: b, mutations }
  }
  const n = 1 + r.int(r.chance(0.7) ? 1 : 4)
  const isDer = seed.target !== 'message'
  for (let i = 0; i < n; i++) {
    const op = r.int(10)
    if (isDer && op < 5) {
      b = M.mutateDer(r, b)
      mutations.push('der')
    } else if (!isDer && op < 3) {
      b = M.mutateMime(r, b)
      mutations.push('mime')
    } else if (op < 7) {
      b = r.chance(0.6) ? M.flipBits(r, b) : M.setBytes(r, b)
      mutations.push('bits')
    } else if (op === 7) {
      b = r.chance(0.5) ? M.insertBytes(r, b) : M.deleteBytes(r, b)
      mutations.push('insdel')
    } else if (op === 8) {
      b = r.chance(0.5) ? M.truncate(r, b) : M.duplicateChunk(r, b)
      mutations.push('trunc-dup')
    } else {
      b = M.splice(r, b, pickSeed(r, seeds).bytes)
      mutations.push('splice')
    }
  }
  return { seed, bytes: b, mutations }
}

/** `stats` (optional) counts outcomes per target, to show how deep the inputs reach. */
export async function runInput(input: Input, keyring: Keyring, pfxPassword: string, stats?: Map<string, number>): Promise<Finding | null> {
  const { seed, bytes } = input
  const note = (k: string) => stats?.set(k, (stats.get(k) ?? 0) + 1)
  const crypto = globalThis.crypto
  try {
    if (seed.target === 'message') {
      const r = await openMessage(bytes, keyring, crypto)
      note(`message ${r.report.verdict.signature}/${r.report.verdict.encryption}`)
      const internal = r.report.errors.find((e) => e.code === 'internal')
      if (internal) return { kind: 'internal-entry', message: internal.message }
      const masked = r.report.errors.find((e) => PROGRAMMING_ERROR.test(e.message))
      // Integrity invariant: a 'valid' signature or an AES-GCM layer that decrypted
      // vouches for the content, so what is shown must be exactly the original text.
      const vouched = r.report.verdict.signature === 'valid' || r.report.layers.some((l) => l.kind === 'auth-enveloped' && l.status === 'decrypted')
      if (vouched && seed.baseline && r.report.text !== seed.baseline.text) {
        return { kind: 'integrity', message: `${r.report.verdict.signature}/${r.report.verdict.encryption} but the text differs from the original: ${JSON.stringify(r.report.text?.slice(0, 80))}` }
      }
      if (seed.sealed && r.report.layers[0]?.kind !== 'enveloped' && everythingVisible(r).includes(seed.sealed)) {
        return { kind: 'integrity', message: 'EFAIL: a ciphertext below the root was decrypted into the result' }
      }
      return masked ? { kind: 'masked', message: masked.message } : null
    }
    if (seed.target === 'signed-der') {
      const r = await verifySigned(bytes, seed.content ?? null, crypto, { extraCertificates: keyring.certificates })
      note(`signed-der ${r.signers.some((x) => x.ok) ? 'signer ok' : 'no signer ok'}`)
    }    else if (seed.target === 'enveloped-der') {
      const r = await decryptEnvelope(bytes, keyring.identities, crypto)
      note(`enveloped-der ${r.status}`)
      if (r.error?.code === 'internal') return { kind: 'internal-entry', message: r.error.message }
      if (r.error && PROGRAMMING_ERROR.test(r.error.message)) return { kind: 'masked', message: r.error.message }
    } else {
      await readPfx(bytes, pfxPassword, crypto)
      note('pfx read')
    }
    return null
  } catch (e) {
    if (seed.target !== 'message' && isCoreError(e) && e.code !== 'internal') {
      note(`${seed.target} CoreError ${e.code}`)
      const cause = (e as { cause?: unknown }).cause
      if (cause instanceof TypeError || cause instanceof ReferenceError || PROGRAMMING_ERROR.test(e.message)) {
        return { kind: 'masked', message: `${e.code}: ${e.message}`, stack: (cause as Error | undefined)?.stack }
      }
      return null
    }
    const err = e as Error
    return { kind: seed.target === 'message' ? 'uncaught' : 'non-core-error', message: `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`, stack: err?.stack }
  }
}
