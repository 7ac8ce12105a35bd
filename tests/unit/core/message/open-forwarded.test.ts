/**
 * Issue 16: forwarded messages (message/rfc822 parts) are messages of their own. Each is
 * opened on its own (report.forwarded) with its own From, Date and verdict, which never
 * becomes the enclosing message's verdict nor the other way round; an encrypted one is
 * never decrypted there; nesting is capped. Signed and encrypted by OpenSSL during the test.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { MAX_FORWARDED, MAX_FORWARDED_DEPTH } from '../../../../src/core/message/forwarded'
import type { SecurityReport } from '../../../../src/core/message/report'
import { opensslEncrypt, opensslSign } from '../../../interop/harness/openssl-cms'
import { crlf, textEntity } from '../../../interop/harness/eml'
import { openssl } from '../../../interop/harness/run'
import { fromHex } from '../../../../src/core/util/bytes'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { plainEntity, signExact } from './careful'
import { dec, withFixture, type Fixture } from './fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

const now = () => new Date().toUTCString()

/** A whole message: the header of `from` and the given entity (its own Content-Type) as body. */
const message = (from: string, subject: string, entity: Uint8Array) =>
  Buffer.concat([Buffer.from(`From: <${from}>\r\nTo: someone@example.test\r\nSubject: ${subject}\r\nDate: ${now()}\r\n`), Buffer.from(/^MIME-Version:/i.test(dec(entity.subarray(0, 13))) ? '' : 'MIME-Version: 1.0\r\n'), crlf(entity)])

/** An entity (no message header) that says `text` and forwards each message as a message/rfc822 part. */
function forwardEntity(text: string, ...forwarded: Uint8Array[]): Buffer {
  const b = `fwd${Math.random().toString(36).slice(2)}`
  return Buffer.concat([
    Buffer.from(`Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\nContent-Type: text/plain\r\n\r\n${text}\r\n`),
    ...forwarded.flatMap((m) => [Buffer.from(`--${b}\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n`), Buffer.from(m), Buffer.from('\r\n')]),
    Buffer.from(`--${b}--\r\n`),
  ])
}

const signerOf = (r: SecurityReport) => r.layers.flatMap((l) => (l.kind === 'signed' ? l.signers : []))[0]

