/**
 * Issue 10, reading gateway-signed mail: a message from someone at partner.example signed
 * by the certificate the reader accepted as partner.example's mail gateway (a domain
 * certificate, OpenOptions.gateways) is 'gateway', never 'valid' and never a bare email
 * mismatch; anything short of that (not accepted, another domain, a parent domain, an
 * expired, revoked or untrusted gateway, a protected From that differs) stays what it was.
 * The PKI is made by OpenSSL; the messages are signed in process (interop has OpenSSL's).
 */
import { readFile } from 'node:fs/promises'
import { beforeAll, afterAll, describe, expect, it } from 'vitest'
import { signData } from '../../../../src/core/cms/signed'
import { openMessage } from '../../../../src/core/message/open'
import type { SecurityReport, SignerReport } from '../../../../src/core/message/report'
import { isClean } from '../../../../src/core/message/verdict'
import { readPfx } from '../../../../src/core/pkcs12'
import { readCrls } from '../../../../src/core/pki'
import type { Identity, Keyring } from '../../../../src/core/types'
import { concat } from '../../../../src/core/util/bytes'
import { toBase64Lines } from '../../../../src/core/util/base64'
import { createPki, type Leaf, type Pki } from '../../../interop/harness/pki'
import { enc } from './fixture'

const crypto = globalThis.crypto
let pki: Pki
const L: Record<string, Leaf> = {}
const ids: Record<string, Identity> = {}
let crls: Uint8Array[] = []

beforeAll(async () => {
  pki = await createPki('cachet-gateway-unit')
  const specs: [string, Parameters<Pki['issue']>[1]][] = [
    ['gw', { key: 'rsa2048', email: 'gateway@partner.example', dns: ['partner.example'] }],
    ['gwdns', { key: 'p256', email: 'postmaster@mail.partner.example', dns: ['partner.example'] }],
    ['gwold', { key: 'rsa2048', email: 'gateway@partner.example', expired: true }],
    ['gwrev', { key: 'rsa2048', email: 'gateway@partner.example', revoked: true }],
    ['gwsrv', { key: 'rsa2048', email: 'gateway@partner.example', eku: 'serverAuth' }],
    ['alice', { key: 'rsa2048' }],
    ['pat', { key: 'rsa2048', email: 'pat@partner.example' }],
  ]
  for (const [name, o] of specs) L[name] = await pki.issue(name, o)
  for (const [name, l] of Object.entries(L)) ids[name] = (await readPfx(new Uint8Array(await readFile(l.pfxPath)), l.password, crypto)).identities[0]!
  crls = readCrls(new Uint8Array(await readFile(pki.crlPath())))
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
})

const keyring = (extra: Partial<Keyring> = {}): Keyring => ({ identities: [], trustAnchors: [pki.root.certDer], certificates: [pki.intermediate.certDer], crls, ...extra })

/** multipart/signed by `who` under From `from`; `innerFrom`: a protected From header in the signed entity. */
async function signedBy(who: string, from: string, innerFrom?: string): Promise<Uint8Array> {
  const entity = enc(`${innerFrom ? `From: ${innerFrom}\r\n` : ''}Content-Type: text/plain\r\n\r\nThe contract is attached.\r\n`)
  return concat([enc(`From: Pat <${from}>\r\nTo: alice@example.test\r\nSubject: s\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\n`), await signedEntity(who, entity, 'b')])
}

/** A multipart/signed entity (its Content-Type header and body) over `entity`, signed by `who`. */
async function signedEntity(who: string, entity: Uint8Array, boundary: string): Promise<Uint8Array> {
  const sig = await signData(entity, { identity: ids[who]!, detached: true }, crypto)
  return concat([
    enc(`Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary=${boundary}\r\n\r\n--${boundary}\r\n`),
    entity,
    enc(`\r\n--${boundary}\r\nContent-Type: application/pkcs7-signature\r\nContent-Transfer-Encoding: base64\r\n\r\n`),
    toBase64Lines(sig),
    enc(`--${boundary}--\r\n`),
  ])
}

async function open(raw: Uint8Array, gateways?: Record<string, Uint8Array[]>, k: Keyring = keyring()): Promise<SecurityReport> {
  return (await openMessage(raw, k, crypto, gateways ? { gateways } : {})).report
}

const signer = (r: SecurityReport): SignerReport => {
  const l = r.layers[0]!
  if (l.kind !== 'signed') throw new Error('not signed')
  return l.signers[0]!
}

