/**
 * Inputs found by the fuzzer (tests/fuzz, `npm run fuzz`), kept as regressions. Stored
 * in tests/fixtures/fuzz/*.json as base64 with the run, seed and mutation that made them.
 *
 * signed-masked-typeerrors.json (fuzz seed 2): mutated SignedData where a non-node or
 * a constructed INTEGER sat where asn.ts expected a primitive; verifySigned's catch-all
 * turned the TypeError into "The SignedData could not be read: Cannot read properties of
 * undefined" for the whole layer. Fixed in src/core/cms/signed/asn.ts; now each gives
 * a signer result (not ok) or a CoreError that is not a masked JavaScript error.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { verifySigned } from '../../../src/core/cms/signed'
import { openMessage } from '../../../src/core/message'
import { isCoreError } from '../../../src/core/errors'
import { fromBase64 } from '../../../src/core/util/base64'
import { readPfx } from '../../../src/core/pkcs12'
import { parseDer } from '../../../src/core/asn1/der'

const crypto = globalThis.crypto
const PROGRAMMING_ERROR = /Cannot read propert|is not a function|is not iterable|is not defined/

interface Entry {
  name: string
  note: string
  der: string
  content: string | null
  message: string | null
}

const load = (f: string): Entry[] => JSON.parse(readFileSync(new URL(`../../fixtures/fuzz/${f}`, import.meta.url), 'utf8')) as Entry[]

interface PfxEntry {
  name: string
  note: string
  pfx: string
  password: string
}

describe('fuzzer regressions', () => {
  /*
   * pfx-non-core-errors.json (fuzz seed 7, the MAC-less PKCS#12 seed): readPfx let a
   * TypeError (pkcs12/asn1.ts der() on a missing node) and an asn1js Error (a
   * GeneralizedTime that is not a time, thrown out of asn1/der.ts parseDer) escape.
   */
  for (const e of JSON.parse(readFileSync(new URL('../../fixtures/fuzz/pfx-non-core-errors.json', import.meta.url), 'utf8')) as PfxEntry[]) {
    it(`readPfx: ${e.note} — ${e.name}`, async () => {
      const err = await readPfx(fromBase64(e.pfx), e.password, crypto).then(
        () => null,
        (x: unknown) => x,
      )
      expect(isCoreError(err, 'asn1'), String(err)).toBe(true)
    })
  }

  it('parseDer turns an exception thrown inside asn1js (bad GeneralizedTime) into CoreError asn1', () => {
    expect(() => parseDer(new Uint8Array([0x18, 0x03, 0x41, 0x42, 0x43]))).toThrow(expect.objectContaining({ name: 'CoreError', code: 'asn1' }))
  })

  for (const e of load('signed-masked-typeerrors.json')) {
    it(`${e.note} — ${e.name}`, async () => {
      const der = fromBase64(e.der)
      const content = e.content ? fromBase64(e.content) : null
      try {
        const r = await verifySigned(der, content, crypto)
        expect(r.signers.every((s) => !s.ok)).toBe(true)
      } catch (err) {
        expect(isCoreError(err)).toBe(true)
        expect((err as Error).message).not.toMatch(PROGRAMMING_ERROR)
        expect((err as { cause?: unknown }).cause).not.toBeInstanceOf(TypeError)
      }
      if (e.message) {
        const { report } = await openMessage(fromBase64(e.message), { identities: [], trustAnchors: [], certificates: [], crls: [] }, crypto)
        expect(report.verdict.signature).toBe('invalid')
        for (const x of report.errors) expect(x.message).not.toMatch(PROGRAMMING_ERROR)
      }
    })
  }
})
