import { parseDer } from '../../asn1/der'
import { oidName } from '../../asn1/oids'
import { formatName } from '../../pki/name'
import type { CryptoLike } from '../../crypto'
import { CoreError, toErrorEntry } from '../../errors'
import type { RecipientReport } from '../../message/report'
import type { Identity } from '../../types'
import { equal, toHex } from '../../util/bytes'
import { bad, expectTag, readSmallInt } from './ber'
import { certRefs, nameToString, serialHex, type CertRefs } from './cert'
import { rc2EffectiveBitsFromVersion } from '../../cipher/rc2'
import { KNOWN_UNSUPPORTED, contentAlgorithm, decryptCbc, decryptCbcStream, decryptGcm, type ContentAlgorithm } from './content'
import { openContentInfo, parseEnvelope, parseEnvelopeHead, type ParsedEnvelope, type ParsedRecipient, type RecipientId } from './parse'
import { Base64Decoder } from '../../util/base64'
import { kariKey, kekriKey, ktriKey, ridMatches } from './recipients'
import { contentAlgorithmName, noConfidentiality } from './weak'

export interface EnvelopeResult {
  kind: 'enveloped' | 'auth-enveloped'
  status: 'decrypted' | 'not-for-you' | 'corrupt' | 'unsupported'
  /** e.g. 'aes-256-cbc', 'aes-128-gcm', 'des-ede3-cbc'; the OID name when unknown. */
  contentEncryptionAlgorithm: string
  /** True only for authenticated encryption (GCM in AuthEnvelopedData); CBC is malleable. */
  integrity: boolean
  weak: string[]
  /** Set when the content cipher gives no real confidentiality (weak.ts): why, in words. */
  noConfidentiality?: string
  recipients: RecipientReport[]
  /** OID of the inner content (id-data for S/MIME). */
  contentType: string
  content: Uint8Array | null
  error: { code: string; message: string } | null
}

export interface DecryptOptions {
  /** Pre-shared key-encryption keys for KEKRecipientInfo, by key identifier. */
  kek?: { id: Uint8Array; key: Uint8Array }[]
  /**
   * The caller owns `contentInfoDer` and never reads it again (openMessage, on DER it
   * decoded from base64): CBC content is then decrypted over its ciphertext, saving a
   * buffer of the message's size (issue #5, peak memory). Only the last decryption
   * attempt does so, so a wrong key tried first leaves the ciphertext intact.
   */
  inPlace?: boolean
  /**
   * Decrypt content whose cipher gives no real confidentiality (weak.ts: 40-bit RC2,
   * single DES) instead of refusing it with status 'unsupported'. Only on the user's
   * explicit request to read such a message as unprotected text.
   */
  allowWeakCiphers?: boolean
  /** AES-CBC slice size of decryptEnvelopeBase64's single pass (tests; default STREAM_SLICE). */
  streamSlice?: number
}

/** One way to open the message: a recipient entry with a key of ours. */
interface Attempt {
  report: number
  unwrap: (keyLength: number) => Promise<Uint8Array>
}

/** Issuer names in the same RFC 4514 form as certificate summaries (src/core/pki), so the UI can match them. */
function issuerString(der: Uint8Array): string {
  try {
    return formatName(parseDer(der, 'issuer name'))
  } catch {
    return nameToString(der)
  }
}

function describe(rid: RecipientId, report: RecipientReport): void {
  if ('ski' in rid) report.subjectKeyIdentifier = toHex(rid.ski)
  else {
    report.issuer = issuerString(rid.issuer)
    report.serial = serialHex(rid.serial)
  }
}

