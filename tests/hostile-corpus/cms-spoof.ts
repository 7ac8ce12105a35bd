/**
 * CMS spoofing ("Johnny, You Are Fired!", USENIX Security 2019, §5): SignedData whose
 * structure lies — eContent in a detached signature, several SignerInfos mixing a valid
 * one with invalid or foreign ones, no SignerInfos at all, certificates only, signed
 * attributes missing or repeated (re-signed by the real key so only the structure is
 * wrong), an empty digest set, a signature object without content. Never "valid".
 */
import type { CryptoLike } from '../../src/core/crypto'
import { signData } from '../../src/core/cms/signed'
import { encryptEnvelope } from '../../src/core/cms/envelope'
import { OID } from '../../src/core/asn1/oids'
import { toArrayBuffer } from '../../src/core/util/bytes'
import { parsePkcs8 } from '../../src/core/cms/envelope/rsa'
import { ecdsaRawToDer } from '../../src/core/cms/signed/algorithms'
import type { Identity } from '../../src/core/types'
import type { CorpusPki } from './pki'
import { detachedEntity, envelope, message, pkcs7Entity, text } from './mime'
import { clone, encode, oidString, prim, signedView, type Node } from './der'
import type { HostileCase } from './types'

/** Re-sign a SignerInfo's (edited) signed attributes with the signer's real key (RSA PKCS#1 v1.5 / ECDSA, SHA-256). */
export async function resign(signerInfo: Node, identity: Identity, crypto: CryptoLike): Promise<void> {
  const attrs = signerInfo.children!.find((c) => c.tag === 0xa0)!
  const toSign = encode({ ...attrs, tag: 0x31 }) // RFC 5652 §5.4: signed as an explicit SET OF
  const sigIndex = signerInfo.children!.findIndex((c, i) => i > 0 && c.tag === 0x04)
  const isEc = parsePkcs8(identity.privateKey).curve !== null // the corpus' EC leaf is P-256
  let sig: Uint8Array
  if (isEc) {
    const key = await crypto.subtle.importKey('pkcs8', toArrayBuffer(identity.privateKey), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])
    const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, toArrayBuffer(toSign)))
    sig = ecdsaRawToDer(raw)
  } else {
    const key = await crypto.subtle.importKey('pkcs8', toArrayBuffer(identity.privateKey), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
    sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, toArrayBuffer(toSign)))
  }
  signerInfo.children![sigIndex] = prim(0x04, sig)
}

const attrOid = (a: Node) => oidString(a.children![0]!)

/** Edit the signed attributes of the first SignerInfo and re-sign them. */
async function editAttributes(der: Uint8Array, identity: Identity, crypto: CryptoLike, edit: (attrs: Node[]) => Node[]): Promise<Uint8Array> {
  const v = signedView(der)
  const si = v.signerInfos.children![0]!
  const attrs = si.children!.find((c) => c.tag === 0xa0)!
  attrs.children = edit(attrs.children!)
  await resign(si, identity, crypto)
  return encode(v.root)
}

