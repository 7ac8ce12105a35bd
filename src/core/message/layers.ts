/**
 * Step 2 of the pipeline: process one detected S/MIME layer into an annotation — its
 * report entry and, when it could be opened, the bytes of the entity it wraps.
 * A discriminated union per outcome instead of one record with nullable fields.
 */
import type { CryptoLike } from '../crypto'
import { verifySigned } from '../cms/signed'
import { decryptEnvelope, decryptEnvelopeBase64, type DecryptOptions } from '../cms/envelope'
import { summarizeCertificate } from '../pki'
import { canonicalizeLineEnds, header, parseMime, headers, type MimeEntity } from '../mime'
import { parseAddressList } from '../mime'
import type { CertificateSummary, ErrorEntry, Keyring } from '../types'
import { toErrorEntry } from '../errors'
import type { LayerReport } from './report'
import { judgeSigner, type AcceptedGateways, type FromAddress, type SignerCheckLike } from './signer'

export type LayerOutcome =
  | { kind: 'opened'; report: LayerReport; inner: Uint8Array; errors: ErrorEntry[]; certificates: Uint8Array[]; crls: Uint8Array[] }
  /** The layer was reported but what it wraps cannot be reached (not for us, corrupt). */
  | { kind: 'stopped'; report: LayerReport; errors: ErrorEntry[] }

export interface LayerContext {
  keyring: Keyring
  crypto: CryptoLike
  from: FromAddress
  /** Certificates and CRLs carried by outer layers (path building for inner signers). */
  certificates: Uint8Array[]
  crls: Uint8Array[]
  decryptOptions?: DecryptOptions
  /** Accepted mail gateway certificates by domain (OpenOptions.gateways). */
  gateways?: AcceptedGateways
}

function problemEntries(problems: unknown[] | undefined, code: string): ErrorEntry[] {
  return (problems ?? []).map((p) =>
    typeof p === 'string' ? { code, message: p } : p && typeof p === 'object' && 'code' in p ? (p as ErrorEntry) : { code, message: String(p) },
  )
}

/** The From addresses inside a signed entity (RFC 8551 header protection), or null when it has none. */
function innerFromOf(content: Uint8Array): string[] | null {
  const e = parseMime(content, { maxDepth: 1, maxParts: 1 })
  const fromHeaders = headers(e, 'from')
  if (fromHeaders.length === 0) return null
  return fromHeaders.flatMap((h) => parseAddressList(h).map((a) => a.address))
}

/**
 * May the signed part of a multipart/signed be verified in its canonical CRLF form when
 * its exact bytes do not verify? Only when no part of it is `Content-Transfer-Encoding:
 * binary` (RFC 8551 §3.1.1 canonicalises text; binary content is signed as its exact
 * bytes, where a LF is data, not a line end). Bounded by the parser's own limits.
 */
export function mayCanonicalize(part: MimeEntity): boolean {
  const stack: MimeEntity[] = [part]
  while (stack.length) {
    const e = stack.pop()!
    if ((header(e, 'content-transfer-encoding') ?? '').trim().toLowerCase() === 'binary') return false
    stack.push(...e.children)
  }
  return true
}

const DIGEST_MISMATCH = 'message digest mismatch'

/**
 * A SignedData layer: opaque (content inside) or detached (content = the exact first-part bytes).
 *
 * `canonical` (detached only, see mayCanonicalize): S/MIME signs the canonical form of a
 * text entity, lines ending in CRLF (RFC 8551 §3.1.1), and a message stored or relayed with
 * bare LF line ends (an .eml saved on Unix, a signed part inside an encryption made by a
 * client that wrote LF) no longer has those exact bytes. The exact bytes are checked
 * first, always: a signature over them stands as it is. Only when a signer's digest does
 * not match them, and the part has a bare LF, is the canonical form checked — with the
 * same, unweakened comparison. Nothing is gained by an attacker: what verifies is then
 * exactly the canonical form, and that form (not the bytes received) is what is shown
 * and returned as the layer's content; changing any character still breaks the digest.
 */
