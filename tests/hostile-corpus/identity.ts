/**
 * Identity tricks ("Johnny, You Are Fired!", §7): the signature is genuine but the
 * headers lie — From differs from the signer, a display name shows another address, two
 * From headers, several addresses, empty or missing From, Sender/Reply-To elsewhere,
 * a protected inner From (RFC 8551 §3.1) that differs. Only an exact match of the single
 * From address with the certificate's email earns "valid"; the real address stays visible.
 */
import type { CryptoLike } from '../../src/core/crypto'
import type { CorpusPki } from './pki'
import { DATE, join, signedEntity, text } from './mime'
import type { Expected, HostileCase } from './types'

export async function identityCases(pki: CorpusPki, crypto: CryptoLike): Promise<HostileCase[]> {
  const body = text('See you at five. Alice')
  const byAlice = await signedEntity(body, pki.alice, crypto)
  const byMallory = await signedEntity(body, pki.mallory, crypto)
  const byEve = await signedEntity(body, pki.eve, crypto)
  const protectedBody = join('From: Mallory <mallory@evil.test>\r\n', body)
  const protectedByAlice = await signedEntity(protectedBody, pki.alice, crypto)
  const A = pki.alice.email
  const M = pki.mallory.email
  const msg = (headers: string[], entity: Uint8Array) =>
    join([...headers, 'To: bob@example.test', 'Subject: Meeting', DATE, 'Message-ID: <id@hostile.test>', 'MIME-Version: 1.0'].map((h) => h + '\r\n').join(''), entity)
  const cases: HostileCase[] = []
  const add = (name: string, description: string, headers: string[], entity: Uint8Array, expected: Omit<Expected, 'encryption' | 'secrets'>) =>
    cases.push({ name, attack: 'identity', description, raw: msg(headers, entity), expected: { encryption: 'none', secrets: [], ...expected } })

  add('id-control-valid', 'Control: From is Alice, Alice signs. The only case that is valid for Alice.', [`From: Alice <${A}>`], byAlice, { signature: 'valid', signerEmail: A, fromShows: A })
  add('id-from-differs', 'From: Mallory, signed by Alice.', [`From: Mallory <${M}>`], byAlice, { signature: 'email-mismatch', signerEmail: A, fromShows: M })
  add('id-display-name-address', 'From: "alice@example.test" <mallory@evil.test>, signed by Alice.', [`From: "${A}" <${M}>`], byAlice, { signature: 'email-mismatch', signerEmail: A, fromShows: M })
  add('id-display-name-signed-by-mallory', 'From: "alice@example.test" <mallory@evil.test>, signed by Mallory: valid for MALLORY, whose address must stay visible.', [`From: "${A}" <${M}>`], byMallory, { signature: 'valid', signerEmail: M, fromShows: M })
  add('id-encoded-display-name', 'Display name is an RFC 2047 encoded-word spelling Alice\'s address, the address is Mallory\'s, signed by Mallory.', [`From: =?utf-8?B?${Buffer.from(`${A} (Alice)`).toString('base64')}?= <${M}>`], byMallory, { signature: 'valid', signerEmail: M, fromShows: M })
  add('id-unquoted-display-name', 'From: alice@example.test <mallory@evil.test> (unquoted), signed by Alice.', [`From: ${A} <${M}>`], byAlice, { signature: 'email-mismatch', signerEmail: A, fromShows: M })
  add('id-two-from-headers', 'Two From headers (Alice, then Mallory), signed by Alice.', [`From: Alice <${A}>`, `From: Mallory <${M}>`], byAlice, { signature: 'email-mismatch', signerEmail: A })
  add('id-two-from-headers-same', 'Two identical From headers for Alice: still not a single From.', [`From: Alice <${A}>`, `From: Alice <${A}>`], byAlice, { signature: 'email-mismatch', signerEmail: A })
  add('id-two-addresses', 'From: Alice, Mallory (one header, two addresses), signed by Alice.', [`From: Alice <${A}>, Mallory <${M}>`], byAlice, { signature: 'email-mismatch', signerEmail: A })
  add('id-empty-from', 'An empty From header, signed by Alice.', ['From: '], byAlice, { signature: 'email-mismatch', signerEmail: A })
  add('id-missing-from', 'No From header, signed by Alice.', [], byAlice, { signature: 'email-mismatch', signerEmail: A })
  add('id-lookalike-domain', 'From alice@examp1e.test (digit one), signed by Alice.', ['From: Alice <alice@examp1e.test>'], byAlice, { signature: 'email-mismatch', signerEmail: A, fromShows: 'alice@examp1e.test' })
  add('id-protected-from-differs', 'Outer From: Alice; the signed entity\'s own From header (RFC 8551 header protection) says Mallory.', [`From: Alice <${A}>`], protectedByAlice, { signature: 'email-mismatch', signerEmail: A })
  add('id-foreign-ca', 'From: Alice, signed by Eve with a certificate for alice@example.test from an untrusted CA.', [`From: Alice <${A}>`], byEve, { signature: 'untrusted', signerEmail: A })
  add('id-sender-differs', 'From: Alice, Sender: Mallory, signed by Alice (valid: the From matches; the app must show Sender).', [`From: Alice <${A}>`, `Sender: Mallory <${M}>`], byAlice, { signature: 'valid', signerEmail: A, fromShows: A })
  add('id-reply-to-differs', 'From: Alice, Reply-To: Mallory, signed by Alice (valid: the From matches; the app must show Reply-To).', [`From: Alice <${A}>`, `Reply-To: Mallory <${M}>`], byAlice, { signature: 'valid', signerEmail: A, fromShows: A })
  return cases
}