/** Reports for every recipient entry, and the attempts our identities and KEKs allow. */
function plan(env: ParsedEnvelope, ids: { identity: Identity; refs: CertRefs }[], opts: DecryptOptions, crypto: CryptoLike): { reports: RecipientReport[]; attempts: Attempt[] } {
  const reports: RecipientReport[] = []
  const attempts: Attempt[] = []
  const add = (ri: ParsedRecipient, rid: RecipientId | null, alg: string): number => {
    const rep: RecipientReport = { type: ri.type, keyEncryptionAlgorithm: alg, ours: false }
    if (rid) describe(rid, rep)
    reports.push(rep)
    return reports.length - 1
  }
  for (const ri of env.recipients) {
    if (ri.type === 'ktri') {
      const idx = add(ri, ri.rid, oidName(ri.alg.oid))
      for (const id of ids) {
        if (ridMatches(ri.rid, id.refs, id.identity.certificate)) attempts.push({ report: idx, unwrap: (n) => ktriKey(ri, id.identity, n, crypto) })
      }
    } else if (ri.type === 'kari') {
      const alg = oidName(ri.alg.oid) + (ri.wrap ? `+${oidName(ri.wrap.oid)}` : '')
      for (const rek of ri.keys) {
        const idx = add(ri, rek.rid, alg)
        for (const id of ids) {
          if (ridMatches(rek.rid, id.refs, id.identity.certificate)) attempts.push({ report: idx, unwrap: (n) => kariKey(ri, rek.encryptedKey, id.identity, n, crypto) })
        }
      }
    } else if (ri.type === 'kekri') {
      const idx = add(ri, null, oidName(ri.alg.oid))
      for (const k of opts.kek ?? []) {
        if (equal(k.id, ri.keyId)) attempts.push({ report: idx, unwrap: async (n) => kekriKey(ri, k.key, n) })
      }
    } else {
      add(ri, null, ri.alg ? oidName(ri.alg.oid) : '')
    }
  }
  return { reports, attempts }
}

function recipientList(reports: RecipientReport[]): string {
  const names = reports.map((r) =>
    r.issuer !== undefined ? `${r.issuer} (serial ${r.serial})` : r.subjectKeyIdentifier !== undefined ? `key identifier ${r.subjectKeyIdentifier}` : `a ${r.type} recipient`,
  )
  return names.length ? names.join('; ') : 'no recipients'
}

/**
 * IV for CBC; nonce and tag length for GCM (GCMParameters, RFC 5084 §3.2: ICV length
 * defaults to 12); IV and effective key bits for RC2 (RC2CBCParameter, RFC 3370 §5.2).
 */
function contentParams(env: ParsedEnvelope, alg: ContentAlgorithm): { iv: Uint8Array; tagLength: number; rc2Bits: number } {
  const r = env.reader
  const p = env.contentAlg.params
  if (alg.mode === 'rc2') {
    if (p?.tag === 0x04) return { iv: r.value(p), tagLength: 0, rc2Bits: 32 }
    const f = r.children(expectTag(p, 0x30, 'RC2 parameters'))
    const version = f.length > 1 ? readSmallInt(r, f[0], 'an RC2 version') : 32
    return { iv: r.value(expectTag(f[f.length - 1], 0x04, 'an IV')), tagLength: 0, rc2Bits: rc2EffectiveBitsFromVersion(version) }
  }
  if (alg.mode !== 'gcm') return { iv: r.value(expectTag(p, 0x04, 'an IV')), tagLength: 0, rc2Bits: 0 }
  const f = r.children(expectTag(p, 0x30, 'GCM parameters'))
  const iv = r.value(expectTag(f[0], 0x04, 'a GCM nonce'))
  const tagLength = f[1] ? readSmallInt(r, f[1], 'a GCM tag length') : 12
  // RFC 5084 §3.2: aes-ICVlen is 12..16. WebCrypto would also take a 4- or 8-octet tag,
  // which an attacker can truncate a real tag to and forge far more easily (issue #3).
  if (tagLength < 12 || tagLength > 16) {
    throw new CoreError('integrity-failed', `The message uses a ${tagLength}-octet AES-GCM tag; RFC 5084 requires 12 to 16, so its integrity cannot be trusted. Nothing of it is shown.`)
  }
  return { iv, tagLength, rc2Bits: 0 }
}

