/**
 * Issue #3, reply/signing oracles: someone else's ciphertext under the attacker's own
 * valid signature (encrypted inside signed, RFC 8551 §3.7). The engine still decrypts it
 * and keeps the verdict, but marks the envelope layer `foreignCiphertext` with a
 * 'rewrapped-ciphertext' error when no signer of the enclosing signed layer is one of
 * its recipients. Legitimate encrypt-then-sign (the signer encrypted to themselves) is
 * not marked. Real keys from OpenSSL (tests/hostile-corpus/pki.ts).
 *
 * Since issue 16 a signature over the ciphertext only never counts toward
 * verdict.signature ('none'): its signer is listed with coversEnvelopeOnly, the status
 * its own checks gave it unchanged.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPfx } from '../../../src/core/pkcs12'
import { createPki } from '../../interop/harness/pki'
import { openMessage, REWRAPPED_CODE, type LayerReport } from '../../../src/core/message'
import { makeCorpusPki, type CorpusPki } from '../../hostile-corpus/build'
import { encryptedEntity, envelope, message, randomSecret, secretEntity, signedEntity } from '../../hostile-corpus/mime'
import { oracleCases } from '../../hostile-corpus/oracles'

const crypto = globalThis.crypto
let pki: CorpusPki

beforeAll(async () => {
  pki = await makeCorpusPki()
}, 120_000)

afterAll(async () => {
  await pki?.cleanup()
})

const envelopeLayer = (layers: LayerReport[]) => layers.find((l) => l.kind !== 'signed')
/** The first signer of the outermost layer (the one around the ciphertext). */
const envelopeSigner = (layers: LayerReport[]) => (layers[0]?.kind === 'signed' ? layers[0].signers[0] : undefined)

