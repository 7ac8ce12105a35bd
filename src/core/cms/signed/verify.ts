/**
 * Verifying CMS SignedData (RFC 5652 §5) — the cryptographic part only: each signer's
 * signature, its message-digest and content-type attributes, and which certificate it
 * names. Whether that certificate is trusted is src/core/pki's question.
 *
 * Hostile input is the normal case (issue #3, "CMS spoofing"): eContent inside a
 * detached signature, empty digest sets, no signers, repeated attributes all yield
 * problems and not-ok signers, never an exception (except CoreError('asn1') when the
 * input is not a SignedData at all).
 */
import { parseDer } from '../../asn1/der'
import { OID } from '../../asn1/oids'
import type { CryptoLike } from '../../crypto'
import { CoreError } from '../../errors'
import { equal, toHex } from '../../util/bytes'
import { digest, digestName, resolveSigAlg, verifySignature, type DigestName } from './algorithms'
import { intHex, isContext, isUniversal, kids, octets, oidOf, primitiveValue, raw, timeOf, type Node } from './asn'
import { parseSmimeCapabilities, readAttributes, readEncryptionKeyPreference } from './attributes'
import { formatName } from '../../pki/name'
import { certInfo, findCert, type CertInfo } from './certs'

export interface SignerCheck {
  /** Signature, message-digest attribute and content-type attribute all verify. */
  ok: boolean
  /** What failed, in words (empty when ok). */
  reasons: string[]
  /** DER of the certificate the signer identifier names, if it was found. */
  certificate: Uint8Array | null
  sid: { issuer?: string; serial?: string; subjectKeyIdentifier?: string }
  /** 'sha256', ... or the dotted OID when unknown */
  digestAlgorithm: string
  /** 'rsa-pkcs1-sha256', 'rsa-pss-sha256', 'ecdsa-sha384', 'ed25519', ... */
  signatureAlgorithm: string
  /** signingTime attribute, ISO 8601, or null */
  signingTime: string | null
  /** SMIMECapabilities names, preferred first (e.g. 'aes-256-gcm', 'rsaes-oaep') */
  capabilities: string[]
  encryptionKeyPreference: { issuer: string; serial: string } | null
  /** Weak algorithms used ('sha1'). */
  weak: string[]
}

export interface SignedResult {
  /** True when the SignedData carries no eContent. */
  detached: boolean
  /** eContentType OID */
  contentType: string
  /** The encapsulated content of an opaque signature; null when detached. */
  content: Uint8Array | null
  digestAlgorithms: string[]
  certificates: Uint8Array[]
  crls: Uint8Array[]
  signers: SignerCheck[]
  /** Structure-level problems; when non-empty no signer is ok. */
  problems: string[]
}

export interface VerifyOptions {
  /** More certificates to find signers by (contacts, known intermediates). */
  extraCertificates?: Uint8Array[]
}

const notSignedData = (what: string) =>
  new CoreError('asn1', `This is not a CMS SignedData (${what}); check that the signature part or .p7m file is complete.`)

/**
 * Verify every signer of a ContentInfo holding SignedData.
 * `detachedContent`: the exact signed bytes for a detached signature (multipart/signed
 * first part), or null for an opaque one.
 */
export async function verifySigned(
  contentInfoDer: Uint8Array,
  detachedContent: Uint8Array | null,
  crypto: CryptoLike,
  opts: VerifyOptions = {},
): Promise<SignedResult> {
  try {
    return await verifyInner(contentInfoDer, detachedContent, crypto, opts)
  } catch (e) {
    if (e instanceof CoreError) throw e
    // belt and braces: a structure asn1js accepted but we could not follow
    throw new CoreError('asn1', `The SignedData could not be read: ${e instanceof Error ? e.message : String(e)}.`, { cause: e })
  }
}

