/**
 * `cachet-smime inspect` over content encrypted with 40-bit RC2 (OpenSSL's legacy provider,
 * during the test): refused as not confidential (exit 1, encryption 'unsupported', no
 * text) unless --allow-weak-ciphers asks to read it anyway (issue 16). The same
 * openMessage as the reading pane, so the verdicts agree.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { Io } from '../../../src/cli/io'
import { main } from '../../../src/cli/main'
import type { SecurityReport } from '../../../src/core/message/report'
import { textEntity, withHeaders } from '../../interop/harness/eml'
import { encryptExact, envOf } from '../core/message/careful'
import { withFixture, type Fixture } from '../core/message/fixture'

let f: Fixture

withFixture((made) => (f = made))

function io(files: Map<string, Uint8Array>): Io & { text(): string } {
  const out: string[] = []
  return {
    readFile: async (p) => {
      const b = files.get(p)
      if (!b) throw new Error(`ENOENT: ${p}`)
      return b
    },
    writeFile: async () => {},
    readStdin: async () => new Uint8Array(0),
    env: () => undefined,
    stdout: (s) => {
      out.push(typeof s === 'string' ? s : Buffer.from(s).toString('utf8'))
    },
    stderr: () => {},
    text: () => out.join(''),
  }
}

async function inspect(extra: string[]): Promise<{ code: number; report: SecurityReport }> {
  const eml = withHeaders(envOf(f.leaves.alice, f.leaves.bob), await encryptExact(f, [f.leaves.bob], textEntity('Old secret\r\n'), 'rc2-40-cbc'))
  const files = new Map<string, Uint8Array>([
    ['m.eml', eml],
    ['bob.p12', new Uint8Array(await readFile(f.leaves.bob.pfxPath))],
  ])
  const x = io(files)
  const code = await main(['inspect', 'm.eml', '--pfx', 'bob.p12', '--password', f.leaves.bob.password, ...extra], x)
  return { code, report: JSON.parse(x.text()) as SecurityReport }
}

describe('inspect and 40-bit RC2', () => {
  it('refuses it by default: exit 1, unsupported, the algorithm named, no text', async () => {
    const { code, report } = await inspect([])
    expect(code).toBe(1)
    expect(report.verdict.encryption).toBe('unsupported')
    expect(report.layers[0]).toMatchObject({ contentEncryptionAlgorithm: 'rc2-40-cbc', noConfidentiality: expect.stringMatching(/40-bit RC2/) })
    expect(report.text).toBeNull()
  })

  it('--allow-weak-ciphers reads it, the weakness still named', async () => {
    const { report } = await inspect(['--allow-weak-ciphers'])
    expect(report.verdict.encryption).toBe('decrypted')
    expect(report.text).toBe('Old secret\r\n')
    expect(report.layers[0]).toMatchObject({ weak: ['rc2-40-cbc'], noConfidentiality: expect.stringMatching(/40-bit RC2/) })
  })
})
