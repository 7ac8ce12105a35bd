/**
 * `sealMessage`: turn a draft (any RFC 5322 message) into what goes to SMTP (issue #6,
 * RFC 8551): the delivery headers (From, To, Cc, Date, Message-ID, Subject) stay
 * outside; everything else becomes the protected entity, which is signed
 * (multipart/signed with a detached SignedData over its exact bytes, or opaque
 * signed-data), then encrypted (EnvelopedData, or AuthEnvelopedData for AES-GCM) to
 * every recipient and always to the sender's own certificate, so the Sent copy and
 * encrypted drafts stay readable. Output is canonical CRLF and 7-bit.
 */
import type { CryptoLike } from '../crypto'
import { signData } from '../cms/signed'
import { encryptEnvelopeStream } from '../cms/envelope'
import { summarizeCertificate } from '../pki'
import { CoreError } from '../errors'
import type { Identity } from '../types'
import { encodeBase64Lines } from '../mime/encodings'
import { Base64LineWriter } from '../util/base64'
import { concat, equal, toHex } from '../util/bytes'
import { splitDraft } from './entity'
import { sealProtection } from './hp'
import { SEAL_COST, SealMeter, writeInPieces, type SealProgressListener, type SealStep } from './seal-progress'

export type SealCipher = 'aes-256-cbc' | 'aes-128-cbc' | 'aes-256-gcm' | 'aes-128-gcm'
export type SealDigest = 'sha256' | 'sha384' | 'sha512'

export interface SealOptions {
  identity: Identity
  sign: boolean
  encrypt: boolean
  /** Recipients' certificates (DER). The sender's own certificate is added when encrypting. */
  recipients: Uint8Array[]
  /** Default aes-256-cbc; the app picks GCM when every recipient announced it. */
  cipher?: SealCipher
  /** RSAES-OAEP key transport for RSA recipients (default PKCS#1 v1.5). */
  oaep?: boolean
  /** RSASSA-PSS signature for an RSA identity (default PKCS#1 v1.5). */
  pss?: boolean
  /** Opaque signed-data instead of multipart/signed. */
  opaque?: boolean
  /** Digest for the signature (default sha256). */
  digest?: SealDigest
  /** Accept expired or non-email recipient certificates. */
  allowExpired?: boolean
  /**
   * Header protection (RFC 9788, hp.ts): every header field of the draft goes inside the
   * signature and encryption too, marked hp="cipher" (encrypting) or hp="clear" (signing
   * only). Default on; false leaves only the delivery headers outside (RFC 8551 alone).
   */
  headerProtection?: boolean
  /**
   * Encrypting with header protection: the Subject reads `[...]` outside, the real one is
   * only inside (HP-Outer records it) and at the top of the body for clients that do not
   * read protected headers (Legacy Display Element). Default false.
   */
  protectSubject?: boolean
  /** Signing time (default now). */
  signingTime?: Date
  /** Random bytes for boundaries (default crypto.getRandomValues). */
  random?: (n: number) => Uint8Array
  /**
   * Progress for a bar (see seal-progress.ts): cumulative and rate-bounded, the last
   * report has done === total. Without it nothing is measured or split.
   */
  onProgress?: SealProgressListener
}

const MICALG: Record<SealDigest, string> = { sha256: 'sha-256', sha384: 'sha-384', sha512: 'sha-512' }

