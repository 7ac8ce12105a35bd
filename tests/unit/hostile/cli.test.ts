/**
 * The hostile corpus through the public contract, `cachet-smime inspect` (a separate
 * process, Bob's PFX, the run's trust anchor): one case of each attack class plus two
 * resource bombs. Same verdicts as openMessage, no secret in what it prints, exit
 * status 0 only for a clean verdict.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isClean } from '../../../src/core/message'
import { buildCorpus, makeCorpusPki, type CorpusPki, type HostileCase } from '../../hostile-corpus/build'
import { indefiniteBomb, nestedMultipart } from '../../hostile-corpus/resource'
import { cachetSmime, identityArgs } from '../../interop/harness/cli'

const crypto = globalThis.crypto
let pki: CorpusPki
let dir: string
let cases: HostileCase[] = []

beforeAll(async () => {
  pki = await makeCorpusPki()
  dir = await mkdtemp(join(tmpdir(), 'cachet-hostile-cli-'))
  cases = await buildCorpus(pki, crypto, dir)
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function inspectRaw(name: string, raw: Uint8Array) {
  const file = join(dir, `${name}.eml`)
  await writeFile(file, raw)
  const r = await cachetSmime(['inspect', file, ...identityArgs(pki.bob.leaf), '--trust', pki.rootPath])
  return { status: r.status, stdout: r.stdout.toString('utf8'), report: JSON.parse(r.stdout.toString('utf8')) }
}

const PICKS = ['efail-img-mixed', 'cbc-gadget-body', 'gcm-flip-ciphertext', 'oracle-fake-bounce', 'cms-signers-valid-and-foreign', 'wrap-hidden-css', 'id-display-name-address', 'id-control-valid']

describe('hostile corpus through cachet-smime inspect', () => {
  it('one case per attack class: same verdict, nothing leaked, honest exit status', async () => {
    for (const name of PICKS) {
      const c = cases.find((x) => x.name === name)!
      expect(c, name).toBeDefined()
      const { status, stdout, report } = await inspectRaw(name, c.raw)
      expect(report.verdict, name).toEqual({ signature: c.expected.signature, encryption: c.expected.encryption })
      for (const s of c.expected.secrets) expect(stdout.includes(s), `${name} leaked`).toBe(false)
      expect(status, name).toBe(isClean(report.verdict) ? 0 : 1)
    }
  }, 120_000)

  it('resource bombs: a report with an error code, not a crash', async () => {
    const deep = await inspectRaw('deep', nestedMultipart(10_000))
    expect(deep.report.errors.map((e: { code: string }) => e.code)).toContain('mime')
    const bomb = await inspectRaw('bomb', indefiniteBomb(100_000, false))
    expect(bomb.report.verdict.encryption).toBe('corrupt')
    expect(bomb.status).toBe(1)
  }, 60_000)
})
