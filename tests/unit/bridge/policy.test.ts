/**
 * The organisation's policy at the bridge: POLICY_FILE read and validated at start,
 * GET /api/policy, and POST /api/send refusing (422) what a rule requires encrypted or
 * signed and is not, against the real Dovecot, where the refused message never arrives.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MessagePage, Policy } from '../../../src/contract/index'
import { loadConfig } from '../../../src/bridge/config'
import { contentInfoType, smimeShape } from '../../../src/bridge/policy/shape'
import { rawMessage, signIn, startHarness, waitFor, type Client, type Harness } from './harness'

const FIXTURES = join(import.meta.dirname, '../../fixtures/public/rfc9216')
const BOB_CERT = join(FIXTURES, 'bob@smime.example.enc.pem')
const ALICE_CERT = join(FIXTURES, 'alice@smime.example.sig.pem')
const ALICE_KEY = join(FIXTURES, 'lamps-alice.p8.pem')

const POLICY = Policy.parse({
  rules: [
    { name: 'Secure subject', when: [{ subjectContains: '[secure]' }], then: ['requireEncryption'] },
    { name: 'Legal signs', when: [{ recipientAddresses: ['carol@example.com'] }], then: ['requireSignature'] },
    // The bridge cannot see bodies: this rule is the app's alone, and never refuses here.
    { name: 'Cards', when: [{ bodyMatches: '\\d{16}' }], then: ['requireEncryption'] },
  ],
})

let dir: string
let h: Harness
let alice: Client
let bob: Client
let carol: Client

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-policy-'))
  h = await startHarness({ policy: POLICY })
  alice = await signIn(h.app, 'alice@example.com')
  bob = await signIn(h.app, 'bob@example.com')
  carol = await signIn(h.app, 'carol@example.com')
})
afterAll(async () => {
  await h?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const crlf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1')
let n = 0
/** An S/MIME message made by OpenSSL, with the given header fields on top. */
function openssl(args: string[], headers: string[]): Buffer {
  const input = join(dir, `in-${n++}.txt`)
  writeFileSync(input, 'Content-Type: text/plain\r\n\r\nThe numbers.\r\n')
  const out = execFileSync('openssl', [args[0]!, '-in', input, ...args.slice(1)])
  return Buffer.concat([Buffer.from(headers.join('\r\n') + '\r\n'), crlf(out)])
}
const headers = (subject: string, to = 'bob@example.com') => [`From: alice@example.com`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${Math.random().toString(36).slice(2)}@example.com>`, 'Date: ' + new Date().toUTCString()]
const encrypted = (subject: string, cipher = '-aes-256-cbc') => openssl(['cms', '-encrypt', '-binary', cipher, BOB_CERT], headers(subject))
const signed = (subject: string, to: string, opaque = false) =>
  openssl(['cms', '-sign', '-binary', '-signer', ALICE_CERT, '-inkey', ALICE_KEY, ...(opaque ? ['-nodetach'] : [])], headers(subject, to))

async function arrived(who: Client, subjectPart: string): Promise<boolean> {
  const page = MessagePage.parse((await who.get('/api/messages?mailbox=INBOX&limit=200')).json())
  return page.messages.some((m) => (m.subject ?? '').includes(subjectPart))
}

describe('POLICY_FILE at start', () => {
  const file = (name: string, text: string) => {
    const p = join(dir, name)
    writeFileSync(p, text)
    return p
  }

  it('reads YAML, and JSON', () => {
    const yaml = file('p.yaml', 'rules:\n  - name: Secure subject\n    when:\n      - subjectContains: "[secure]"\n    then: [requireEncryption]\n')
    expect(loadConfig({ POLICY_FILE: yaml }).policy.rules[0]).toEqual({ name: 'Secure subject', when: [{ subjectContains: '[secure]' }], then: ['requireEncryption'] })
    const json = file('p.json', JSON.stringify({ rules: [{ name: 'Partners sign', when: [{ recipientDomains: ['example.org'] }], then: ['sign'] }] }))
    expect(loadConfig({ POLICY_FILE: json }).policy.rules[0]!.name).toBe('Partners sign')
    expect(loadConfig({}).policy).toEqual({ rules: [] })
  })

  it('refuses to start on an invalid file, naming the rule and what is wrong', () => {
    const bad = file('bad.yaml', 'rules:\n  - name: Invoices\n    when: [{ subjectMatches: "invoice (" }]\n    then: [requireEncryption]\n')
    expect(() => loadConfig({ POLICY_FILE: bad })).toThrow(/rule "Invoices" \(when\.0\.subjectMatches\): not a valid regular expression/)
    expect(() => loadConfig({ POLICY_FILE: file('x.yaml', 'rules: [ {') })).toThrow(/not valid JSON or YAML/)
    expect(() => loadConfig({ POLICY_FILE: join(dir, 'missing.yaml') })).toThrow(/POLICY_FILE .*missing\.yaml cannot be read \(ENOENT\)/)
  })

  it('ships the demo policy, valid', () => {
    const demo = loadConfig({ POLICY_FILE: join(import.meta.dirname, '../../../src/mailstack/demo-policy.yaml') }).policy
    expect(demo.rules.map((r) => r.name)).toEqual(['Secure subject', 'Partners sign'])
  })
})

describe('GET /api/policy', () => {
  it('returns the rules to a signed-in user only', async () => {
    expect(Policy.parse((await alice.get('/api/policy')).json())).toEqual(POLICY)
    expect((await h.app.inject({ method: 'GET', url: '/api/policy' })).statusCode).toBe(401)
  })
})

describe('POST /api/send under the policy', () => {
  it.each([
    ['plain', 'Subject [secure] numbers plain'],
    ['encoded word (Q)', '=?UTF-8?Q?=5BSECURE=5D_numbers_q?='],
    ['encoded word (B)', '=?utf-8?B?W1NlY3VyZV0gbnVtYmVycyBi?='],
  ])('refuses a cleartext "[secure]" subject (%s) with 422 policy_requires_encryption; it never arrives', async (_, subject) => {
    const res = await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject }))
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'policy_requires_encryption', message: expect.stringContaining('"Secure subject"') })
    // A control message sent after it arrives; the refused one is not there.
    await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: `control ${subject.length}` }))
    await waitFor(() => arrived(bob, `control ${subject.length}`))
    expect(await arrived(bob, 'numbers')).toBe(false)
  })

  it('refuses a signed but not encrypted "[secure]" message, and one only labelled enveloped', async () => {
    expect((await alice.raw('/api/send', signed('[secure] signed only', 'bob@example.com'))).json().code).toBe('policy_requires_encryption')
    const liar = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: '[secure] liar', extraHeaders: [] }).toString('latin1')
      .replace('Content-Type: text/plain; charset=utf-8', 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\nContent-Transfer-Encoding: base64')
      .replace('Hello.', Buffer.from('just text, not CMS').toString('base64'))
    expect((await alice.raw('/api/send', Buffer.from(liar, 'latin1'))).json().code).toBe('policy_requires_encryption')
  })

  it('sends an enveloped "[secure]" message (EnvelopedData and AuthEnvelopedData)', async () => {
    for (const [cipher, tag] of [['-aes-256-cbc', 'cbc'], ['-aes-256-gcm', 'gcm']] as const) {
      const res = await alice.raw('/api/send', encrypted(`[secure] enveloped ${tag}`, cipher))
      expect(res.statusCode, res.body).toBe(200)
      await waitFor(() => arrived(bob, `[secure] enveloped ${tag}`))
    }
  })

  it('refuses an unsigned message a requireSignature rule matches (422 policy_requires_signature); signed or enveloped goes', async () => {
    const res = await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'Carol <carol@example.com>', subject: 'unsigned to legal' }))
    expect(res.statusCode).toBe(422)
    expect(res.json()).toMatchObject({ code: 'policy_requires_signature', message: expect.stringContaining('"Legal signs"') })
    // Bcc counts too: the envelope is what is checked.
    const bcc = await alice.raw('/api/send?envelopeTo=bob%40example.com&envelopeTo=carol%40example.com', rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'unsigned bcc legal' }))
    expect(bcc.json().code).toBe('policy_requires_signature')
    expect((await alice.raw('/api/send', signed('signed detached legal', 'carol@example.com'))).statusCode).toBe(200)
    expect((await alice.raw('/api/send', signed('signed opaque legal', 'carol@example.com', true))).statusCode).toBe(200)
    await waitFor(() => arrived(carol, 'signed opaque legal'))
    expect(await arrived(carol, 'signed detached legal')).toBe(true)
    expect(await arrived(carol, 'unsigned')).toBe(false)
  })

  it('does not apply body rules it cannot see, nor rules that do not match', async () => {
    const res = await alice.raw('/api/send', rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 'card', body: '4111111111111111' }))
    expect(res.statusCode).toBe(200)
  })
})

describe('S/MIME shape from headers and the ContentInfo OID', () => {
  it('reads OpenSSL output', () => {
    expect(smimeShape(encrypted('x'))).toEqual({ enveloped: true, signed: true })
    expect(smimeShape(encrypted('x', '-aes-128-gcm'))).toEqual({ enveloped: true, signed: true })
    expect(smimeShape(openssl(['smime', '-encrypt', '-aes256', BOB_CERT], headers('x')))).toEqual({ enveloped: true, signed: true })
    expect(smimeShape(signed('x', 'bob@example.com'))).toEqual({ enveloped: false, signed: true })
    expect(smimeShape(signed('x', 'bob@example.com', true))).toEqual({ enveloped: false, signed: true })
    expect(smimeShape(rawMessage({ from: 'a@b.c', to: 'd@e.f', subject: 'x' }))).toEqual({ enveloped: false, signed: false })
  })

  it('an enveloped body without smime-type is enveloped; signed-data labelled enveloped is not', () => {
    const enc = encrypted('x').toString('latin1')
    expect(smimeShape(Buffer.from(enc.replace(/smime-type=enveloped-data;?/, ''), 'latin1')).enveloped).toBe(true)
    const sig = signed('x', 'bob@example.com', true).toString('latin1')
    expect(smimeShape(Buffer.from(sig.replace('smime-type=signed-data', 'smime-type=enveloped-data'), 'latin1'))).toEqual({ enveloped: false, signed: false })
  })

  it('two Content-Type fields make neither', () => {
    const enc = encrypted('x').toString('latin1')
    expect(smimeShape(Buffer.from('Content-Type: text/plain\r\n' + enc, 'latin1')).enveloped).toBe(false)
  })

  it('contentInfoType reads DER and BER (indefinite length)', () => {
    expect(contentInfoType(Uint8Array.from([0x30, 0x82, 0x01, 0x00, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03]))).toBe('1.2.840.113549.1.7.3')
    expect(contentInfoType(Uint8Array.from([0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]))).toBe('1.2.840.113549.1.7.2')
    expect(contentInfoType(Uint8Array.from([0x04, 0x01]))).toBe(null)
  })
})