/** Reject recipients whose certificate is expired, not yet valid, or not for email (RFC 8550 §4.4). */
export async function checkRecipients(certs: Uint8Array[], crypto: CryptoLike, at = new Date()): Promise<void> {
  for (const der of certs) {
    const s = await summarizeCertificate(der, crypto)
    const who = `${s.subject}${s.emails.length ? ` <${s.emails.join(', ')}>` : ''} (serial ${s.serial})`
    if (new Date(s.notAfter).getTime() < at.getTime()) {
      throw new CoreError('certificate-unusable', `The certificate of ${who} expired on ${s.notAfter}; ask the recipient for a current one, or send with --allow-expired.`)
    }
    if (new Date(s.notBefore).getTime() > at.getTime()) {
      throw new CoreError('certificate-unusable', `The certificate of ${who} is not valid before ${s.notBefore}.`)
    }
    const eku = s.extendedKeyUsage
    if (eku.length > 0 && !eku.includes('emailProtection') && !eku.includes('anyExtendedKeyUsage')) {
      throw new CoreError('certificate-unusable', `The certificate of ${who} is not for email (extended key usage: ${eku.join(', ')}); ask the recipient for an S/MIME certificate.`)
    }
    if (s.isCA) throw new CoreError('certificate-unusable', `The certificate of ${who} is a CA certificate, not a person's.`)
    // RFC 8550 §4.4.2: when keyUsage is present it must allow the key management used.
    const needed = s.keyAlgorithm.startsWith('RSA') ? 'keyEncipherment' : s.keyAlgorithm.startsWith('EC') || s.keyAlgorithm === 'X25519' ? 'keyAgreement' : null
    if (needed && s.keyUsage.length > 0 && !s.keyUsage.includes(needed)) {
      throw new CoreError('certificate-unusable', `The certificate of ${who} is for signing only (key usage: ${s.keyUsage.join(', ')}); ask the recipient for their encryption certificate.`)
    }
  }
}

function boundary(crypto: CryptoLike, random?: (n: number) => Uint8Array): string {
  const b = random ? random(12) : crypto.getRandomValues(new Uint8Array(12))
  return `----=_CachetSigned.${toHex(b)}`
}

const ascii = (s: string) => {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f
  return out
}

/** The header block of an application/pkcs7-mime entity (RFC 8551 §3.2), blank line included. */
function pkcs7Head(smimeType: string): string {
  return (
    `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"\r\n` +
    'Content-Transfer-Encoding: base64\r\n' +
    'Content-Disposition: attachment; filename="smime.p7m"\r\n' +
    `Content-Description: S/MIME ${smimeType === 'signed-data' ? 'Signed' : 'Encrypted'} Message\r\n\r\n`
  )
}

/** The application/pkcs7-mime entity carrying a DER CMS object (RFC 8551 §3.2). */
function pkcs7MimeEntity(smimeType: string, der: Uint8Array, meter?: SealMeter): Uint8Array {
  if (!meter) return concat([ascii(pkcs7Head(smimeType)), encodeBase64Lines(der)])
  const head = ascii(pkcs7Head(smimeType))
  const out = new Uint8Array(head.length + Base64LineWriter.encodedLength(der.length))
  out.set(head)
  const w = new Base64LineWriter(out, head.length)
  let done = 0
  writeInPieces(der, (b) => w.write(b), (n) => meter.within((done += n), der.length))
  w.end()
  return out
}

/**
 * The steps sealMessage will take for this draft, with their budgets (seal-progress.ts).
 * Sizes are estimated from the draft: the entity is about its size, an opaque
 * signed-data a third larger once base64-encoded.
 */
function sealSteps(n: number, opts: SealOptions): SealStep[] {
  const steps: SealStep[] = [{ phase: 'preparing', work: n * SEAL_COST.prepare }]
  let entity = n
  if (opts.sign) {
    steps.push({ phase: 'signing', work: n * SEAL_COST.hash })
    if (opts.opaque) {
      steps.push({ phase: 'encoding', work: n * SEAL_COST.base64 })
      entity = Math.ceil((n * 4) / 3)
    }
  }
  if (opts.encrypt) {
    if ((opts.cipher ?? 'aes-256-cbc').endsWith('gcm')) {
      steps.push({ phase: 'encrypting', work: entity * SEAL_COST.gcm }, { phase: 'encoding', work: entity * SEAL_COST.base64 })
    } else {
      // CBC: each slice is encrypted then base64-encoded before the next one (one step).
      steps.push({ phase: 'encrypting', work: entity * (SEAL_COST.cbc + SEAL_COST.base64) })
    }
  }
  return steps
}

/** SHA-256 for RSA; for EC the hash that matches the curve (RFC 5753 §7.1; NSS and OpenSSL do the same). */
async function defaultDigest(cert: Uint8Array, crypto: CryptoLike): Promise<SealDigest> {
  const s = await summarizeCertificate(cert, crypto)
  if (s.keyAlgorithm === 'EC P-384') return 'sha384'
  if (s.keyAlgorithm === 'EC P-521') return 'sha512'
  return 'sha256'
}

