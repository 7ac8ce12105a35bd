/**
 * Header protection in the reading pane (issue 13): the words of the summary and the
 * details (mail/security.ts), and the envelope fields openUnwrapped takes from the
 * protected header fields, over real engine reports of messages core sealed.
 */
import { describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { sealMessage } from '../../../../src/core/message/seal'
import { withoutLegacyDisplay } from '../../../../src/core/message/hp'
import { openUnwrapped } from '../../../../src/web/mail/open'
import { protectedHeadersDetails, summarizeSecurity } from '../../../../src/web/mail/security'
import { dec, enc, withFixture, type Fixture } from '../../core/message/fixture'

const crypto = globalThis.crypto
let f: Fixture
withFixture((made) => (f = made))

const draft = (from = `Alice <${f.leaves.alice.email}>`) =>
  enc(`From: ${from}\r\nTo: Bob <${f.leaves.bob.email}>\r\nSubject: Loan application\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <hp-web@example.test>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the figures below.\r\n`)

describe('the summary and details of protected header fields', () => {
  it('a protected subject: a good line naming what the server saw, and the details list the fields', async () => {
    const raw = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: true, protectSubject: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const { report } = await openMessage(raw, f.keyring(['bob']), crypto)
    expect(summarizeSecurity(report).headers).toEqual({ tone: 'good', text: 'Subject protected: the server saw only “[...]”' })
    expect(protectedHeadersDetails(report)).toEqual({
      form: 'RFC 9788, inside the encryption (hp="cipher")',
      fields: 'From, To, Subject, Date, Message-ID',
      hidden: 'Subject',
      outer: [`From: Alice <${f.leaves.alice.email}>`, `To: Bob <${f.leaves.bob.email}>`, 'Subject: [...]', expect.stringMatching(/^Date: /), 'Message-ID: <hp-web@example.test>'],
    })
  })

  it('nothing hidden (Protect subject off): no summary line, the details say the server saw them as they are', async () => {
    const raw = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const { report } = await openMessage(raw, f.keyring(['bob']), crypto)
    expect(summarizeSecurity(report).headers).toBeNull()
    expect(protectedHeadersDetails(report)?.hidden).toBe('none: the server saw them as they are')
  })

  it('a protected From that is not the outer From: a bad line naming both', async () => {
    const sealed = await sealMessage(draft('Mallory <mallory@example.test>'), { identity: f.ids.alice, sign: false, encrypt: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const raw = enc(dec(sealed).replace('From: Mallory <mallory@example.test>', `From: Alice <${f.leaves.alice.email}>`))
    const { report } = await openMessage(raw, f.keyring(['bob']), crypto)
    expect(summarizeSecurity(report).headers).toEqual({
      tone: 'bad',
      text: `Sender mismatch: the protected header says this message is from mallory@example.test, but the server saw ${f.leaves.alice.email}`,
    })
  })

  it('a signed subject changed on the way: a warning, the signed one shown', async () => {
    const sealed = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    const raw = enc(dec(sealed).replace('Subject: Loan application', 'Subject: Loan approved'))
    const { report } = await openMessage(raw, f.keyring([]), crypto)
    expect(report.subject).toBe('Loan application')
    expect(summarizeSecurity(report).headers).toEqual({ tone: 'warn', text: 'The subject was changed on the way; the signed subject is shown (the server saw “Loan approved”)' })
  })

  it('mail without protected header fields has no such line nor details', async () => {
    const raw = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: false, headerProtection: false, recipients: [] }, crypto)
    const { report } = await openMessage(raw, f.keyring([]), crypto)
    expect(summarizeSecurity(report).headers).toBeNull()
    expect(protectedHeadersDetails(report)).toBeNull()
  })
})

describe('openUnwrapped with protected header fields', () => {
  it('shows the protected Subject (not "[...]") and the body without the legacy display', async () => {
    const raw = await sealMessage(draft(), { identity: f.ids.alice, sign: true, encrypt: true, protectSubject: true, recipients: [f.leaves.bob.certDer] }, crypto)
    const opened = await openMessage(raw, f.keyring(['bob']), crypto, { body: false })
    const hp = opened.report.protectedHeaders
    // What the crypto worker hands the page (workers/messages.ts).
    const inner = hp?.legacyDisplay ? withoutLegacyDisplay(opened.inner) : opened.inner
    const shown = await openUnwrapped(raw, inner, hp)
    expect(shown.email?.subject).toBe('Loan application')
    expect(shown.email?.from?.address).toBe(f.leaves.alice.email)
    expect(shown.email?.text).toBe('Please find the figures below.\n')
    // Without the engine's word on them, the outer fields stay: protection is not guessed from MIME.
    expect((await openUnwrapped(raw, inner)).email?.subject).toBe('[...]')
  })
})
