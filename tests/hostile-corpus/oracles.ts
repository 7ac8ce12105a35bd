/**
 * Reply and signing oracles ("Re: What's up Johnny?", ACNS 2019): the attacker hides
 * a victim's ciphertext inside an innocent-looking message (hidden by CSS, after a
 * <plaintext> tag or many blank lines, in a fake bounce, referenced by cid:) hoping the
 * client decrypts it on open so the victim's reply quotes the plaintext back.
 */
import type { CryptoLike } from '../../src/core/crypto'
import { toBase64Lines } from '../../src/core/util/base64'
import { encodeBase64Lines } from '../../src/core/mime/encodings'
import type { CorpusPki } from './pki'
import { encryptedEntity, entity, envelope, html, message, multipart, randomSecret, rfc822, secretEntity, signedEntity, text } from './mime'
import type { HostileCase } from './types'

export async function oracleCases(pki: CorpusPki, crypto: CryptoLike): Promise<HostileCase[]> {
  const secret = randomSecret('oracle')
  const plain = secretEntity(secret)
  const recipients = [pki.bob.certificate, pki.alice.certificate]
  const { entity: enc, der } = await encryptedEntity(plain, recipients, 'aes-256-cbc', crypto)
  const inline = entity(['Content-Type: application/pkcs7-mime; smime-type=enveloped-data', 'Content-Transfer-Encoding: base64', 'Content-Disposition: inline'], encodeBase64Lines(der))
  const withCid = (await encryptedEntity(plain, recipients, 'aes-256-cbc', crypto, ['Content-ID: <part1@hostile.test>'])).entity
  const original = message(envelope(`Alice <${pki.alice.email}>`, 'Launch'), enc)
  const env = envelope(`Mallory <${pki.mallory.email}>`, 'Quick question')
  const expected = { signature: 'none' as const, encryption: 'none' as const, secrets: [secret], embedded: 1 }
  const resigned = await signedEntity(enc, pki.mallory, crypto)
  return [
    {
      name: 'oracle-resigned-ciphertext',
      attack: 'reply-oracle',
      description:
        "Mallory signs Alice's ciphertext as the content of her own multipart/signed (encrypted inside signed, RFC 8551 §3.7). " +
        'It is a root layer chain, so it IS decrypted and shown as from Mallory; the defence is the reply path (quote only what was seen, encrypted, no silent new recipients). ' +
        "Mallory is not among the envelope's recipients, so the layer is marked foreignCiphertext ('rewrapped-ciphertext'): the app warns and a reply or forward quotes none of it. " +
        "Her signature covers the ciphertext only, so the content is not shown as signed by anyone (signature 'none', signer listed as signing the encrypted envelope only; issue 16). Browser suite: check the reply.",
      raw: message(env, resigned),
      expected: { signature: 'none', encryption: 'decrypted', secrets: [], signerEmail: pki.mallory.email, fromShows: pki.mallory.email, errorCode: 'rewrapped-ciphertext', neverQuoted: [secret] },
    },
    {
      name: 'oracle-blank-lines',
      attack: 'reply-oracle',
      description: 'Innocent text, eighty blank lines, then the ciphertext as an inline part: a reply would quote it below the fold.',
      raw: message(env, multipart('mixed', [text('Hi Bob, lunch on Friday?' + '\r\n'.repeat(80)), inline])),
      expected,
    },
    {
      name: 'oracle-css-hidden',
      attack: 'reply-oracle',
      description: 'HTML opens <div style="display:none"> before the ciphertext part and closes it after.',
      raw: message(env, multipart('mixed', [html('<p>Hi Bob, lunch on Friday?</p><div style="display:none">'), enc, html('</div>')])),
      expected,
    },
    {
      name: 'oracle-plaintext-tag',
      attack: 'reply-oracle',
      description: 'HTML ends with <plaintext> so the decrypted part would render as unformatted trailing text.',
      raw: message(env, multipart('mixed', [html('<p>Hi Bob, lunch on Friday?</p><plaintext>'), enc])),
      expected,
    },
    {
      name: 'oracle-fake-bounce',
      attack: 'reply-oracle',
      description: 'A fake delivery-status report (multipart/report) carrying the encrypted original as message/rfc822.',
      raw: message(
        envelope('Mail Delivery System <mailer-daemon@example.test>', 'Undelivered Mail Returned to Sender'),
        multipart('report', [text('This is the mail system. Your message could not be delivered. Please resend it.'), entity(['Content-Type: message/delivery-status'], 'Reporting-MTA: dns; mx.example.test\r\n\r\nFinal-Recipient: rfc822; carol@example.test\r\nAction: failed\r\nStatus: 5.1.1\r\n'), rfc822(original)], '; report-type=delivery-status'),
      ),
      expected,
    },
    {
      name: 'oracle-cid-reference',
      attack: 'reply-oracle',
      description: 'multipart/related whose HTML references the ciphertext part by cid:.',
      raw: message(env, multipart('related', [html('<p>See the picture:</p><img src="cid:part1@hostile.test">'), withCid], '; type="text/html"')),
      expected,
    },
    {
      name: 'oracle-pasted-armour',
      attack: 'reply-oracle',
      description: 'The base64 of the CMS pasted into a text/plain body (not a part): never decrypted.',
      raw: message(env, text('Can you tell me what this says?\r\n\r\n' + new TextDecoder().decode(toBase64Lines(der)))),
      expected: { ...expected, embedded: 0 },
    },
  ]
}