async function verifyInner(
  contentInfoDer: Uint8Array,
  detachedContent: Uint8Array | null,
  crypto: CryptoLike,
  opts: VerifyOptions,
): Promise<SignedResult> {
  const root = parseDer(contentInfoDer, 'signature')
  const ci = kids(root)
  if (!isUniversal(root, 16) || oidOf(ci[0]) !== OID.signedData) throw notSignedData(`content type ${oidOf(ci[0]) ?? 'missing'}`)
  const sd = kids(ci[1])[0]
  if (!isContext(ci[1], 0) || !sd || !isUniversal(sd, 16)) throw notSignedData('no SignedData inside the ContentInfo')
  const f = kids(sd)
  const digestSet = f[1]
  const encap = f[2]
  if (!isUniversal(digestSet, 17) || !isUniversal(encap, 16)) throw notSignedData('digestAlgorithms or encapContentInfo missing')
  let i = 3
  const certNode = isContext(f[i], 0) ? f[i++] : undefined
  const crlNode = isContext(f[i], 1) ? f[i++] : undefined
  const signerSet = f[i]
  if (!isUniversal(signerSet, 17)) throw notSignedData('signerInfos missing')

  const problems: string[] = []
  const digestAlgorithms = kids(digestSet).map((a) => {
    const o = oidOf(kids(a)[0])
    return digestName(o) ?? o ?? '?'
  })
  if (digestAlgorithms.length === 0) problems.push('empty digestAlgorithms set')

  const [typeNode, eContentWrap] = kids(encap)
  const contentType = oidOf(typeNode) ?? '?'
  let eContent: Uint8Array | null = null
  if (eContentWrap) {
    const inner = kids(eContentWrap)[0]
    if (!isContext(eContentWrap, 0) || !inner) problems.push('encapContentInfo has a malformed eContent')
    else eContent = isUniversal(inner, 4) ? octets(inner) : raw(inner) // PKCS#7 allowed ANY
  }
  const detached = eContent === null
  let content: Uint8Array | null = null
  if (detachedContent !== null) {
    if (!detached) problems.push('eContent present in a detached signature')
    else content = detachedContent
  } else if (detached) {
    problems.push('detached signature given without the signed content')
  } else content = eContent

  const certificates = kids(certNode)
    .filter((c) => isUniversal(c, 16))
    .map((c) => raw(c).slice())
  const crls = kids(crlNode)
    .filter((c) => isUniversal(c, 16))
    .map((c) => raw(c).slice())
  const known: CertInfo[] = []
  for (const der of [...certificates, ...(opts.extraCertificates ?? [])]) {
    const info = certInfo(der)
    if (info) known.push(info)
  }

  const signerInfos = kids(signerSet)
  if (signerInfos.length === 0) problems.push(certificates.length ? 'no SignerInfos (certificates-only SignedData)' : 'no SignerInfos')

  const digests = new Map<DigestName, Promise<Uint8Array>>()
  const digestOf = (name: DigestName) => {
    let d = digests.get(name)
    if (!d) digests.set(name, (d = digest(name, content!, crypto)))
    return d
  }
  const signers: SignerCheck[] = []
  for (const si of signerInfos) {
    signers.push(await checkSigner(si, { contentType, content, known, problems, digestOf, crypto }))
  }
  return { detached, contentType, content: detached ? null : eContent, digestAlgorithms, certificates, crls, signers, problems }
}

interface SignerCtx {
  contentType: string
  content: Uint8Array | null
  known: CertInfo[]
  problems: string[]
  digestOf: (n: DigestName) => Promise<Uint8Array>
  crypto: CryptoLike
}