/** The content-encryption key length: fixed, except RC2 whose effective bits are in its parameters. */
function keyLengthFor(env: ParsedEnvelope, alg: ContentAlgorithm): number {
  return alg.mode === 'rc2' ? contentParams(env, alg).rc2Bits / 8 : alg.keyLength
}

async function decryptContent(env: ParsedEnvelope, alg: ContentAlgorithm, cek: Uint8Array, crypto: CryptoLike, inPlace = false): Promise<Uint8Array> {
  const { iv, tagLength, rc2Bits } = contentParams(env, alg)
  const ec = env.encryptedContent
  if (!ec) throw bad('the encrypted content is missing (detached content is not supported)')
  if (alg.mode !== 'gcm') return decryptCbc(alg, cek, iv, env.reader.octets(ec).bytes, crypto, rc2Bits, inPlace)
  const mac = env.mac ?? new Uint8Array(0)
  if (mac.length !== tagLength) throw new CoreError('integrity-failed', 'The message failed its integrity check (tag length mismatch). Nothing of it is shown.')
  // Gather ciphertext and tag into one buffer: one copy of the content at most.
  const { bytes, length } = env.reader.octets(ec, tagLength)
  const data = bytes.length === length + tagLength ? bytes : concatTag(bytes, mac)
  data.set(mac, length)
  let aad: Uint8Array | null = null
  if (env.authAttrs) {
    aad = env.authAttrs.slice()
    aad[0] = 0x31 // RFC 5083 §2.2: MAC over the DER of authAttrs with the SET OF tag
  }
  return decryptGcm(cek, iv, tagLength, data, aad, crypto)
}

function concatTag(ct: Uint8Array, mac: Uint8Array): Uint8Array {
  const out = new Uint8Array(ct.length + mac.length)
  out.set(ct)
  return out
}

/**
 * Decrypt an EnvelopedData (RFC 5652) or AuthEnvelopedData (RFC 5083) ContentInfo.
 *
 * Throws only when the input is not an encrypted CMS ContentInfo at all: CoreError('asn1')
 * when no ContentInfo can be read, CoreError('bad-input') when it is CMS of another type,
 * CoreError('limit-exceeded') beyond the engine's size bounds. Anything wrong inside an
 * encrypted message comes back as a result: status 'corrupt' with `error` set ('asn1',
 * 'decrypt-failed', 'integrity-failed'). A padding error and a wrong key give the same
 * result (RFC 3218); content is null unless status is 'decrypted'.
 */
export async function decryptEnvelope(contentInfoDer: Uint8Array, identities: Identity[], crypto: CryptoLike, opts: DecryptOptions = {}): Promise<EnvelopeResult> {
  const { reader, kind, body } = openContentInfo(contentInfoDer)
  const result = emptyResult(kind)
  let env: ParsedEnvelope
  try {
    env = parseEnvelope(reader, kind, body)
  } catch (e) {
    result.error = toErrorEntry(e)
    return result
  }
  const prepared = prepare(env, result, identities, opts, crypto)
  if (!prepared) return result
  const { alg, attempts } = prepared
  let lastError: unknown = null
  let allUnsupported = true
  for (const a of attempts) {
    try {
      const cek = await a.unwrap(keyLengthFor(env, alg))
      const content = await decryptContent(env, alg, cek, crypto, opts.inPlace === true && a === attempts[attempts.length - 1])
      return decrypted(result, a, content)
    } catch (e) {
      lastError = e
      if (!(e instanceof CoreError && e.code === 'unsupported-algorithm')) allUnsupported = false
    }
  }
  return failed(result, alg, lastError, allUnsupported)
}

function emptyResult(kind: EnvelopeResult['kind']): EnvelopeResult {
  return { kind, status: 'corrupt', contentEncryptionAlgorithm: '', integrity: false, weak: [], recipients: [], contentType: '', content: null, error: null }
}