export async function processSigned(der: Uint8Array, detached: Uint8Array | null, ctx: LayerContext, opts: { canonical?: boolean } = {}): Promise<LayerOutcome> {
  const errors: ErrorEntry[] = []
  let result: Awaited<ReturnType<typeof verifySigned>>
  const verifyOpts = { extraCertificates: [...ctx.keyring.certificates, ...ctx.certificates] }
  try {
    result = await verifySigned(der, detached, ctx.crypto, verifyOpts)
    if (detached !== null && opts.canonical && result.signers.some((s) => !s.ok && s.reasons.includes(DIGEST_MISMATCH))) {
      const canonical = canonicalizeLineEnds(detached)
      if (canonical !== detached) {
        const again = await verifySigned(der, canonical, ctx.crypto, verifyOpts)
        const ok = (r: typeof result) => r.signers.filter((s) => s.ok).length
        if (ok(again) > ok(result)) {
          result = again
          detached = canonical
        }
      }
    }
  } catch (e) {
    errors.push(toErrorEntry(e))
    // A detached signature that cannot be read still leaves the signed part readable:
    // it is shown, under a layer with no signers (verdict 'invalid').
    if (detached !== null) return { kind: 'opened', report: emptySigned(true), inner: detached, errors, certificates: [], crls: [] }
    return { kind: 'stopped', report: emptySigned(false), errors }
  }
  errors.push(...problemEntries(result.problems as unknown[], 'signature-invalid'))
  const content = detached ?? result.content
  const certificates = (result.certificates ?? []) as Uint8Array[]
  const crls = (result.crls ?? []) as Uint8Array[]
  const innerFrom = content ? innerFromOf(content) : null
  const signers = []
  for (const s of result.signers) {
    const r = await judgeSigner(s as unknown as SignerCheckLike, {
      keyring: ctx.keyring,
      messageCertificates: [...ctx.certificates, ...certificates],
      messageCrls: [...ctx.crls, ...crls],
      from: ctx.from,
      innerFrom,
      crypto: ctx.crypto,
      ...(ctx.gateways ? { gateways: ctx.gateways } : {}),
    })
    signers.push(r)
  }
  const certSummaries: CertificateSummary[] = []
  for (const c of certificates) {
    try {
      certSummaries.push(await summarizeCertificate(c, ctx.crypto))
    } catch {}
  }
  const report: LayerReport = {
    kind: 'signed',
    detached: detached !== null,
    contentType: String(result.contentType ?? ''),
    digestAlgorithms: (result.digestAlgorithms ?? []) as string[],
    signers,
    certificates: certSummaries,
  }
  if (signers.length === 0 && !errors.length) errors.push({ code: 'signature-invalid', message: 'The signature object holds no signer.' })
  if (!content) {
    errors.push({ code: 'signature-invalid', message: 'The signed layer carries no content.' })
    return { kind: 'stopped', report, errors }
  }
  return { kind: 'opened', report, inner: content, errors, certificates, crls }
}

function emptySigned(detached: boolean): LayerReport {
  return { kind: 'signed', detached, contentType: '', digestAlgorithms: [], signers: [], certificates: [] }
}

/**
 * Where an encrypted layer's CMS object is: DER (`owned`: a buffer of our own that nothing
 * reads afterwards, decoded from the part's transfer encoding, so the content may be
 * decrypted over it: DecryptOptions.inPlace), or the part's base64 body, decoded and
 * decrypted in one pass (decryptEnvelopeBase64).
 */
export type EnvelopeSource = { der: Uint8Array; owned: boolean } | { base64: Uint8Array }

/** An EnvelopedData or AuthEnvelopedData layer, opened with the keyring's identities. */
export async function processEnveloped(source: EnvelopeSource, declaredAuth: boolean, ctx: LayerContext): Promise<LayerOutcome> {
  const errors: ErrorEntry[] = []
  let r: Awaited<ReturnType<typeof decryptEnvelope>>
  try {
    const ids = ctx.keyring.identities
    r = 'base64' in source
      ? await decryptEnvelopeBase64(source.base64, ids, ctx.crypto, ctx.decryptOptions)
      : await decryptEnvelope(source.der, ids, ctx.crypto, source.owned ? { ...ctx.decryptOptions, inPlace: true } : ctx.decryptOptions)
  } catch (e) {
    const entry = toErrorEntry(e)
    errors.push(entry)
    const status = entry.code === 'unsupported-algorithm' ? 'unsupported' : entry.code === 'not-for-you' ? 'not-for-you' : 'corrupt'
    return {
      kind: 'stopped',
      report: { kind: declaredAuth ? 'auth-enveloped' : 'enveloped', status, contentEncryptionAlgorithm: '', integrity: declaredAuth, weak: [], recipients: [] },
      errors,
    }
  }
  const report: LayerReport = {
    kind: r.kind,
    status: r.status,
    contentEncryptionAlgorithm: r.contentEncryptionAlgorithm,
    integrity: r.integrity,
    weak: r.weak,
    ...(r.noConfidentiality ? { noConfidentiality: r.noConfidentiality } : {}),
    recipients: r.recipients,
  }
  if (r.error) errors.push({ code: r.error.code, message: r.error.message })
  else if (r.status !== 'decrypted') errors.push({ code: r.status === 'corrupt' ? 'decrypt-failed' : r.status, message: envelopeMessage(r.status, r.recipients) })
  if (r.status !== 'decrypted' || !r.content) return { kind: 'stopped', report, errors }
  return { kind: 'opened', report, inner: r.content, errors, certificates: [], crls: [] }
}

function envelopeMessage(status: string, recipients: { issuer?: string; serial?: string; subjectKeyIdentifier?: string }[]): string {
  if (status === 'not-for-you') {
    const names = recipients.map((x) => (x.issuer ? `${x.issuer}, serial ${x.serial}` : `key id ${x.subjectKeyIdentifier ?? '?'}`))
    return `This message is encrypted for other certificates (${names.join('; ')}); import the matching PFX to read it.`
  }
  if (status === 'unsupported') return 'This message uses an encryption algorithm Cachet cannot read.'
  return 'The encrypted content could not be decrypted; the message is damaged or was altered.'
}
