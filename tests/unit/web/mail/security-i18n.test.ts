/**
 * The security summary in the app's language (issue 14): the verdict values (the data-*
 * contract) stay the engine's codes; only the words change with the language.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../../src/core/message/open'
import { sealMessage } from '../../../../src/core/message/seal'
import type { Keyring } from '../../../../src/core/types'
import { i18n, loadLocale } from '../../../../src/web/i18n'
import type { SignerReport } from '../../../../src/core/message/report'
import { ocspWords, SIGNER_STATUS_WORDS, summarizeSecurity } from '../../../../src/web/mail/security'
import { dec, draft, enc, withFixture, type Fixture } from '../../core/message/fixture'

const crypto = globalThis.crypto
let f: Fixture
withFixture((made) => (f = made))

const fromAlice = (body = 'Hello.\r\n') => draft(`Alice <${f.leaves.alice.email}>`, f.leaves.bob.email, body)
async function summary(raw: Uint8Array, keyring: Keyring) {
  return summarizeSecurity((await openMessage(raw, keyring, crypto)).report)
}

beforeAll(async () => {
  await loadLocale('de')
  await loadLocale('nl')
})

afterEach(() => {
  i18n.global.locale.value = 'en'
})

describe('security summary in German and Dutch', () => {
  it('words a verified signature in German and keeps the verdict codes', async () => {
    const raw = await sealMessage(fromAlice(), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    i18n.global.locale.value = 'de'
    const s = await summary(raw, f.keyring([]))
    expect(s.signature).toBe('valid')
    expect(s.encryption).toBe('none')
    expect(s.signed).toEqual({ tone: 'good', text: `Signiert von ${f.leaves.alice.email}, geprüft` })
  })

  it('words an altered message in Dutch', async () => {
    const raw = dec(await sealMessage(fromAlice('Pay 10 EUR.\r\n'), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto))
    i18n.global.locale.value = 'nl'
    const s = await summary(enc(raw.replace('Pay 10 EUR.', 'Pay 99 EUR.')), f.keyring([]))
    expect(s.signature).toBe('invalid')
    expect(s.signed).toEqual({ tone: 'bad', text: 'Handtekening ongeldig: het bericht is gewijzigd' })
  })

  it('words a signer that is not the sender in German', async () => {
    const raw = await sealMessage(draft(`Bob <${f.leaves.bob.email}>`, f.leaves.alice.email), { identity: f.ids.alice, sign: true, encrypt: false, recipients: [] }, crypto)
    i18n.global.locale.value = 'de'
    const s = await summary(raw, f.keyring([]))
    expect(s.signature).toBe('email-mismatch')
    expect(s.signed!.text).toBe(`Signiert von ${f.leaves.alice.email}, nicht vom Absender ${f.leaves.bob.email}`)
  })

  it('reads status words in the language active when they are looked up', () => {
    expect(SIGNER_STATUS_WORDS.valid).toBe('verified')
    i18n.global.locale.value = 'de'
    expect(SIGNER_STATUS_WORDS.valid).toBe('geprüft')
    expect(SIGNER_STATUS_WORDS['email-mismatch']).toBe('nicht der Absender')
    expect(Object.keys(SIGNER_STATUS_WORDS)).toContain('not-email-cert')
  })

  it('words an OCSP answer in German, as it does in English', () => {
    const signer = {
      revocationSource: 'crl',
      ocsp: { status: 'unknown', responder: 'CN=Responder', signedBy: 'issuer', producedAt: '2026-12-01T10:00:00Z', thisUpdate: '2026-12-01T10:00:00Z', nextUpdate: null, nonce: 'absent' },
    } as unknown as SignerReport
    expect(ocspWords(signer)).toMatchObject({ status: 'unknown to the OCSP responder; the CRL was used instead', responder: 'CN=Responder (the issuing CA itself)', freshness: 'prepared in advance by the responder (no nonce)' })
    i18n.global.locale.value = 'de'
    expect(ocspWords(signer)).toMatchObject({
      status: 'dem OCSP-Responder unbekannt; stattdessen wurde die Sperrliste verwendet',
      responder: 'CN=Responder (die ausstellende Zertifizierungsstelle selbst)',
      freshness: 'vom Responder vorab erstellt (ohne Nonce)',
    })
    expect(ocspWords(signer)!.times).toMatch(/^Antwort erstellt .*bis eine Stunde später/)
  })
})
