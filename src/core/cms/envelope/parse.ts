import { OID } from '../../asn1/oids'
import { CoreError } from '../../errors'
import { BerReader, bad, expectTag, readAlgId, readOid, readSmallInt, type AlgId, type Tlv } from './ber'

/**
 * EnvelopedData (RFC 5652 §6) and AuthEnvelopedData (RFC 5083 §2) read into plain
 * objects holding views into the message (no copies of the encrypted content).
 */
export type RecipientId = { issuer: Uint8Array; serial: Uint8Array } | { ski: Uint8Array }

export type ParsedRecipient =
  | { type: 'ktri'; rid: RecipientId; alg: AlgId; encryptedKey: Uint8Array }
  | {
      type: 'kari'
      /** The originator's ephemeral public key (originatorKey), or null for other forms. */
      originatorKey: { alg: AlgId; publicKey: Uint8Array } | null
      ukm: Uint8Array | null
      alg: AlgId
      /** The key-wrap algorithm carried as the parameters of `alg`. */
      wrap: AlgId | null
      keys: { rid: RecipientId; encryptedKey: Uint8Array }[]
    }
  | { type: 'kekri'; keyId: Uint8Array; alg: AlgId; encryptedKey: Uint8Array }
  | { type: 'pwri' | 'ori'; alg: AlgId | null }

export interface ParsedEnvelope {
  kind: 'enveloped' | 'auth-enveloped'
  reader: BerReader
  recipients: ParsedRecipient[]
  contentType: string
  contentAlg: AlgId
  /** The [0] IMPLICIT encryptedContent element (primitive or constructed), if present. */
  encryptedContent: Tlv | undefined
  /** AuthEnvelopedData: the raw [1] authAttrs element and the MAC. */
  authAttrs: Uint8Array | null
  mac: Uint8Array | null
}

/** Locate the EnvelopedData/AuthEnvelopedData inside a ContentInfo; throws CoreError('asn1') if it is not one. */
export function openContentInfo(der: Uint8Array): { reader: BerReader; kind: 'enveloped' | 'auth-enveloped'; body: Tlv } {
  let reader: BerReader
  let type: string
  let body: Tlv | undefined
  try {
    reader = new BerReader(der)
    const ci = expectTag(reader.read(0), 0x30, 'a ContentInfo')
    const kids = reader.children(ci)
    type = readOid(reader, kids[0], 'a content type')
    const wrapper = expectTag(kids[1], 0xa0, 'content [0]')
    body = reader.children(wrapper)[0]
  } catch (e) {
    if (e instanceof CoreError && e.code === 'limit-exceeded') throw e
    throw new CoreError('asn1', 'This is not a CMS message (ContentInfo could not be read).', { cause: e })
  }
  if (type !== OID.envelopedData && type !== OID.authEnvelopedData) {
    throw new CoreError('bad-input', `This CMS message is not encrypted (content type ${type}).`)
  }
  if (!body || body.tag !== 0x30) throw new CoreError('asn1', 'The encrypted message has no body.')
  return { reader, kind: type === OID.envelopedData ? 'enveloped' : 'auth-enveloped', body }
}

export function parseEnvelope(reader: BerReader, kind: 'enveloped' | 'auth-enveloped', body: Tlv): ParsedEnvelope {
  const r = reader
  const f = r.children(body)
  let i = 0
  readSmallInt(r, f[i++], 'a version')
  if (f[i]?.tag === 0xa0) i++ // originatorInfo: certificates and CRLs, not needed to decrypt
  const ris = expectTag(f[i++], 0x31, 'RecipientInfos')
  const recipients = r.children(ris).map((t) => parseRecipient(r, t))
  const eci = r.children(expectTag(f[i++], 0x30, 'EncryptedContentInfo'))
  const contentType = readOid(r, eci[0], 'a content type')
  const contentAlg = readAlgId(r, eci[1], 'a content encryption algorithm')
  const ec = eci[2]
  if (ec && ec.tag !== 0x80 && ec.tag !== 0xa0) throw bad('encryptedContent has the wrong tag')
  let authAttrs: Uint8Array | null = null
  let mac: Uint8Array | null = null
  if (kind === 'auth-enveloped') {
    if (f[i]?.tag === 0xa1) authAttrs = r.raw(f[i++]!)
    mac = r.value(expectTag(f[i], 0x04, 'the MAC'))
  }
  return { kind, reader: r, recipients, contentType, contentAlg, encryptedContent: ec, authAttrs, mac }
}

/**
 * The head of an EnvelopedData ContentInfo whose end may not be there yet (the rest of
 * the message is still base64): everything up to the header of the encryptedContent,
 * read from `der[0, available)`. Only the shape a single pass can decrypt is taken: an
 * EnvelopedData whose encryptedContent is one primitive, definite-length [0] (what
 * OpenSSL, Cachet and most clients write without streaming). Anything else, or a head
 * that does not fit in `available`, gives null: the caller decodes the whole message
 * and reads it with openContentInfo/parseEnvelope, which also report what is wrong.
 * The returned envelope's `encryptedContent` points past `available`: only its
 * offsets may be used, never through `reader`.
 */