/**
 * The report of a parsed envelope (algorithm, recipients) and the ways our keys allow to
 * open it; null when there is none (not for us, or an algorithm we cannot use), with the
 * result already saying so.
 */
function prepare(
  env: ParsedEnvelope,
  result: EnvelopeResult,
  identities: Identity[],
  opts: DecryptOptions,
  crypto: CryptoLike,
): { alg: ContentAlgorithm; attempts: Attempt[] } | null {
  const kind = env.kind
  result.contentType = env.contentType
  const alg = contentAlgorithm(env.contentAlg.oid)
  let rc2Bits: number | null = null
  if (alg?.mode === 'rc2') {
    try {
      rc2Bits = contentParams(env, alg).rc2Bits
    } catch {} // malformed parameters fail later, where the content is decrypted
  }
  result.contentEncryptionAlgorithm = alg ? contentAlgorithmName(alg, rc2Bits) : (KNOWN_UNSUPPORTED[env.contentAlg.oid] ?? oidName(env.contentAlg.oid))
  if (alg?.weak || KNOWN_UNSUPPORTED[env.contentAlg.oid]) result.weak.push(result.contentEncryptionAlgorithm)
  result.integrity = alg?.mode === 'gcm' && kind === 'auth-enveloped'

  const ids: { identity: Identity; refs: CertRefs }[] = []
  for (const identity of identities) {
    try {
      ids.push({ identity, refs: certRefs(identity.certificate) })
    } catch {}
  }
  const { reports, attempts } = plan(env, ids, opts, crypto)
  result.recipients = reports

  if (attempts.length === 0) {
    result.status = 'not-for-you'
    result.error = {
      code: 'not-for-you',
      message: `This message is encrypted for ${recipientList(reports)}. None of your certificates matches: import the identity (PFX) of one of these certificates to read it.`,
    }
    return null
  }
  if (!alg || (alg.mode === 'gcm') !== (kind === 'auth-enveloped')) {
    result.status = 'unsupported'
    result.error = {
      code: 'unsupported-algorithm',
      message: alg
        ? `${alg.name} is not allowed in ${kind === 'enveloped' ? 'EnvelopedData' : 'AuthEnvelopedData'}.`
        : `The content is encrypted with ${result.contentEncryptionAlgorithm}, which Cachet cannot decrypt. Ask the sender to use AES.`,
    }
    return null
  }
  // After the recipients (a message not for us says so first), before any key is unwrapped.
  const refused = noConfidentiality(alg, rc2Bits)
  if (refused) result.noConfidentiality = refused
  if (refused && !opts.allowWeakCiphers) {
    result.status = 'unsupported'
    result.error = { code: 'unsupported-algorithm', message: refused }
    return null
  }
  return { alg, attempts }
}

function decrypted(result: EnvelopeResult, a: Attempt, content: Uint8Array): EnvelopeResult {
  result.recipients[a.report]!.ours = true
  result.status = 'decrypted'
  result.content = content
  result.error = null
  return result
}

/** Every attempt failed: one result for all of them. */
function failed(result: EnvelopeResult, alg: ContentAlgorithm, lastError: unknown, allUnsupported: boolean): EnvelopeResult {
  result.status = allUnsupported ? 'unsupported' : 'corrupt'
  if (!allUnsupported && !(lastError instanceof CoreError && (lastError.code === 'integrity-failed' || lastError.code === 'asn1'))) {
    // Key unwrap errors, bad padding and wrong keys all read the same (RFC 3218).
    lastError = alg.mode === 'gcm'
      ? new CoreError('integrity-failed', 'The message failed its integrity check: it was altered or not encrypted for this key. Nothing of it is shown.')
      : new CoreError('decrypt-failed', 'The message could not be decrypted: it is damaged or was not encrypted for this key.')
  }
  result.error = toErrorEntry(lastError)
  return result
}

