/**
 * CBC malleability (EFAIL §3, "CBC gadgets"): CBC has no integrity, so knowing one
 * plaintext block lets an attacker turn it into chosen text by XORing the previous
 * ciphertext block (or the IV). The result decrypts "fine": it must be labelled as
 * lacking integrity. AES-GCM (AuthEnvelopedData, RFC 5083/5084) must fail hard instead,
 * with no partial plaintext.
 */
import type { CryptoLike } from '../../src/core/crypto'
import { utf8 } from '../../src/core/util/bytes'
import { signData } from '../../src/core/cms/signed'
import type { CorpusPki } from './pki'
import { detachedEntity, encryptedEntity, envelope, message, pkcs7Entity, randomSecret, secretEntity, text } from './mime'
import { encode, parse, type Node } from './der'
import type { HostileCase } from './types'

/** The EncryptedContentInfo of an Enveloped/AuthEnvelopedData ContentInfo (by reference). */
export function encryptedContentInfo(root: Node): { params: Node; content: Node; mac: Node | null } {
  const body = root.children![1]!.children![0]!
  const eci = body.children!.find((c) => c.tag === 0x30 && c.children?.[0]?.tag === 0x06 && c.children?.[2]?.tag === 0x80)
  if (!eci) throw new Error('no EncryptedContentInfo')
  const alg = eci.children![1]!
  const last = body.children![body.children!.length - 1]!
  return { params: alg.children![1]!, content: eci.children![2]!, mac: last.tag === 0x04 ? last : null }
}

/** XOR `from ^ to` into `block` (16 bytes at `at`): the CBC gadget. */
function xorInto(target: Uint8Array, at: number, from: Uint8Array, to: Uint8Array): void {
  for (let i = 0; i < 16; i++) target[at + i]! ^= from[i]! ^ to[i]!
}

/** Replace known plaintext block `index` (0-based) by `chosen` in a CBC EnvelopedData. */
export function cbcInject(der: Uint8Array, plaintext: Uint8Array, index: number, chosen: string): Uint8Array {
  const root = parse(der)
  const { params, content } = encryptedContentInfo(root)
  const want = utf8(chosen)
  if (want.length !== 16) throw new Error('a gadget block is 16 bytes')
  const known = plaintext.subarray(index * 16, index * 16 + 16)
  if (index === 0) {
    const iv = params.value.slice()
    xorInto(iv, 0, known, want)
    params.value = iv
  } else {
    const ct = content.value.slice()
    xorInto(ct, (index - 1) * 16, known, want)
    content.value = ct
  }
  return encode(root)
}

