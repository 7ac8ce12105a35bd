/**
 * Issue 16: a signed part inside a larger unsigned message (a list footer added after it).
 * The message stays unsigned as a whole; the signed part is verified on its own
 * (report.signedParts) with the enclosing From; an encrypted part there is still never
 * decrypted (EFAIL). Signed by OpenSSL during the test.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { opensslEncrypt, opensslSign } from '../../../interop/harness/openssl-cms'
import { crlf, textEntity } from '../../../interop/harness/eml'
import { plainEntity } from './careful'
import { withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

/** A multipart/mixed: the given entity first, then an unsigned footer, as a list sends it. */
function withFooter(from: string, entity: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from(`From: <${from}>\r\nTo: list@example.test\r\nSubject: [list] plan\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="list"\r\n\r\n--list\r\n`),
    crlf(entity),
    Buffer.from('\r\n--list\r\nContent-Type: text/plain\r\n\r\nTo unsubscribe, pay 900 EUR to Mallory.\r\n--list--\r\n'),
  ])
}

describe('a signed part inside a larger unsigned message', () => {
  it('the message is not signed; the signed part is verified on its own, with its path', async () => {
    const signed = await opensslSign(f.pki.dir, f.leaves.alice, plainEntity())
    const r = await openMessage(withFooter(f.leaves.alice.email, signed), f.keyring([]), crypto)
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(r.report.layers).toEqual([])
    expect(r.report.signedParts).toHaveLength(1)
    const part = r.report.signedParts![0]!
    expect(part).toMatchObject({ path: [0], contentType: 'multipart/signed', signature: 'valid' })
    expect(part.layers[0]!.kind === 'signed' && part.layers[0]!.signers[0]!.email).toBe(f.leaves.alice.email)
    expect(r.view.embedded.map((e) => e.path)).toEqual([[0]])
  })

  it('the From rule uses the enclosing message: another sender is email-mismatch; an altered part is invalid', async () => {
    const signed = await opensslSign(f.pki.dir, f.leaves.alice, plainEntity())
    const other = await openMessage(withFooter(f.leaves.bob.email, signed), f.keyring([]), crypto)
    expect(other.report.signedParts![0]!.signature).toBe('email-mismatch')
    const evil = Buffer.from(withFooter(f.leaves.alice.email, signed).toString('latin1').replace('Pay 100', 'Pay 900'), 'latin1')
    expect((await openMessage(evil, f.keyring([]), crypto)).report.signedParts![0]!.signature).toBe('invalid')
  })

  it('an encrypted part beside it is still not decrypted, and nothing of a signed part is verified when there is none', async () => {
    const encrypted = await opensslEncrypt(f.pki.dir, [f.leaves.bob], textEntity('SECRET-7731\r\n'))
    const r = await openMessage(withFooter(f.leaves.alice.email, encrypted), f.keyring(['bob']), crypto)
    expect(r.report.verdict.encryption).toBe('none')
    expect(r.report.signedParts).toBeUndefined()
    expect(JSON.stringify(r.report)).not.toContain('SECRET-7731')
  })
})

describe('a forwarded signed message (message/rfc822)', () => {
  it('is verified with its own From and Date, as a message of its own', async () => {
    const signed = await opensslSign(f.pki.dir, f.leaves.bob, plainEntity())
    const forwarded = Buffer.concat([Buffer.from(`From: <${f.leaves.bob.email}>\r\nTo: ${f.leaves.alice.email}\r\nSubject: plan\r\nDate: ${new Date().toUTCString()}\r\n`), crlf(signed)])
    const raw = Buffer.concat([
      Buffer.from(`From: <${f.leaves.alice.email}>\r\nTo: carol@example.test\r\nSubject: Fwd: plan\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="fwd"\r\n\r\n--fwd\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--fwd\r\nContent-Type: message/rfc822\r\n\r\n`),
      forwarded,
      Buffer.from('\r\n--fwd--\r\n'),
    ])
    const r = await openMessage(raw, f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('none')
    expect(r.report.signedParts).toHaveLength(1)
    expect(r.report.signedParts![0]).toMatchObject({ path: [1, 0], forwarded: true, signature: 'valid' })
  })
})