/** Base64 decoded before the envelope's head is looked at (recipients and algorithm fit in it unless it carries certificates). */
const HEAD_BYTES = 64 * 1024

/**
 * decryptEnvelope on a ContentInfo still in base64 (the body of an application/pkcs7-mime
 * part), with the same results, errors and RFC 3218 behaviour. When the message is an
 * AES-CBC EnvelopedData with one primitive encryptedContent and exactly one way for our
 * keys to open it (the usual case), it is decoded and decrypted in one pass: each slice of
 * ciphertext is decoded just before it is decrypted, in place, in the one buffer the
 * base64 is decoded to (issue #5: no second pass over the whole message, and where
 * WebCrypto works on another thread, as in Node, the decoding of the next slice overlaps
 * the decryption of this one). Otherwise the whole body is decoded first and given to
 * decryptEnvelope.
 *
 * The head (recipients, algorithm, IV) is read from the first bytes; once all is decoded
 * the whole ContentInfo is read again exactly as decryptEnvelope reads it, before any
 * plaintext is returned: a structure that does not hold (a trailer that is not DER, a
 * length that does not match) gives decryptEnvelope's own error for it, and no content.
 */
export async function decryptEnvelopeBase64(base64: Uint8Array, identities: Identity[], crypto: CryptoLike, opts: DecryptOptions = {}): Promise<EnvelopeResult> {
  const dec = new Base64Decoder(base64)
  const der = dec.out
  const whole = () => decryptEnvelope(der.subarray(0, dec.finish()), identities, crypto, { ...opts, inPlace: true })
  const env = parseEnvelopeHead(der, dec.fill(HEAD_BYTES))
  const alg = env && contentAlgorithm(env.contentAlg.oid)
  if (!env || !alg || alg.mode !== 'cbc') return whole()
  const ec = env.encryptedContent!
  const result = emptyResult('enveloped')
  const planned = prepare(env, result, identities, opts, crypto)
  if (planned?.attempts.length !== 1) return whole()
  const attempt = planned.attempts[0]!
  let content: Uint8Array | null = null
  let error: unknown = null
  try {
    const cek = await attempt.unwrap(keyLengthFor(env, alg))
    const { iv } = contentParams(env, alg)
    const ready = (end: number) => {
      if (dec.fill(end) < end) throw bad('the encrypted content is cut short')
    }
    content = await decryptCbcStream(cek, iv, der, ec.contentStart, ec.contentEnd - ec.contentStart, ready, crypto, opts.streamSlice)
  } catch (e) {
    error = e
  }
  const n = dec.finish()
  const check = sameEnvelope(der.subarray(0, n), env)
  // Read as decryptEnvelope reads it: its error for the structure (it fails before it decrypts anything).
  if (check === 'unreadable') return decryptEnvelope(der.subarray(0, n), [], crypto)
  if (check === 'different') {
    result.error = toErrorEntry(bad('the encrypted content is not where its header says'))
    return result
  }
  if (content) return decrypted(result, attempt, content)
  return failed(result, alg, error, error instanceof CoreError && error.code === 'unsupported-algorithm')
}

/** The whole ContentInfo read as decryptEnvelope reads it: does it hold, and is it the envelope whose head was read? */
function sameEnvelope(der: Uint8Array, head: ParsedEnvelope): 'same' | 'different' | 'unreadable' {
  let env: ParsedEnvelope
  try {
    const { reader, kind, body } = openContentInfo(der)
    env = parseEnvelope(reader, kind, body)
  } catch {
    return 'unreadable'
  }
  const a = env.encryptedContent
  const b = head.encryptedContent!
  const same =
    env.kind === head.kind && a !== undefined && !a.constructed && a.tag === b.tag && a.start === b.start && a.contentStart === b.contentStart && a.contentEnd === b.contentEnd &&
    env.recipients.length === head.recipients.length && env.contentType === head.contentType && equal(env.contentAlg.raw, head.contentAlg.raw)
  return same ? 'same' : 'different'
}