export async function cmsSpoofCases(pki: CorpusPki, crypto: CryptoLike): Promise<HostileCase[]> {
  const env = envelope(`Alice <${pki.alice.email}>`, 'Contract')
  const content = text('I agree to the contract as discussed.')
  const sign = (id: Identity, c: Uint8Array, detached = true) => signData(c, { identity: id, detached, digest: 'sha256' }, crypto)
  const aliceDetached = await sign(pki.alice, content)
  const cases: HostileCase[] = []
  const add = (name: string, description: string, raw: Uint8Array, signature: HostileCase['expected']['signature'], extra: Partial<HostileCase['expected']> = {}) =>
    cases.push({ name, attack: 'cms-spoofing', description, raw, expected: { signature, encryption: 'none', secrets: [], ...extra } })
  const detachedMsg = (sig: Uint8Array, c = content) => message(env, detachedEntity(c, sig))

  // eContent confusion: an opaque signature over A shown as the detached signature of B.
  const other = text('I agree to pay Mallory 10,000 EUR.')
  add('cms-econtent-in-detached', 'multipart/signed whose SignedData carries eContent (signed text A) while the first part shows text B.', detachedMsg(await sign(pki.alice, content, false), other), 'invalid')

  // Several SignerInfos.
  const merge = (a: Uint8Array, b: Uint8Array, tweak?: (si: Node) => void): Uint8Array => {
    const va = signedView(a)
    const vb = signedView(b)
    const si = clone(vb.signerInfos.children![0]!)
    tweak?.(si)
    va.signerInfos.children!.push(si)
    if (va.certificates && vb.certificates) va.certificates.children!.push(...vb.certificates.children!.map(clone))
    return encode(va.root)
  }
  add('cms-control-two-valid-signers', 'Control: two intact SignerInfos by Alice (shows the merging keeps signatures intact).', detachedMsg(merge(aliceDetached, aliceDetached)), 'valid')
  add('cms-control-resigned', 'Control: signed attributes re-signed unchanged by Alice (shows re-signing is sound).', detachedMsg(await editAttributes(aliceDetached, pki.alice, crypto, (a) => a)), 'valid')
  add('cms-signers-valid-and-broken', 'Two SignerInfos by Alice: one valid, one whose signature bytes were altered.', detachedMsg(merge(aliceDetached, aliceDetached, (si) => {
    const s = si.children!.find((c, i) => i > 0 && c.tag === 0x04)!
    s.value = s.value.slice()
    s.value[10]! ^= 0xff
  })), 'invalid')
  add('cms-signers-valid-and-foreign', 'Alice\'s valid SignerInfo plus Eve\'s, whose certificate for alice@example.test comes from an untrusted CA.', detachedMsg(merge(aliceDetached, await sign(pki.eve, content))), 'untrusted')
  add('cms-signers-valid-and-mallory', 'Alice\'s valid SignerInfo plus Mallory\'s (trusted CA, her own address).', detachedMsg(merge(aliceDetached, await sign(pki.mallory, content))), 'email-mismatch')
  add('cms-signers-foreign-only', 'Only Eve signs, with a certificate naming alice@example.test from a CA nobody trusts.', detachedMsg(await sign(pki.eve, content)), 'untrusted')

  // Mallory's SignerInfo relabelled as Alice's (sid = Alice's issuer and serial, Alice's certificate included).
  const relabelled = signedView(await sign(pki.mallory, content))
  const aliceView = signedView(aliceDetached)
  relabelled.signerInfos.children![0]!.children![1] = clone(aliceView.signerInfos.children![0]!.children![1]!)
  relabelled.certificates!.children!.push(...aliceView.certificates!.children!.map(clone))
  add('cms-signer-relabelled', 'Mallory signs, then points the SignerInfo at Alice\'s certificate (issuer and serial) and includes it.', detachedMsg(encode(relabelled.root)), 'invalid')

  // No SignerInfos / certificates only.
  const noSigners = signedView(aliceDetached)
  noSigners.signerInfos.children = []
  add('cms-empty-signerinfos', 'Detached SignedData with an empty SignerInfos set.', detachedMsg(encode(noSigners.root)), 'invalid')
  add('cms-certs-only-as-signature', 'A certs-only SignedData (no signers, no content) as the multipart/signed signature.', detachedMsg(encode(noSigners.root)), 'invalid')
  add('cms-certs-only-opaque', 'application/pkcs7-mime; smime-type=certs-only: certificates and nothing signed.', message(env, pkcs7Entity('certs-only', encode(noSigners.root))), 'invalid')

  // Signed attributes missing or repeated, re-signed with Alice's real key.
  const without = (oid: string) => (attrs: Node[]) => attrs.filter((a) => attrOid(a) !== oid)
  add('cms-attr-no-message-digest', 'messageDigest attribute removed, attributes re-signed by Alice.', detachedMsg(await editAttributes(aliceDetached, pki.alice, crypto, without(OID.messageDigest))), 'invalid')
  add('cms-attr-no-content-type', 'contentType attribute removed, attributes re-signed by Alice.', detachedMsg(await editAttributes(aliceDetached, pki.alice, crypto, without(OID.contentType))), 'invalid')
  add('cms-attr-repeated-message-digest', 'A second messageDigest attribute (over other content) added, re-signed by Alice.', detachedMsg(await editAttributes(aliceDetached, pki.alice, crypto, (attrs) => {
    const md = attrs.find((a) => attrOid(a) === OID.messageDigest)!
    const fake = clone(md)
    fake.children![1]!.children![0]!.value = new Uint8Array(32).fill(0x41)
    return [fake, ...attrs]
  })), 'invalid')
  add('cms-attr-message-digest-two-values', 'messageDigest attribute holding two values (a fake one first), re-signed by Alice.', detachedMsg(await editAttributes(aliceDetached, pki.alice, crypto, (attrs) => {
    const md = attrs.find((a) => attrOid(a) === OID.messageDigest)!
    md.children![1]!.children!.unshift(prim(0x04, new Uint8Array(32).fill(0x42)))
    return attrs
  })), 'invalid')
  add('cms-attr-content-type-mismatch', 'contentType attribute says signedData while the content is data, re-signed by Alice.', detachedMsg(await editAttributes(aliceDetached, pki.alice, crypto, (attrs) => {
    const ct = attrs.find((a) => attrOid(a) === OID.contentType)!
    ct.children![1]!.children![0]! = encodeOid(OID.signedData)
    return attrs
  })), 'invalid')

  // Empty digestAlgorithms set.
  const noDigests = signedView(aliceDetached)
  noDigests.digestAlgorithms.children = []
  add('cms-empty-digest-set', 'digestAlgorithms is an empty SET; the SignerInfo is otherwise intact.', detachedMsg(encode(noDigests.root)), 'invalid')

  // A signature object with no content: detached SignedData sent as opaque signed-data.
  add('cms-opaque-without-content', 'application/pkcs7-mime signed-data whose SignedData has no eContent.', message(env, pkcs7Entity('signed-data', aliceDetached)), 'invalid')

  // Not SignedData at all in the signature part.
  const env2 = await encryptEnvelope(content, { recipients: [{ certificate: pki.bob.certificate }], cipher: 'aes-128-cbc' }, crypto)
  add('cms-signature-is-enveloped', 'The multipart/signed signature part holds an EnvelopedData, not a SignedData.', detachedMsg(env2), 'invalid')
  return cases
}

function encodeOid(dotted: string): Node {
  const parts = dotted.split('.').map(Number)
  const out: number[] = [parts[0]! * 40 + parts[1]!]
  for (const p of parts.slice(2)) {
    const stack: number[] = []
    let v = p
    do {
      stack.unshift(v & 0x7f)
      v = Math.floor(v / 128)
    } while (v > 0)
    for (let i = 0; i < stack.length - 1; i++) stack[i]! |= 0x80
    out.push(...stack)
  }
  return prim(0x06, new Uint8Array(out))
}