describe('re-signed ciphertext (rewrapped-ciphertext)', () => {
  it("corpus oracle-resigned-ciphertext: Mallory's signature around Alice's ciphertext is marked and does not count (signs the envelope only)", async () => {
    const c = (await oracleCases(pki, crypto)).find((x) => x.name === 'oracle-resigned-ciphertext')!
    const r = await openMessage(c.raw, pki.keyring(), crypto)
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    expect(envelopeSigner(r.report.layers)).toMatchObject({ status: 'valid', coversEnvelopeOnly: true })
    expect(r.report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped'])
    const env = envelopeLayer(r.report.layers)!
    expect(env.foreignCiphertext).toEqual({ signer: pki.mallory.email })
    const entry = r.report.errors.find((e) => e.code === REWRAPPED_CODE)
    expect(entry?.message).toContain(`signed by ${pki.mallory.email}, who was not one of its recipients`)
    // Still decrypted (the reply path, not the engine, keeps it from being quoted).
    expect(r.report.text).toContain(c.expected.neverQuoted![0]!)
  })

  it('legitimate encrypt-then-sign: Alice encrypts to Bob and herself, then signs → not marked, still only the envelope is signed', async () => {
    const secret = randomSecret('legit')
    const { entity: enc } = await encryptedEntity(secretEntity(secret), [pki.bob.certificate, pki.alice.certificate], 'aes-256-gcm', crypto)
    const raw = message(envelope(`Alice <${pki.alice.email}>`, 'Launch'), await signedEntity(enc, pki.alice, crypto))
    const r = await openMessage(raw, pki.keyring(), crypto)
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    expect(envelopeSigner(r.report.layers)).toMatchObject({ status: 'valid', coversEnvelopeOnly: true })
    const env = envelopeLayer(r.report.layers)!
    expect(env.foreignCiphertext).toBeUndefined()
    expect(r.report.errors).toEqual([])
  })

  it("triple wrap by Alice (sign, encrypt to Bob and Alice, sign) → not marked; Mallory's signature added around it → marked", async () => {
    const inner = await signedEntity(secretEntity(randomSecret('triple')), pki.alice, crypto)
    const { entity: enc } = await encryptedEntity(inner, [pki.bob.certificate, pki.alice.certificate], 'aes-256-cbc', crypto)
    const byAlice = await signedEntity(enc, pki.alice, crypto)
    const ok = await openMessage(message(envelope(`Alice <${pki.alice.email}>`, 'x'), byAlice), pki.keyring(), crypto)
    expect(ok.report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped', 'signed'])
    expect(ok.report.errors.map((e) => e.code)).not.toContain(REWRAPPED_CODE)
    // The outer signature signs the envelope only; Alice's inner one covers the content and counts.
    expect(ok.report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(ok.report.layers[0]!.kind === 'signed' && ok.report.layers[0]!.signers[0]!.coversEnvelopeOnly).toBe(true)
    // Mallory wraps Alice's whole signed message in her own signature: Alice's inner signer is
    // a recipient, but Mallory's outer one is not.
    const wrapped = await signedEntity(byAlice, pki.mallory, crypto)
    const bad = await openMessage(message(envelope(`Mallory <${pki.mallory.email}>`, 'x'), wrapped), pki.keyring(), crypto)
    const env = envelopeLayer(bad.report.layers)!
    expect(env.foreignCiphertext).toEqual({ signer: pki.mallory.email })
  })

  it("Eve's untrusted certificate for Alice's address does not borrow Alice's recipient entry", async () => {
    const { entity: enc } = await encryptedEntity(secretEntity(randomSecret('eve')), [pki.bob.certificate, pki.alice.certificate], 'aes-256-cbc', crypto)
    const raw = message(envelope(`Alice <${pki.alice.email}>`, 'x'), await signedEntity(enc, pki.eve, crypto))
    const kr = pki.keyring()
    const r = await openMessage(raw, { ...kr, certificates: [...kr.certificates, pki.alice.certificate] }, crypto)
    expect(r.report.verdict.signature).toBe('none')
    expect(envelopeSigner(r.report.layers)?.status).toBe('untrusted')
    expect(r.report.errors.map((e) => e.code)).toContain(REWRAPPED_CODE)
  })

  it('the signer is the only recipient (a note to self, signed after encrypting) → not marked', async () => {
    const { entity: enc } = await encryptedEntity(secretEntity(randomSecret('self')), [pki.bob.certificate], 'aes-256-cbc', crypto)
    const raw = message(envelope(`Bob <${pki.bob.email}>`, 'x'), await signedEntity(enc, pki.bob, crypto))
    const r = await openMessage(raw, pki.keyring(), crypto)
    expect(r.report.verdict.encryption).toBe('decrypted')
    expect(r.report.errors.map((e) => e.code)).not.toContain(REWRAPPED_CODE)
  })

  it("a signer who encrypted to her separate encryption certificate (same address, in the keyring) → not marked; without it known → marked", async () => {
    // Carol signs with one certificate and receives with another for the same address.
    const other = await createPki('cachet-rewrap')
    try {
      const sign = await other.issue('carolsign', { key: 'p256', email: 'carol@example.test' })
      const encCert = await other.issue('carolenc', { key: 'rsa2048', email: 'carol@example.test' })
      const carol = (await readPfx(new Uint8Array(await readFile(sign.pfxPath)), sign.password, crypto)).identities[0]!
      const { entity: enc } = await encryptedEntity(secretEntity(randomSecret('carol')), [pki.bob.certificate, encCert.certDer], 'aes-256-cbc', crypto)
      const raw = message(envelope(`Carol <carol@example.test>`, 'x'), await signedEntity(enc, carol, crypto))
      const kr = pki.keyring()
      const trusting = { ...kr, trustAnchors: [...kr.trustAnchors, other.root.certDer], certificates: [...kr.certificates, other.intermediate.certDer] }
      const known = await openMessage(raw, { ...trusting, certificates: [...trusting.certificates, encCert.certDer] }, crypto)
      expect(known.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
      expect(envelopeSigner(known.report.layers)?.status).toBe('valid')
      expect(known.report.errors.map((e) => e.code)).not.toContain(REWRAPPED_CODE)
      const unknown = await openMessage(raw, trusting, crypto)
      expect(unknown.report.errors.map((e) => e.code)).toContain(REWRAPPED_CODE)
    } finally {
      await other.cleanup()
    }
  }, 60_000)

  it('encrypted to Bob only and signed by Alice (she kept no copy) → marked: Alice may be passing on what she did not write', async () => {
    const { entity: enc } = await encryptedEntity(secretEntity(randomSecret('nocopy')), [pki.bob.certificate], 'aes-256-cbc', crypto)
    const raw = message(envelope(`Alice <${pki.alice.email}>`, 'x'), await signedEntity(enc, pki.alice, crypto))
    const r = await openMessage(raw, pki.keyring(), crypto)
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
    const env = envelopeLayer(r.report.layers)!
    expect(env.foreignCiphertext).toEqual({ signer: pki.alice.email })
  })
})
