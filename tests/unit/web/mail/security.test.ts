/**
 * The reading pane's security words (mail/security.ts) over REAL engine reports: messages
 * sealed by core over an OpenSSL-made PKI, opened by core with different keyrings.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { sealMessage } from '../../../../src/core/message/seal'
import type { Keyring } from '../../../../src/core/types'
import { algorithmName, foreignCiphertextSigner, SIGNER_STATUS_WORDS, summarizeSecurity } from '../../../../src/web/mail/security'
import { encryptedEntity, envelope, message, secretEntity, signedEntity } from '../../../hostile-corpus/mime'
import { dec, draft, enc, withFixture, type Fixture } from '../../core/message/fixture'
import { concat } from '../../../../src/core/util/bytes'
import { encryptExact } from '../../core/message/careful'
import { textEntity, withHeaders } from '../../../interop/harness/eml'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

const fromAlice = (body = 'Hello.\r\n') => draft(`Alice <${f.leaves.alice.email}>`, f.leaves.bob.email, body)
async function summary(raw: Uint8Array, keyring: Keyring) {
  return summarizeSecurity((await openMessage(raw, keyring, crypto)).report)
}

describe('summarizeSecurity', () => {
  it('verified signature names the signer and carries the verdict values', async () => {
    const raw = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const s = await summary(raw, f.keyring([]))
    expect(s.signature).toBe('valid')
    expect(s.encryption).toBe('none')
    expect(s.signed).toEqual({ tone: 'good', text: `Signed by ${f.leaves.alice.email}, verified` })
    expect(s.encrypted).toBeNull()
    expect(s.signerEmails).toEqual([f.leaves.alice.email])
  })

  it('unknown issuer: not trusted, and the signer address still shown', async () => {
    const raw = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const s = await summary(raw, f.keyring([], { trustAnchors: [] }))
    expect(s.signature).toBe('untrusted')
    expect(s.signed!.text).toMatch(/^Signature not trusted: issuer unknown/)
    expect(s.signed!.text).toContain(f.leaves.alice.email)
  })

  it('altered body: invalid', async () => {
    const raw = dec(await sealMessage(fromAlice('Pay 10 EUR.\r\n'), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto))
    const s = await summary(enc(raw.replace('Pay 10 EUR.', 'Pay 99 EUR.')), f.keyring([]))
    expect(s.signature).toBe('invalid')
    expect(s.signed).toEqual({ tone: 'bad', text: 'Signature invalid: the message was altered' })
  })

  it('signer is not the From address: names both', async () => {
    const raw = await sealMessage(draft(`Bob <${f.leaves.bob.email}>`, f.leaves.alice.email), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const s = await summary(raw, f.keyring([]))
    expect(s.signature).toBe('email-mismatch')
    expect(s.signed!.text).toBe(`Signed by ${f.leaves.alice.email}, who is not the sender ${f.leaves.bob.email}`)
  })

  it('signed by the accepted mail gateway of the sender’s domain: "Signed by the … mail gateway, not by the person", never verified nor a mismatch (issue 10)', async () => {
    // alice's certificate names example.test: accepted here as that domain's gateway, it signs for pat@example.test.
    const raw = await sealMessage(draft(`Pat <pat@example.test>`, f.leaves.bob.email), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const report = (await openMessage(raw, f.keyring([]), crypto, { gateways: { 'example.test': [f.leaves.alice.certDer] } })).report
    const s = summarizeSecurity(report)
    expect(s.signature).toBe('gateway')
    expect(s.signed).toEqual({ tone: 'warn', text: 'Signed by the example.test mail gateway, not by the person (pat@example.test)' })
    expect(s.signed!.text).not.toMatch(/verified|not the sender/)
    expect(SIGNER_STATUS_WORDS.gateway).toMatch(/mail gateway.*not by the person/)
    // Without the acceptance it is what it always was.
    expect((await summary(raw, f.keyring([]))).signature).toBe('email-mismatch')
  })

  it('a gateway signature on a re-dated message is not shown plainly: the date warning follows the gateway words (issue 10)', async () => {
    const raw = dec(await sealMessage(draft(`Pat <pat@example.test>`, f.leaves.bob.email), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto))
    const redated = enc(raw.replace(/^Date: .*$/m, 'Date: Mon, 23 Nov 2026 05:00:00 +0000'))
    const s = summarizeSecurity((await openMessage(redated, f.keyring([]), crypto, { gateways: { 'example.test': [f.leaves.alice.certDer] } })).report)
    expect(s.signature).toBe('gateway')
    expect(s.signed!.tone).toBe('warn')
    expect(s.signed!.text).toMatch(/^Signed by the example\.test mail gateway, not by the person \(pat@example\.test\), but the message is dated 2026-11-23T05:00:00\.000Z/)
  })

  it('expired and not-for-email certificates say so, with the signer address', async () => {
    const { readPfx } = await import('../../../../src/core/pkcs12')
    const { readFile } = await import('node:fs/promises')
    for (const [name, opts, verdict, words] of [
      ['old', { key: 'rsa2048', expired: true, email: 'old@example.test' }, 'expired', /^Certificate expired: signed by old@example\.test/],
      ['tls', { key: 'rsa2048', eku: 'serverAuth', email: 'tls@example.test' }, 'not-email-cert', /^Certificate not for email: tls@example\.test/],
    ] as const) {
      const leaf = await f.pki.issue(name, opts)
      const id = (await readPfx(new Uint8Array(await readFile(leaf.pfxPath)), leaf.password, crypto)).identities[0]!
      const raw = await sealMessage(draft(leaf.email, f.leaves.bob.email), { identity: id, sign: true, encrypt: false, recipients: [], allowExpired: true }, crypto)
      const s = await summary(raw, f.keyring([]))
      expect(s.signature).toBe(verdict)
      expect(s.signed!.text).toMatch(words)
    }
  })

  it('GCM: "Encrypted with AES-256-GCM for you"; CBC: no integrity and no remote content', async () => {
    const gcm = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer], cipher: 'aes-256-gcm' }, crypto)
    const g = await summary(gcm, f.keyring(['bob']))
    expect(g.encryption).toBe('decrypted')
    expect(g.encrypted).toEqual({ tone: 'good', text: 'Encrypted with AES-256-GCM for you' })
    expect(g.noIntegrity).toBe(false)
    const cbc = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer], cipher: 'aes-256-cbc' }, crypto)
    const c = await summary(cbc, f.keyring(['bob']))
    expect(c.encrypted!.text).toMatch(/^Encrypted \(AES-256-CBC\) — no integrity protection/)
    expect(c.noIntegrity).toBe(true)
  })

  it('not for one of our keys: names issuer and serial of each recipient certificate', async () => {
    const raw = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const s = await summary(raw, f.keyring(['erin']))
    expect(s.encryption).toBe('not-for-you')
    expect(s.encrypted!.text).toMatch(/^This message is encrypted for a certificate you have not imported: issuer .+, serial [0-9a-f]+/)
    expect(s.signed).toBeNull()
  })

  it('for our key but the key store is locked: says so, verdict unchanged', async () => {
    const raw = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const report = (await openMessage(raw, f.keyring([]), crypto)).report
    const s = summarizeSecurity(report, { keyLocked: true })
    expect(s.encryption).toBe('not-for-you')
    expect(s.encrypted!.text).toMatch(/your key store is locked/)
  })

  it('signed and encrypted: both lines', async () => {
    const raw = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer], cipher: 'aes-256-gcm' }, crypto)
    const s = await summary(raw, f.keyring(['bob']))
    expect([s.signature, s.encryption]).toEqual(['valid', 'decrypted'])
    expect(s.signed!.tone).toBe('good')
    expect(s.encrypted!.tone).toBe('good')
  })

  it('plain mail: no lines', async () => {
    const s = await summary(fromAlice(), f.keyring([]))
    expect([s.signature, s.encryption, s.signed, s.encrypted]).toEqual(['none', 'none', null, null])
  })

  it("encrypted content re-signed by someone not among its recipients: a prominent warning names the signer; only the envelope is signed", async () => {
    // Erin signs ciphertext that Alice encrypted for Bob and herself (encrypted inside signed).
    const { entity: ciphertext } = await encryptedEntity(secretEntity('SECRET-for-bob'), [f.leaves.bob.certDer, f.leaves.alice.certDer], 'aes-256-cbc', crypto)
    const raw = message(envelope(`Erin <${f.leaves.erin.email}>`, 'Question'), await signedEntity(ciphertext, f.ids.erin, crypto))
    const report = (await openMessage(raw, f.keyring(['bob']), crypto)).report
    const s = summarizeSecurity(report)
    expect([s.signature, s.encryption]).toEqual(['none', 'decrypted'])
    expect(s.signed).toEqual({ tone: 'warn', text: `Only the encrypted envelope is signed (by ${f.leaves.erin.email}): that does not show who wrote the message` })
    expect(foreignCiphertextSigner(report)).toBe(f.leaves.erin.email)
    expect(s.rewrapped).toEqual({
      tone: 'bad',
      text: `The encrypted part was signed by ${f.leaves.erin.email}, who was not one of its recipients: ${f.leaves.erin.email} may not have written it. It is not quoted when you reply or forward.`,
    })
    // Alice signing what she encrypted to Bob and herself: no warning.
    const own = message(envelope(`Alice <${f.leaves.alice.email}>`, 'Plans'), await signedEntity(ciphertext, f.ids.alice, crypto))
    const ok = (await openMessage(own, f.keyring(['bob']), crypto)).report
    expect(foreignCiphertextSigner(ok)).toBeNull()
    expect(summarizeSecurity(ok).rewrapped).toBeNull()
  })

  it('a Date header more than an hour from the signing time: verified, but a warning names both times (issue 16)', async () => {
    const old = 'Mon, 23 Nov 2026 05:00:00 +0000'
    const raw = dec(await sealMessage(fromAlice(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto))
    const redated = enc(raw.replace(/^Date: .*$/m, `Date: ${old}`))
    const report = (await openMessage(redated, f.keyring([]), crypto)).report
    const s = summarizeSecurity(report)
    expect(s.signature).toBe('valid')
    const signingTime = report.layers[0]!.kind === 'signed' ? report.layers[0]!.signers[0]!.signingTime : null
    expect(s.signed).toEqual({
      tone: 'warn',
      text: `Signed by ${f.leaves.alice.email}, verified, but the message is dated 2026-11-23T05:00:00.000Z but was signed at ${signingTime}: it may have been re-dated or sent again`,
    })
  })

  it('a broken outer signature around a valid inner one: verified by the inner signer (issue 16)', async () => {
    const inner = await signedEntity(secretEntity('Inner words'), f.ids.alice, crypto)
    const outer = dec(await signedEntity(inner, f.ids.alice, crypto))
    // Break the outer signature where only it reaches: the inner message's preamble (a list rewrote it).
    const first = outer.indexOf('This is an S/MIME signed message')
    const second = outer.indexOf('This is an S/MIME signed message', first + 1)
    expect(second).toBeGreaterThan(first)
    const broken = outer.slice(0, second) + 'This is an S/MIME signed massage' + outer.slice(second + 32)
    const report = (await openMessage(message(envelope(`Alice <${f.leaves.alice.email}>`, 'x'), enc(broken)), f.keyring([]), crypto)).report
    expect(report.layers.flatMap((l) => (l.kind === 'signed' ? l.signers.map((x) => x.status) : []))).toEqual(['invalid', 'valid'])
    const s = summarizeSecurity(report)
    expect(s.signature).toBe('valid')
    expect(s.signed!.text).toMatch(new RegExp(`^Signed by ${f.leaves.alice.email}, verified`))
  })

  it('40-bit RC2 (made by OpenSSL): refused, and the words say the cipher is worthless, not unknown (issue 16)', async () => {
    const raw = withHeaders({ from: f.leaves.alice.email, to: f.leaves.bob.email, subject: 'old' }, await encryptExact(f, [f.leaves.bob], textEntity('weak\r\n'), 'rc2-40-cbc'))
    const s = await summary(raw, f.keyring(['bob']))
    expect(s.encryption).toBe('unsupported')
    expect(s.encrypted).toEqual({ tone: 'bad', text: 'Encrypted with rc2-40-cbc, which anyone who captured the message can break: it is not confidential, so it is not shown' })
  })

  it('40-bit RC2 read on request: "Read as unprotected text" offered first, then never confidential (issue 16)', async () => {
    const raw = withHeaders({ from: f.leaves.alice.email, to: f.leaves.bob.email, subject: 'old' }, await encryptExact(f, [f.leaves.bob], textEntity('weak\r\n'), 'rc2-40-cbc'))
    const refused = await summary(raw, f.keyring(['bob']))
    expect(refused.readableAsUnprotected).toBe(true)
    expect(refused.unprotected).toBe(false)
    const read = summarizeSecurity((await openMessage(raw, f.keyring(['bob']), crypto, { allowWeakCiphers: true })).report)
    expect(read.encryption).toBe('decrypted')
    expect(read.readableAsUnprotected).toBe(false)
    expect(read.unprotected).toBe(true)
    expect(read.encrypted).toEqual({ tone: 'bad', text: 'Not confidential: encrypted with rc2-40-cbc, which anyone who captured the message can break; you are reading it as unprotected text' })
    expect(read.noIntegrity).toBe(true) // CBC: remote content stays blocked
    const aes = await summary(withHeaders({ from: f.leaves.alice.email, to: f.leaves.bob.email, subject: 'new' }, await encryptExact(f, [f.leaves.bob], textEntity('fine\r\n'), 'aes-256-cbc')), f.keyring(['bob']))
    expect(aes.readableAsUnprotected).toBe(false)
    expect(aes.unprotected).toBe(false)
  })

  it('a signed part with a list footer after it: which part is signed, by whom, and that the rest is not (issue 16)', async () => {
    const part = await signedEntity(secretEntity('Signed words'), f.ids.alice, crypto)
    const raw = concat([
      enc(`From: Alice <${f.leaves.alice.email}>\r\nTo: list@example.test\r\nSubject: x\r\nDate: ${new Date().toUTCString()}\r\nContent-Type: multipart/mixed; boundary=l\r\n\r\n--l\r\n`),
      part,
      enc('\r\n--l\r\nContent-Type: text/plain\r\n\r\nFooter\r\n--l--\r\n'),
    ])
    const s = await summary(raw, f.keyring([]))
    expect(s.signature).toBe('none')
    expect(s.signed).toEqual({ tone: 'warn', text: `Only part 1 (signed by ${f.leaves.alice.email}, verified) of this message is signed; the rest is not signed` })
  })

  it('a forwarded signed message is named as such (issue 16)', async () => {
    const fwd = await signedEntity(secretEntity('Forwarded words'), f.ids.bob, crypto)
    const raw = concat([
      enc(`From: Alice <${f.leaves.alice.email}>\r\nTo: c@example.test\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary=l\r\n\r\n--l\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--l\r\nContent-Type: message/rfc822\r\n\r\n`),
      enc(`From: Bob <${f.leaves.bob.email}>\r\nSubject: plan\r\n`),
      fwd,
      enc('\r\n--l--\r\n'),
    ])
    const r = (await openMessage(raw, f.keyring([]), crypto)).report
    // The forwarded message has its own summary (report.forwarded): the outer one claims nothing for it.
    const s = summarizeSecurity(r)
    expect(s.signature).toBe('none')
    expect(s.signed).toBeNull()
    expect(s.signerEmails).toEqual([])
    const inner = summarizeSecurity(r.forwarded![0]!.report)
    expect(inner.signature).toBe('valid')
    expect(inner.signed).toEqual({ tone: 'good', text: `Signed by ${f.leaves.bob.email}, verified` })
    // Not opened on its own (past the engine's nesting bound): the outer summary still names it.
    const unopened = summarizeSecurity({ ...r, forwarded: undefined })
    expect(unopened.signed).toEqual({ tone: 'warn', text: `Only the forwarded message in part 2 (signed by ${f.leaves.bob.email}, verified) of this message is signed; the rest is not signed` })
  })

  it('a forwarded encrypted message is said to be not opened, never "not for you" (issue 16)', async () => {
    const { entity: fwd } = await encryptedEntity(secretEntity('Forwarded secret'), [f.ids.bob.certificate], 'aes-256-gcm', crypto)
    const raw = concat([
      enc(`From: Alice <${f.leaves.alice.email}>\r\nTo: c@example.test\r\nSubject: Fwd\r\nContent-Type: multipart/mixed; boundary=l\r\n\r\n--l\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--l\r\nContent-Type: message/rfc822\r\n\r\n`),
      enc(`From: Bob <${f.leaves.bob.email}>\r\nSubject: plan\r\n`),
      fwd,
      enc('\r\n--l--\r\n'),
    ])
    const r = (await openMessage(raw, f.keyring(['bob']), crypto)).report
    const fw = r.forwarded![0]!
    expect(fw.encryptedNotOpened).toBe(true)
    const s = summarizeSecurity(fw.report, { encryptedNotOpened: true })
    expect(s.encryption).toBe('not-for-you')
    expect(s.encrypted?.tone).toBe('warn')
    expect(s.encrypted?.text).toMatch(/^Encrypted, not opened: Cachet does not decrypt a message forwarded inside another one/)
  })

  it('over the size limit or nested too deeply: "Not checked", never "altered"; verdict stays invalid', async () => {
    const head = fromAlice()
    const huge = new Uint8Array(65 * 1024 * 1024 + 1).fill(0x61)
    huge.set(head)
    const big = await summary(huge, f.keyring([]))
    expect(big.signature).toBe('invalid')
    expect(big.signed).toEqual({ tone: 'warn', text: 'Not checked: this message is too large (over 64 MB) to verify or decrypt' })
    const signed = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const deep = summarizeSecurity((await openMessage(signed, f.keyring([]), crypto, { maxLayers: 0 })).report)
    expect(deep.signature).toBe('invalid')
    expect(deep.signed).toEqual({ tone: 'warn', text: 'Not checked: this message is nested too deeply to verify or decrypt' })
    // An altered signed body still says so.
    const text = dec(signed)
    const bad = await summary(enc(text.replace('Hello.', 'Hellp.')), f.keyring([]))
    expect(bad.signed).toEqual({ tone: 'bad', text: 'Signature invalid: the message was altered' })
  })

  it('algorithm names read as people write them', () => {
    expect(algorithmName('aes-256-gcm')).toBe('AES-256-GCM')
    expect(algorithmName('aes128CBC')).toBe('AES-128-CBC')
    expect(algorithmName('rc2-40')).toBe('rc2-40')
  })
})