export function parseEnvelopeHead(der: Uint8Array, available: number): ParsedEnvelope | null {
  try {
    const r = new BerReader(der.subarray(0, available))
    const ci = header(der, 0, available, 0x30)
    const type = r.read(ci.contentStart, available)
    if (readOid(r, type) !== OID.envelopedData) return null
    const wrapper = header(der, type.end, available, 0xa0)
    const body = header(der, wrapper.contentStart, available, 0x30)
    let p = body.contentStart
    const version = r.read(p, available)
    readSmallInt(r, version, 'a version')
    p = version.end
    if (der[p] === 0xa0) p = r.read(p, available).end // originatorInfo
    const ris = expectTag(r.read(p, available), 0x31, 'RecipientInfos')
    const recipients = r.children(ris).map((t) => parseRecipient(r, t))
    const eci = header(der, ris.end, available, 0x30)
    const ct = r.read(eci.contentStart, available)
    const contentType = readOid(r, ct, 'a content type')
    const algTlv = r.read(ct.end, available)
    const contentAlg = readAlgId(r, algTlv, 'a content encryption algorithm')
    const ec = header(der, algTlv.end, available, 0x80)
    if (ec.length < 0) return null
    const encryptedContent: Tlv = { tag: 0x80, constructed: false, start: ec.start, contentStart: ec.contentStart, contentEnd: ec.contentStart + ec.length, end: ec.contentStart + ec.length, indefinite: false }
    return { kind: 'enveloped', reader: r, recipients, contentType, contentAlg, encryptedContent, authAttrs: null, mac: null }
  } catch {
    return null
  }
}

/** The tag and length octets of the element at `pos` (length -1: indefinite); its content may lie beyond `available`. */
function header(b: Uint8Array, pos: number, available: number, tag: number): { start: number; contentStart: number; length: number } {
  if (pos + 2 > available || b[pos] !== tag) throw bad('unexpected element')
  let p = pos + 1
  const l0 = b[p++]!
  if (l0 === 0x80) return { start: pos, contentStart: p, length: -1 }
  let len = l0
  if (l0 & 0x80) {
    const n = l0 & 0x7f
    if (n > 4 || n === 0 || p + n > available) throw bad('length field')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!
  }
  return { start: pos, contentStart: p, length: len }
}

function parseRid(r: BerReader, t: Tlv | undefined): RecipientId {
  if (t?.tag === 0x30) {
    const [issuer, serial] = r.children(t)
    return { issuer: r.raw(expectTag(issuer, 0x30, 'an issuer')), serial: r.value(expectTag(serial, 0x02, 'a serial number')) }
  }
  if (t?.tag === 0x80) return { ski: r.value(t) }
  throw bad('unknown recipient identifier')
}

function parseRecipient(r: BerReader, t: Tlv): ParsedRecipient {
  if (t.tag === 0x30) {
    const k = r.children(t)
    return { type: 'ktri', rid: parseRid(r, k[1]), alg: readAlgId(r, k[2]), encryptedKey: r.value(expectTag(k[3], 0x04, 'an encrypted key')) }
  }
  if (t.tag === 0xa1) {
    const k = r.children(t)
    let j = 1 // version 3
    const origWrap = expectTag(k[j++], 0xa0, 'an originator')
    const orig = r.children(origWrap)[0]
    let originatorKey: { alg: AlgId; publicKey: Uint8Array } | null = null
    if (orig?.tag === 0xa1) {
      const [alg, pub] = r.children(orig)
      const bits = r.value(expectTag(pub, 0x03, 'a public key'))
      originatorKey = { alg: readAlgId(r, alg), publicKey: bits.subarray(1) }
    }
    let ukm: Uint8Array | null = null
    if (k[j]?.tag === 0xa1) ukm = r.value(expectTag(r.children(k[j++]!)[0], 0x04, 'ukm'))
    const alg = readAlgId(r, k[j++])
    const wrap = alg.params?.tag === 0x30 ? readAlgId(r, alg.params, 'a key wrap algorithm') : null
    const keys = r.children(expectTag(k[j], 0x30, 'RecipientEncryptedKeys')).map((rek) => {
      const [rid, ek] = r.children(rek)
      let id: RecipientId
      if (rid?.tag === 0xa0) {
        // rKeyId [0] IMPLICIT RecipientKeyIdentifier { subjectKeyIdentifier, date?, other? }
        id = { ski: r.value(expectTag(r.children(rid)[0], 0x04, 'a key identifier')) }
      } else id = parseRid(r, rid)
      return { rid: id, encryptedKey: r.value(expectTag(ek, 0x04, 'an encrypted key')) }
    })
    return { type: 'kari', originatorKey, ukm, alg, wrap, keys }
  }
  if (t.tag === 0xa2) {
    const k = r.children(t)
    const kekid = r.children(expectTag(k[1], 0x30, 'a KEK identifier'))
    return { type: 'kekri', keyId: r.value(expectTag(kekid[0], 0x04, 'a key identifier')), alg: readAlgId(r, k[2]), encryptedKey: r.value(expectTag(k[3], 0x04, 'an encrypted key')) }
  }
  if (t.tag === 0xa3) {
    const k = r.children(t)
    const alg = k.find((x) => x.tag === 0x30)
    return { type: 'pwri', alg: alg ? readAlgId(r, alg) : null }
  }
  if (t.tag === 0xa4) return { type: 'ori', alg: null }
  throw bad('unknown RecipientInfo')
}
