/**
 * Issue #3, engine half: every case of the hostile corpus (tests/hostile-corpus), built
 * from a PKI made by OpenSSL for this run, opened by openMessage with Bob's keyring.
 * Per case: the verdict, no decrypted secret anywhere in the result, the integrity label,
 * the embedded parts listed apart, the real From address visible.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage, type OpenResult } from '../../../src/core/message'
import { buildCorpus, makeCorpusPki, type CorpusPki, type HostileCase } from '../../hostile-corpus/build'
import { everythingVisible } from '../../hostile-corpus/check'

const crypto = globalThis.crypto
let pki: CorpusPki
let dir: string
let cases: HostileCase[] = []

beforeAll(async () => {
  pki = await makeCorpusPki()
  dir = await mkdtemp(join(tmpdir(), 'cachet-hostile-'))
  cases = await buildCorpus(pki, crypto, dir)
}, 120_000)

afterAll(async () => {
  await pki?.cleanup()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function checkCase(c: HostileCase, r: OpenResult): void {
  const { report, view } = r
  const e = c.expected
  expect(report.verdict, c.name).toEqual({ signature: e.signature, encryption: e.encryption })
  const visible = everythingVisible(r)
  for (const s of e.secrets) expect(visible.includes(s), `${c.name}: secret leaked`).toBe(false)
  if (e.integrity !== undefined) {
    const layer = report.layers.find((l) => l.kind !== 'signed')
    expect(layer && 'integrity' in layer ? layer.integrity : undefined, c.name).toBe(e.integrity)
    expect(view.integrity, c.name).toBe(e.integrity)
  }
  if (e.embedded !== undefined) {
    expect(view.embedded.length, c.name).toBe(e.embedded)
    if (e.embedded > 0) expect(report.errors.map((x) => x.code), c.name).toContain('embedded-smime')
  }
  if (e.fromShows) expect(report.from ?? '', c.name).toContain(e.fromShows)
  if (e.signerEmail) {
    const signer = report.layers.flatMap((l) => (l.kind === 'signed' ? l.signers : []))[0]
    expect(signer?.email, c.name).toBe(e.signerEmail)
  }
  if (e.errorCode) expect(report.errors.map((x) => x.code), c.name).toContain(e.errorCode)
  // An encrypted part below an unprotected root is never decrypted, so no encryption layer.
  if (e.encryption === 'none') expect(report.layers.filter((l) => l.kind !== 'signed'), c.name).toEqual([])
}

const CLASSES = ['efail-direct', 'cbc-malleability', 'gcm-tamper', 'reply-oracle', 'cms-spoofing', 'mime-wrapping', 'identity'] as const

describe('hostile corpus through openMessage', () => {
  for (const cls of CLASSES) {
    it(`${cls}: every case gets its honest verdict and leaks nothing`, async () => {
      const mine = cases.filter((c) => c.attack === cls)
      expect(mine.length).toBeGreaterThan(0)
      const failures: string[] = []
      for (const c of mine) {
        const r = await openMessage(c.raw, pki.keyring(), crypto)
        try {
          checkCase(c, r)
        } catch (err) {
          failures.push(`${c.name}: ${(err as Error).message.split('\n')[0]} :: ${JSON.stringify(r.report.verdict)} ${JSON.stringify(r.report.errors.map((x) => x.code + ': ' + x.message.slice(0, 140)))}`)
        }
      }
      expect(failures).toEqual([])
    })
  }

  it('the decrypted text of an EFAIL wrap is never joined with the attacker parts', async () => {
    for (const c of cases.filter((x) => x.attack === 'efail-direct')) {
      const r = await openMessage(c.raw, pki.keyring(), crypto)
      // The attacker's HTML is what is shown; it is not glued to anything decrypted.
      expect(r.view.html ?? '', c.name).not.toMatch(/SECRET-/)
      // Nothing was unwrapped unless the root itself was a layer (the attacker's own).
      if (c.expected.signature === 'none' && c.expected.encryption === 'none') expect(r.inner, c.name).toEqual(c.raw)
    }
  })
})