async function checkSigner(si: Node, ctx: SignerCtx): Promise<SignerCheck> {
  const reasons: string[] = []
  const f = kids(si)
  const [, sidNode, digestAlgNode] = f
  let k = 3
  const signedAttrs = isContext(f[k], 0) ? f[k++] : undefined
  const sigAlgNode = f[k++]
  const sigNode = f[k]
  const result: SignerCheck = {
    ok: false,
    reasons,
    certificate: null,
    sid: {},
    digestAlgorithm: '?',
    signatureAlgorithm: '?',
    signingTime: null,
    capabilities: [],
    encryptionKeyPreference: null,
    weak: [],
  }
  if (!sidNode || !digestAlgNode || !sigAlgNode || !sigNode || !isUniversal(sigNode, 4)) {
    reasons.push('malformed SignerInfo')
    return result
  }
  // SignerIdentifier (RFC 5652 §5.3): issuerAndSerialNumber or [0] subjectKeyIdentifier
  let cert: CertInfo | null = null
  if (isUniversal(sidNode, 16)) {
    const [issuer, serial] = kids(sidNode)
    if (issuer && serial) {
      result.sid = { issuer: formatName(issuer), serial: intHex(serial) }
      cert = findCert(ctx.known, { issuer: raw(issuer), serialDer: raw(serial) })
    }
  } else if (isContext(sidNode, 0)) {
    const ski = toHex(octets(sidNode))
    result.sid = { subjectKeyIdentifier: ski }
    cert = findCert(ctx.known, { ski })
  }
  result.certificate = cert?.der ?? null

  const digestOid = oidOf(kids(digestAlgNode)[0])
  const dName = digestName(digestOid)
  result.digestAlgorithm = dName ?? digestOid ?? '?'
  const sigAlg = dName ? resolveSigAlg(sigAlgNode, dName) : `digest algorithm ${digestOid} not supported`
  if (typeof sigAlg === 'string') reasons.push(sigAlg)
  else result.signatureAlgorithm = sigAlg.name
  if (dName === 'sha1' || (typeof sigAlg !== 'string' && sigAlg.hash === 'sha1')) result.weak.push('sha1')

  let dataToVerify: Uint8Array | null = ctx.content
  if (signedAttrs) {
    const attrs = readAttributes(signedAttrs)
    const one = (type: string, label: string): Node | undefined => {
      const found = attrs.filter((a) => a.type === type)
      if (found.length > 1) reasons.push(`${label} attribute repeated`)
      else if (found.length === 1 && found[0]!.values.length !== 1) reasons.push(`${label} attribute must have exactly one value`)
      else return found[0]?.values[0]
      return undefined
    }
    const ct = one(OID.contentType, 'content-type')
    const md = one(OID.messageDigest, 'message-digest')
    const st = one(OID.signingTime, 'signing-time')
    const caps = one(OID.smimeCapabilities, 'SMIMECapabilities')
    const pref = one(OID.smimeEncryptionKeyPreference, 'SMIMEEncryptionKeyPreference')
    result.signingTime = timeOf(st)
    if (caps) result.capabilities = parseSmimeCapabilities(caps)
    result.encryptionKeyPreference = readEncryptionKeyPreference(pref)
    if (!attrs.some((a) => a.type === OID.contentType)) reasons.push('content-type attribute missing')
    else if (ct && oidOf(ct) !== ctx.contentType) reasons.push('content-type attribute does not match the encapsulated content type')
    if (!attrs.some((a) => a.type === OID.messageDigest)) reasons.push('message-digest attribute missing')
    else if (md && dName && ctx.content && ctx.problems.length === 0) {
      const d = await ctx.digestOf(dName)
      if (!isUniversal(md, 4) || !equal(primitiveValue(md), d)) reasons.push('message digest mismatch')
    }
    // the signature covers the DER of the attributes with an explicit SET OF tag (§5.4)
    dataToVerify = raw(signedAttrs).slice()
    dataToVerify[0] = 0x31
  } else if (ctx.contentType !== OID.data) {
    reasons.push('signed attributes are required when the content type is not id-data')
  }

  for (const p of ctx.problems) reasons.push(p)
  if (typeof sigAlg !== 'string' && dataToVerify) {
    if (!cert) reasons.push('signer certificate not found')
    else {
      const bad = await verifySignature(sigAlg, cert.spki, cert.keyType, cert.curve, dataToVerify, primitiveValue(sigNode), ctx.crypto)
      if (bad) reasons.push(bad)
    }
  }
  result.ok = reasons.length === 0
  return result
}