describe('a forwarded message is opened on its own', () => {
  it('a validly signed message forwarded in an unsigned one: the outer is unsigned, the forwarded one signed by its author', async () => {
    const inner = message(f.leaves.bob.email, 'plan', await opensslSign(f.pki.dir, f.leaves.bob, plainEntity()))
    const raw = message(f.leaves.alice.email, 'Fwd: plan', forwardEntity('See below.', inner))
    const r = await openMessage(raw, f.keyring([]), crypto)
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(r.report.layers).toEqual([])
    expect(r.report.forwarded).toHaveLength(1)
    const fwd = r.report.forwarded![0]!
    expect(fwd).toMatchObject({ path: [1], depth: 1 })
    expect(fwd.encryptedNotOpened).toBeUndefined()
    expect(fwd.report.verdict).toEqual({ signature: 'valid', encryption: 'none' })
    expect(fwd.report.from).toBe(`<${f.leaves.bob.email}>`)
    expect(fwd.report.subject).toBe('plan')
    expect(signerOf(fwd.report)?.email).toBe(f.leaves.bob.email)
    expect(fwd.report.text).toBe('Pay 100 EUR to Bob.\r\nThanks, Alice\r\n')
    // The outer text is only its own: nothing of the forwarded message.
    expect(r.report.text).toBe('See below.')
    // The bytes to display it: the enclosed message as sent, and its content without the signature.
    const bytes = r.forwarded[0]!
    expect(bytes.path).toEqual([1])
    expect(dec(bytes.raw)).toMatch(new RegExp(`^From: <${f.leaves.bob.email}>\\r\\n`))
    expect(dec(bytes.inner)).toContain('Pay 100 EUR to Bob.')
    expect(dec(bytes.inner)).not.toContain('application/pkcs7-signature')
  })

  it('an altered forwarded message is invalid on its own; the signed outer message around it stays valid', async () => {
    const inner = message(f.leaves.bob.email, 'plan', await opensslSign(f.pki.dir, f.leaves.bob, plainEntity()))
    const altered = Buffer.from(inner.toString('latin1').replace('Pay 100', 'Pay 900'), 'latin1')
    const outerSigned = await signExact(f, f.leaves.alice, forwardEntity('See below.', altered))
    const r = await openMessage(message(f.leaves.alice.email, 'Fwd: plan', outerSigned), f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('valid') // alice signed exactly these bytes
    expect(r.report.forwarded![0]!.report.verdict.signature).toBe('invalid')
    expect(signerOf(r.report)?.email).toBe(f.leaves.alice.email)
  })

  it('an unsigned message forwarded inside a signed one claims no signature', async () => {
    const inner = message(f.leaves.bob.email, 'note', textEntity('Unsigned note.'))
    const outerSigned = await signExact(f, f.leaves.alice, forwardEntity('Forwarding.', inner))
    const r = await openMessage(message(f.leaves.alice.email, 'Fwd: note', outerSigned), f.keyring([]), crypto)
    expect(r.report.verdict.signature).toBe('valid')
    expect(r.report.forwarded![0]!.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(r.report.forwarded![0]!.report.layers).toEqual([])
  })

  it('an encrypted forwarded message is never decrypted there, even with the key at hand', async () => {
    const secret = 'FORWARDED-SECRET-5512'
    const inner = message(f.leaves.alice.email, 'secret', await opensslEncrypt(f.pki.dir, [f.leaves.bob], textEntity(secret)))
    const r = await openMessage(message(f.leaves.alice.email, 'Fwd: secret', forwardEntity('Can you read this?', inner)), f.keyring(['bob']), crypto)
    const fwd = r.report.forwarded![0]!
    expect(fwd.encryptedNotOpened).toBe(true)
    expect(fwd.report.verdict.encryption).toBe('not-for-you')
    expect(r.report.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(JSON.stringify(r.report) + dec(r.forwarded[0]!.inner) + dec(r.inner)).not.toContain(secret)
  })

  it('nor by a key-encryption key the caller passed (DecryptOptions.kek): that is for the message itself only', async () => {
    const secret = 'KEK-FORWARDED-3390'
    const key = '000102030405060708090A0B0C0D0E0F'
    const id = 'C0FEE0'
    const inFile = join(f.pki.dir, 'kek-forwarded.in')
    await writeFile(inFile, textEntity(secret))
    const kekMessage = (subject: string) => openssl(['cms', '-encrypt', '-aes-128-cbc', '-secretkey', key, '-secretkeyid', id, '-in', inFile]).then((e) => message(f.leaves.alice.email, subject, e))
    const decrypt = { kek: [{ id: fromHex(id), key: fromHex(key) }] }
    // The key works: the message itself, opened with it, is decrypted.
    const direct = await openMessage(await kekMessage('direct'), f.keyring([]), crypto, { decrypt })
    expect(direct.report.verdict.encryption).toBe('decrypted')
    expect(direct.report.text).toContain(secret)
    const r = await openMessage(message(f.leaves.alice.email, 'Fwd', forwardEntity('Look.', await kekMessage('wrapped'))), f.keyring([]), crypto, { decrypt })
    expect(r.report.forwarded![0]!.encryptedNotOpened).toBe(true)
    expect(r.report.forwarded![0]!.report.verdict.encryption).not.toBe('decrypted')
    expect(JSON.stringify(r.report) + dec(r.forwarded[0]!.inner)).not.toContain(secret)
  })

  it(`nesting stops after ${MAX_FORWARDED_DEPTH} levels: deeper forwarded messages stay attachments`, async () => {
    let m = message(f.leaves.bob.email, 'level 5', textEntity('the bottom'))
    for (let level = 4; level >= 1; level--) m = message(f.leaves.bob.email, `level ${level}`, forwardEntity(`level ${level}`, m))
    const r = await openMessage(message(f.leaves.alice.email, 'top', forwardEntity('top', m)), f.keyring([]), crypto)
    const subjects: string[] = []
    let level = r.report.forwarded
    let bytes = r.forwarded
    while (level?.length) {
      subjects.push(`${level[0]!.depth}:${level[0]!.report.subject}`)
      expect(bytes).toHaveLength(level.length)
      bytes = bytes[0]!.forwarded
      level = level[0]!.report.forwarded
    }
    expect(subjects).toEqual(['1:level 1', '2:level 2', '3:level 3'])
    expect(bytes).toEqual([])
  })

  it(`at most ${MAX_FORWARDED} forwarded messages are opened for one message, all levels together`, async () => {
    const many = Array.from({ length: MAX_FORWARDED + 4 }, (_, i) => message(f.leaves.bob.email, `n${i}`, textEntity(`number ${i}`)))
    const r = await openMessage(message(f.leaves.alice.email, 'many', forwardEntity('many', ...many)), f.keyring([]), crypto)
    expect(r.report.forwarded).toHaveLength(MAX_FORWARDED)
    expect(r.report.forwarded!.map((x) => x.path)).toEqual(Array.from({ length: MAX_FORWARDED }, (_, i) => [i + 1]))
  })

  it('forwarded: false opens none; a plain message has no forwarded field', async () => {
    const inner = message(f.leaves.bob.email, 'plan', textEntity('x'))
    const raw = message(f.leaves.alice.email, 'Fwd', forwardEntity('See below.', inner))
    const off = await openMessage(raw, f.keyring([]), crypto, { forwarded: false })
    expect(off.report.forwarded).toBeUndefined()
    expect(off.forwarded).toEqual([])
    const plain = await openMessage(message(f.leaves.alice.email, 'plain', textEntity('hi')), f.keyring([]), crypto)
    expect(plain.report.forwarded).toBeUndefined()
  })
})