export async function malleabilityCases(pki: CorpusPki, crypto: CryptoLike): Promise<HostileCase[]> {
  const cases: HostileCase[] = []
  const env = envelope(`Alice <${pki.alice.email}>`, 'Launch')
  const recipients = [pki.bob.certificate, pki.alice.certificate]

  // 1. IV gadget: the first block (known: it is the MIME header) becomes attacker text.
  const p1 = secretEntity(randomSecret('cbc-iv'))
  const e1 = await encryptedEntity(p1, recipients, 'aes-256-cbc', crypto)
  cases.push({
    name: 'cbc-gadget-iv',
    attack: 'cbc-malleability',
    description: 'IV XOR known block 0 XOR "X-Evil: <img src": the first plaintext block is chosen by the attacker.',
    raw: message(env, pkcs7Entity('enveloped-data', cbcInject(e1.der, p1, 0, 'X-Evil: <img src'))),
    expected: { signature: 'none', encryption: 'decrypted', secrets: [], integrity: false },
  })

  // 2. Body gadget: a block of the body becomes markup (the previous block turns to garbage).
  const filler = 'The quarterly figures are attached; please keep them confidential until Friday.'
  const p2 = text(`${filler}\r\n${filler}\r\n${filler}`)
  const e2 = await encryptedEntity(p2, recipients, 'aes-128-cbc', crypto)
  cases.push({
    name: 'cbc-gadget-body',
    attack: 'cbc-malleability',
    description: 'Previous ciphertext block XORed so that body block 6 decrypts to <img src="http:.',
    raw: message(env, pkcs7Entity('enveloped-data', cbcInject(e2.der, p2, 6, '<img src="http:/'))),
    expected: { signature: 'none', encryption: 'decrypted', secrets: [], integrity: false },
  })

  // 3. Signed then encrypted (RFC 8551 §3.7): a gadget on the header turns the signed
  //    entity into something else (the signature is stripped: 'none', still labelled
  //    without integrity); a gadget inside the signed text breaks the signature.
  const inner = text('Dear Bob, the meeting moves to Thursday at five in the small room. Alice')
  const signed = detachedEntity(inner, await signData(inner, { identity: pki.alice, detached: true, digest: 'sha256' }, crypto))
  const e3 = await encryptedEntity(signed, recipients, 'aes-256-cbc', crypto)
  cases.push({
    name: 'cbc-gadget-signed-header',
    attack: 'cbc-malleability',
    description: 'Signed-then-encrypted message with a CBC gadget in the first block (its Content-Type): no longer a signed entity.',
    raw: message(env, pkcs7Entity('enveloped-data', cbcInject(e3.der, signed, 0, 'X-Evil: <img src'))),
    expected: { signature: 'none', encryption: 'decrypted', secrets: [], integrity: false },
  })
  const at = new TextDecoder('latin1').decode(signed).indexOf('Dear Bob')
  const block = Math.ceil(at / 16) + 1
  cases.push({
    name: 'cbc-gadget-signed-body',
    attack: 'cbc-malleability',
    description: 'Signed-then-encrypted message with a CBC gadget inside the signed text: decrypts, but the signature no longer verifies.',
    raw: message(env, pkcs7Entity('enveloped-data', cbcInject(e3.der, signed, block, '<img src="http:/'))),
    expected: { signature: 'invalid', encryption: 'decrypted', secrets: [], integrity: false },
  })

  // 4-6. AES-GCM: any change fails the tag and yields no plaintext at all.
  for (const [name, mutate] of [
    ['gcm-flip-ciphertext', (c: { content: Node; mac: Node | null }) => (c.content.value = flip(c.content.value, 20))],
    ['gcm-flip-tag', (c: { content: Node; mac: Node | null }) => (c.mac!.value = flip(c.mac!.value, 3))],
    ['gcm-truncated', (c: { content: Node; mac: Node | null }) => (c.content.value = c.content.value.slice(0, c.content.value.length - 16))],
  ] as const) {
    const secret = randomSecret(name)
    const e = await encryptedEntity(secretEntity(secret), recipients, 'aes-256-gcm', crypto)
    const root = parse(e.der)
    mutate(encryptedContentInfo(root))
    cases.push({
      name,
      attack: 'gcm-tamper',
      description: `AES-256-GCM AuthEnvelopedData, ${name.replace('gcm-', '').replace('-', ' ')}: must fail hard with no partial plaintext.`,
      raw: message(env, pkcs7Entity('authEnveloped-data', encode(root))),
      expected: { signature: 'none', encryption: 'corrupt', secrets: [secret] },
    })
  }
  // Tag truncation: the real tag cut to 8 or 4 octets with the ICV length lowered to match.
  // Authentic but forgeable with far less work; RFC 5084 allows 12..16 only.
  for (const len of [8, 4]) {
    const secret = randomSecret(`gcm-short-${len}`)
    const e = await encryptedEntity(secretEntity(secret), recipients, 'aes-128-gcm', crypto)
    const root = parse(e.der)
    const eci = encryptedContentInfo(root)
    eci.params.children![1]!.value = new Uint8Array([len])
    eci.mac!.value = eci.mac!.value.slice(0, len)
    cases.push({
      name: `gcm-tag-truncated-${len}`,
      attack: 'gcm-tamper',
      description: `AES-GCM tag truncated to ${len} octets with aes-ICVlen ${len}: refused (RFC 5084 requires 12..16).`,
      raw: message(env, pkcs7Entity('authEnveloped-data', encode(root))),
      expected: { signature: 'none', encryption: 'corrupt', secrets: [secret], errorCode: 'integrity-failed' },
    })
  }
  return cases
}

function flip(b: Uint8Array, at: number): Uint8Array {
  const c = b.slice()
  c[at % c.length]! ^= 0x01
  return c
}
