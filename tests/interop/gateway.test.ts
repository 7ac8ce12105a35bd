/**
 * Issue 10, mail gateways, against OpenSSL: a gateway's domain certificate (issued to the
 * gateway of partner.example, naming the domain: rfc822Name gateway@partner.example and
 * dNSName partner.example, as a domain certificate of the Open Group's gateway profile
 * names its domain) signs mail from pat@partner.example with `openssl cms -sign` and
 * `openssl smime -sign` during the test; `cachet-smime inspect --gateway` reads it as
 * "gateway", and without the acceptance (or for another domain) as what it always was.
 * And the other way: what `cachet-smime seal` encrypts to the gateway certificate opens
 * with OpenSSL and the gateway's key.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cachetSmime, identityArgs, inspect } from './harness/cli'
import { makeDraft } from './harness/draft'
import { textEntity, withHeaders } from './harness/eml'
import { opensslDecrypt, opensslSign } from './harness/openssl-cms'
import { createPki, type Leaf, type Pki } from './harness/pki'

let pki: Pki
let dir: string
const L: Record<string, Leaf> = {}
let trust: string[]

const TEXT = 'Quarterly figures attached, as agreed.\r\n'
const from = { from: 'Pat <pat@partner.example>', to: 'alice@example.test', subject: 'Figures' }

beforeAll(async () => {
  pki = await createPki('cachet-gateway')
  dir = join(pki.dir, 'cases')
  await mkdir(dir)
  L.gw = await pki.issue('gw', { key: 'rsa2048', email: 'gateway@partner.example', dns: ['partner.example'] })
  L.gwec = await pki.issue('gwec', { key: 'p256', email: 'gateway@partner.example', dns: ['partner.example'] })
  L.gwrev = await pki.issue('gwrev', { key: 'rsa2048', email: 'gateway@partner.example', dns: ['partner.example'], revoked: true })
  L.other = await pki.issue('other', { key: 'rsa2048', email: 'gateway@other.example', dns: ['other.example'] })
  L.alice = await pki.issue('alice', { key: 'rsa2048' })
  trust = ['--trust', pki.root.certPath]
}, 300_000)

afterAll(async () => {
  await pki?.cleanup()
})

let n = 0
async function save(eml: Uint8Array): Promise<string> {
  const p = join(dir, `case-${n++}.eml`)
  await writeFile(p, eml)
  return p
}

const signerOf = (report: Awaited<ReturnType<typeof inspect>>['report']) => {
  const l = report.layers[0]!
  if (l.kind !== 'signed') throw new Error(`layer 0 is ${l.kind}`)
  return l.signers[0]!
}

describe('a message signed by OpenSSL with partner.example’s gateway certificate', () => {
  for (const [label, who, legacySmime, opaque] of [
    ['openssl cms -sign, RSA, detached', 'gw', false, false],
    ['openssl smime -sign, RSA, detached', 'gw', true, false],
    ['openssl cms -sign, P-256, opaque', 'gwec', false, true],
  ] as const) {
    it(`${label}: inspect --gateway partner.example=CERT says "gateway" (exit 1), never valid`, async () => {
      const file = await save(withHeaders(from, await opensslSign(dir, L[who]!, textEntity(TEXT), { legacySmime, opaque })))
      const r = await inspect(file, [...trust, '--gateway', `partner.example=${L[who]!.certPath}`])
      expect(r.report.verdict).toEqual({ signature: 'gateway', encryption: 'none' })
      expect(r.status).toBe(1)
      const s = signerOf(r.report)
      expect(s.status).toBe('gateway')
      expect(s.gateway).toBe('partner.example')
      expect(s.email).toBe('gateway@partner.example')
      expect(s.reasons.join(' ')).toMatch(/partner\.example mail gateway/)
      expect(r.report.text).toBe(TEXT)
    })
  }

  it('without --gateway it is an email mismatch, as before', async () => {
    const file = await save(withHeaders(from, await opensslSign(dir, L.gw!, textEntity(TEXT))))
    const r = await inspect(file, trust)
    expect(r.report.verdict.signature).toBe('email-mismatch')
    expect(signerOf(r.report).gateway).toBeUndefined()
  })

  it('a gateway accepted for another domain does not make it "gateway": still an email mismatch', async () => {
    const file = await save(withHeaders(from, await opensslSign(dir, L.gw!, textEntity(TEXT))))
    const r = await inspect(file, [...trust, '--gateway', `other.example=${L.other!.certPath}`])
    expect(r.report.verdict.signature).toBe('email-mismatch')
    // …and a sender at other.example signed by partner.example's accepted gateway neither.
    const elsewhere = await save(withHeaders({ ...from, from: 'Olly <olly@other.example>' }, await opensslSign(dir, L.gw!, textEntity(TEXT))))
    expect((await inspect(elsewhere, [...trust, '--gateway', `partner.example=${L.gw!.certPath}`])).report.verdict.signature).toBe('email-mismatch')
  })

  it('a revoked gateway certificate stays revoked', async () => {
    const file = await save(withHeaders(from, await opensslSign(dir, L.gwrev!, textEntity(TEXT))))
    const r = await inspect(file, [...trust, '--crl', pki.crlPath(), '--gateway', `partner.example=${L.gwrev!.certPath}`])
    expect(r.report.verdict.signature).toBe('revoked')
    expect(signerOf(r.report).gateway).toBe('partner.example')
  })

  it('without a trust anchor the gateway signature is untrusted, not "gateway"', async () => {
    const file = await save(withHeaders(from, await opensslSign(dir, L.gw!, textEntity(TEXT))))
    expect((await inspect(file, ['--gateway', `partner.example=${L.gw!.certPath}`])).report.verdict.signature).toBe('untrusted')
  })

  it('--gateway with a certificate that does not name the domain, or without DOMAIN=, is a usage error (exit 2)', async () => {
    const file = await save(withHeaders(from, await opensslSign(dir, L.gw!, textEntity(TEXT))))
    const wrong = await cachetSmime(['inspect', file, ...trust, '--gateway', `partner.example=${L.other!.certPath}`])
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toMatch(/does not name partner\.example/)
    const bare = await cachetSmime(['inspect', file, ...trust, '--gateway', L.gw!.certPath])
    expect(bare.status).toBe(2)
    expect(bare.stderr).toMatch(/DOMAIN=CERT/)
  })
})

describe('a message encrypted to a gateway certificate', () => {
  it('made by cachet-smime seal --to the gateway certificate, opened by OpenSSL with the gateway’s key', async () => {
    const draft = await makeDraft({ from: L.alice!.email, to: ['pat@partner.example'], subject: 'To the gateway', text: 'For the partner.example gateway to decrypt.' })
    const sealed = await cachetSmime(['seal', ...identityArgs(L.alice!), '--sign', '--encrypt', '--to', L.gw!.certPath], draft)
    expect(sealed.status, sealed.stderr).toBe(0)
    expect(sealed.stdout.toString('latin1')).not.toContain('For the partner.example gateway')
    const opened = await opensslDecrypt(dir, sealed.stdout, L.gw!)
    expect(opened.status, opened.stderr).toBe(0)
    expect(opened.stdout.toString('utf8')).toContain('For the partner.example gateway to decrypt.')
  })
})
