/**
 * MIME wrapping ("Johnny, You Are Fired!", §6): a part Alice really signed is embedded
 * in a message the attacker composed (prepended text, hidden by HTML/CSS, referenced by
 * cid:, marked as an attachment, forwarded as message/rfc822). The message is not signed;
 * the embedded part may only be listed apart.
 */
import type { CryptoLike } from '../../src/core/crypto'
import type { CorpusPki } from './pki'
import { encryptedEntity, envelope, html, message, multipart, opaqueSignedEntity, rfc822, signedEntity, text } from './mime'
import type { HostileCase } from './types'

export async function wrappingCases(pki: CorpusPki, crypto: CryptoLike): Promise<HostileCase[]> {
  const env = envelope(`Alice <${pki.alice.email}>`, 'Payment instruction')
  const signedText = text('Looking forward to our meeting. Alice')
  const signed = await signedEntity(signedText, pki.alice, crypto)
  const signedAttached = await signedEntity(signedText, pki.alice, crypto, ['Content-Disposition: attachment; filename="original.eml"'])
  const signedCid = await signedEntity(signedText, pki.alice, crypto, ['Content-ID: <signed@hostile.test>'])
  const opaque = await opaqueSignedEntity(signedText, pki.alice, crypto)
  const original = message(env, signed)
  const attacker = 'Please transfer 10,000 EUR to IBAN XX00 EVIL 0000 today.'
  const expected = { signature: 'none' as const, encryption: 'none' as const, secrets: [], embedded: 1 }
  const c = (name: string, description: string, body: Uint8Array): HostileCase => ({ name, attack: 'mime-wrapping', description, raw: message(env, body), expected })
  // Extra unsigned material inside Alice's own multipart/signed: a third part, an epilogue.
  const signedStr = new TextDecoder('latin1').decode(signed)
  const b = /boundary="([^"]+)"/.exec(signedStr)![1]!
  const closing = signedStr.lastIndexOf(`--${b}--`)
  const marker = 'ATTACKER-APPENDED-7f3a'
  const third = signedStr.slice(0, closing) + `--${b}\r\nContent-Type: text/html\r\n\r\n<p>${marker}: ${attacker}</p>\r\n` + signedStr.slice(closing)
  const epilogue = signedStr + `\r\n<p>${marker}: ${attacker}</p>\r\n`
  const latin1 = (x: string) => Uint8Array.from(x, (ch) => ch.charCodeAt(0))
  const sealedWrap = await encryptedEntity(multipart('mixed', [text(attacker), signed]), [pki.bob.certificate], 'aes-256-gcm', crypto)
  return [
    {
      name: 'wrap-inside-encryption',
      attack: 'mime-wrapping',
      description: 'Attacker text and Alice\'s signed part, encrypted to Bob by the attacker: the root decrypts, the signed part stays set apart.',
      raw: message(env, sealedWrap.entity),
      expected: { ...expected, encryption: 'decrypted' },
    },
    {
      name: 'wrap-signed-third-part',
      attack: 'mime-wrapping',
      description: "An unsigned third part (attacker HTML) appended inside Alice's multipart/signed: the signature holds for part one only, the third part is never shown.",
      raw: message(env, latin1(third)),
      expected: { signature: 'valid', encryption: 'none', secrets: [marker], signerEmail: pki.alice.email },
    },
    {
      name: 'wrap-signed-epilogue',
      attack: 'mime-wrapping',
      description: "Attacker HTML in the epilogue after the closing boundary of Alice's multipart/signed: never shown.",
      raw: message(env, latin1(epilogue)),
      expected: { signature: 'valid', encryption: 'none', secrets: [marker], signerEmail: pki.alice.email },
    },
    c('wrap-prepended-text', 'Attacker text part first, then Alice\'s signed part, in multipart/mixed.', multipart('mixed', [text(attacker), signed])),
    c('wrap-hidden-css', 'Attacker HTML hides the signed part inside <div style="display:none">.', multipart('mixed', [html(`<p>${attacker}</p><div style="display:none">`), signed, html('</div>')])),
    c('wrap-cid-reference', 'multipart/related: attacker HTML frames the signed part by cid:.', multipart('related', [html(`<p>${attacker}</p><iframe src="cid:signed@hostile.test" width=0 height=0></iframe>`), signedCid], '; type="text/html"')),
    c('wrap-as-attachment', 'The signed part marked Content-Disposition: attachment under attacker text.', multipart('mixed', [text(attacker), signedAttached])),
    c('wrap-alternative', 'multipart/alternative with attacker text and the signed part as alternatives.', multipart('alternative', [text(attacker), signed])),
    c('wrap-rfc822-forward', 'Alice\'s whole signed message forwarded as message/rfc822 under attacker text.', multipart('mixed', [text(attacker), rfc822(original)])),
    c('wrap-opaque-signed', 'Alice\'s opaque signed-data part embedded under attacker text.', multipart('mixed', [text(attacker), opaque])),
  ]
}