describe('a message signed by the accepted gateway of the sender’s domain', () => {
  it('is "gateway", names the domain, says the person did not sign it, and is not clean', async () => {
    const r = await open(await signedBy('gw', 'pat@partner.example'), { 'partner.example': [L.gw!.certDer] })
    expect(r.verdict.signature).toBe('gateway')
    expect(isClean(r.verdict)).toBe(false)
    const s = signer(r)
    expect(s.status).toBe('gateway')
    expect(s.gateway).toBe('partner.example')
    expect(s.email).toBe('gateway@partner.example')
    expect(s.reasons.join(' ')).toMatch(/partner\.example mail gateway.*not by pat@partner\.example/)
    expect(s.reasons.join(' ')).not.toMatch(/is for gateway@partner\.example, but/)
    expect(r.errors.map((e) => e.code)).not.toContain('outer-signature-invalid')
  })

  it('matches the domain case-insensitively, and a certificate that names the domain only as a dNSName', async () => {
    expect((await open(await signedBy('gw', 'Pat@PARTNER.example'), { 'Partner.Example': [L.alice!.certDer, L.gw!.certDer] })).verdict.signature).toBe('gateway')
    expect((await open(await signedBy('gwdns', 'pat@partner.example'), { 'partner.example': [L.gwdns!.certDer] })).verdict.signature).toBe('gateway')
  })

  it('is plainly valid when From is the gateway’s own address (its own mail)', async () => {
    const r = await open(await signedBy('gw', 'gateway@partner.example'), { 'partner.example': [L.gw!.certDer] })
    expect(r.verdict.signature).toBe('valid')
    expect(signer(r).gateway).toBeUndefined()
  })
})

describe('the layering rules hold for a gateway as for anyone', () => {
  it('the person’s own signature inside the gateway’s: valid (the inner one is the verdict), the outer gateway signature holds', async () => {
    const inner = await signedEntity('pat', enc('Content-Type: text/plain\r\n\r\nSigned by Pat herself.\r\n'), 'in')
    const raw = concat([enc(`From: Pat <pat@partner.example>\r\nTo: alice@example.test\r\nSubject: s\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\n`), await signedEntity('gw', inner, 'out')])
    const r = await open(raw, { 'partner.example': [L.gw!.certDer] })
    expect(r.verdict.signature).toBe('valid')
    expect(r.layers.map((l) => (l.kind === 'signed' ? l.signers[0]!.status : l.kind))).toEqual(['gateway', 'valid'])
    expect(r.errors.map((e) => e.code)).not.toContain('outer-signature-invalid')
    // Without the gateway accepted, the outer one is a mismatch that is said, not counted.
    const plain = await open(raw)
    expect(plain.verdict.signature).toBe('valid')
    expect(plain.errors.map((e) => e.code)).toContain('outer-signature-invalid')
  })
})

describe('stays what it is today', () => {
  it('an email mismatch when the certificate is not accepted, accepted for another domain, or the sender is in a sub-domain', async () => {
    const raw = await signedBy('gw', 'pat@partner.example')
    const choices: (Record<string, Uint8Array[]> | undefined)[] = [undefined, {}, { 'other.example': [L.gw!.certDer] }, { 'partner.example': [L.gwdns!.certDer] }]
    for (const gateways of choices) {
      const r = await open(raw, gateways)
      expect(r.verdict.signature, JSON.stringify(Object.keys(gateways ?? {}))).toBe('email-mismatch')
      expect(signer(r).gateway).toBeUndefined()
    }
    expect((await open(await signedBy('gw', 'pat@sub.partner.example'), { 'partner.example': [L.gw!.certDer] })).verdict.signature).toBe('email-mismatch')
    expect((await open(await signedBy('gw', 'pat@other.example'), { 'partner.example': [L.gw!.certDer] })).verdict.signature).toBe('email-mismatch')
  })

  it('an email mismatch when the accepted certificate does not name the domain at all', async () => {
    const r = await open(await signedBy('alice', 'pat@partner.example'), { 'partner.example': [L.alice!.certDer] })
    expect(r.verdict.signature).toBe('email-mismatch')
  })

  it('an email mismatch when the protected inner From names someone else', async () => {
    const r = await open(await signedBy('gw', 'pat@partner.example', 'ceo@partner.example'), { 'partner.example': [L.gw!.certDer] })
    expect(r.verdict.signature).toBe('email-mismatch')
    expect(signer(r).gateway).toBeUndefined()
  })

  it('expired, revoked, not for email, or untrusted: the gateway certificate’s own problem, never "gateway"', async () => {
    const cases: [string, string, Keyring][] = [
      ['gwold', 'expired', keyring()],
      ['gwrev', 'revoked', keyring()],
      ['gwsrv', 'not-email-cert', keyring()],
      ['gw', 'untrusted', keyring({ trustAnchors: [] })],
    ]
    for (const [who, want, k] of cases) {
      const r = await open(await signedBy(who, 'pat@partner.example'), { 'partner.example': [L[who]!.certDer] }, k)
      expect(r.verdict.signature, who).toBe(want)
      expect(signer(r).gateway, who).toBe('partner.example')
    }
  })

  it('invalid when the signed content was altered', async () => {
    const raw = new TextDecoder('latin1').decode(await signedBy('gw', 'pat@partner.example')).replace('The contract', 'The kontract')
    const r = await open(enc(raw), { 'partner.example': [L.gw!.certDer] })
    expect(r.verdict.signature).toBe('invalid')
  })
})