export async function sealMessage(draftRaw: Uint8Array, opts: SealOptions, crypto: CryptoLike): Promise<Uint8Array> {
  if (!opts.sign && !opts.encrypt) throw new CoreError('bad-input', 'Nothing to do: choose Sign, Encrypt or both.')
  if (draftRaw.length === 0) throw new CoreError('bad-input', 'The draft is empty; give an RFC 5322 message.')
  const meter = opts.onProgress ? new SealMeter(sealSteps(draftRaw.length, opts), opts.onProgress) : undefined
  meter?.next()
  if (opts.encrypt && !opts.allowExpired) await checkRecipients(opts.recipients, crypto)
  const hp = opts.headerProtection !== false ? sealProtection({ encrypt: opts.encrypt, obscureSubject: opts.protectSubject === true }) : undefined
  const { outer, inner } = splitDraft(draftRaw, hp)
  if (outer.length === 0) throw new CoreError('bad-input', 'The draft has no From, To, Subject or Date header; is it an RFC 5322 message?')

  // The entity to protect, as parts in order (joined only when it must be one piece).
  let entity: Uint8Array[] = [inner]
  if (opts.sign) {
    if (opts.identity.privateKey.length === 0) throw new CoreError('key-locked', 'Signing needs the private key; unlock the identity first.')
    const digest = opts.digest ?? (await defaultDigest(opts.identity.certificate, crypto))
    // One WebCrypto digest over the whole entity: reported at its start and end only.
    meter?.next()
    const der = await signData(
      inner,
      { identity: opts.identity, digest, pss: opts.pss ?? false, detached: !opts.opaque, signingTime: opts.signingTime ?? new Date() },
      crypto,
    )
    if (opts.opaque) {
      meter?.next()
      entity = [pkcs7MimeEntity('signed-data', der, meter)]
    } else {
      const b = boundary(crypto, opts.random)
      const head =
        `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=${MICALG[digest]};\r\n boundary="${b}"\r\n\r\n` +
        `This is a cryptographically signed message in MIME format.\r\n\r\n--${b}\r\n`
      const sigHead =
        `\r\n--${b}\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\n` +
        `Content-Disposition: attachment; filename="smime.p7s"\r\nContent-Description: S/MIME Cryptographic Signature\r\n\r\n`
      entity = [ascii(head), inner, ascii(sigHead), encodeBase64Lines(der), ascii(`--${b}--\r\n`)]
    }
  }
  const top = [outer, ascii('MIME-Version: 1.0\r\n')]
  if (!opts.encrypt) {
    const out = concat([...top, ...entity])
    meter?.end()
    return out
  }
  const cipher = opts.cipher ?? 'aes-256-cbc'
  const certs = [...opts.recipients]
  // Always readable by the sender too (Sent copy, encrypted drafts).
  if (!certs.some((c) => equal(c, opts.identity.certificate))) certs.push(opts.identity.certificate)
  const gcm = cipher.endsWith('gcm')
  meter?.next() // AES-GCM is one WebCrypto call inside encryptEnvelopeStream; CBC happens in write()
  const env = await encryptEnvelopeStream(entity, { recipients: certs.map((certificate) => ({ certificate, oaep: opts.oaep ?? false })), cipher }, crypto)
  if (gcm) meter?.next()
  // One allocation for the whole message: the DER is encrypted and base64-encoded
  // piece by piece straight into it (no copy of the entity, the DER or the base64).
  top.push(ascii(pkcs7Head(gcm ? 'authEnveloped-data' : 'enveloped-data')))
  const topLength = top.reduce((n, x) => n + x.length, 0)
  const out = new Uint8Array(topLength + Base64LineWriter.encodedLength(env.length))
  let o = 0
  for (const x of top) {
    out.set(x, o)
    o += x.length
  }
  const w = new Base64LineWriter(out, o)
  if (!meter) await env.write((piece) => w.write(piece))
  else {
    let done = 0
    const report = (n: number) => meter.within((done += n), env.length)
    await env.write((piece) => writeInPieces(piece, (b) => w.write(b), report))
  }
  if (w.end() !== out.length) throw new CoreError('internal', 'The sealed message came out shorter than announced.')
  meter?.end()
  return out
}
