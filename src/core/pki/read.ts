import * as asn1js from 'asn1js'
import { parseDer } from '../asn1/der'
import { OID } from '../asn1/oids'
import { CoreError, isCoreError } from '../errors'
import { pemBlocks } from '../util/base64'
import { latin1 } from '../util/bytes'
import { children, encoded, isContext, oidValue } from './asn1-walk'
import { parseCertificate } from './certificate'
import { parseCrl } from './crl'

/**
 * Certificates and CRLs as people hand them over: PEM (one or a bundle), DER,
 * and PKCS#7/CMS "certs-only" SignedData (.p7b/.p7c, RFC 8551 §3.6), in DER or
 * PEM armour. Everything comes out as DER, each item checked to parse.
 */

const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE'])
const PKCS7_LABELS = new Set(['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS'])
const CRL_LABELS = new Set(['X509 CRL', 'CRL'])

function looksLikePem(bytes: Uint8Array): boolean {
  return latin1(bytes, 0, Math.min(bytes.length, 1 << 20)).includes('-----BEGIN ')
}

export function readCertificates(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) throw new CoreError('bad-input', 'The certificate file is empty.')
  const out: Uint8Array[] = []
  if (looksLikePem(bytes)) {
    const blocks = pemBlocks(latin1(bytes))
    for (const b of blocks) {
      if (CERT_LABELS.has(b.label)) out.push(firstElement(b.der, 'certificate'))
      else if (PKCS7_LABELS.has(b.label)) out.push(...signedDataParts(b.der, 0))
    }
    if (out.length === 0) {
      const labels = [...new Set(blocks.map((b) => b.label))].join(', ')
      throw new CoreError(
        'bad-input',
        labels
          ? `The PEM file holds ${labels} but no certificate. Give a .pem/.crt/.cer certificate or a .p7b bundle.`
          : 'The PEM file has no complete BEGIN/END block. Give a .pem/.crt/.cer certificate or a .p7b bundle.',
      )
    }
  } else {
    const asn1 = tryParse(bytes)
    if (asn1 && oidValue(children(asn1)[0]) === OID.signedData) out.push(...signedDataParts(bytes, 0))
    else if (asn1) out.push(bytes)
    else throw notCertificate()
  }
  for (const der of out) {
    try {
      parseCertificate(der)
    } catch (e) {
      if (isCoreError(e, 'limit-exceeded')) throw e
      throw notCertificate()
    }
  }
  return out
}

export function readCrls(bytes: Uint8Array): Uint8Array[] {
  if (bytes.length === 0) throw new CoreError('bad-input', 'The CRL file is empty.')
  const out: Uint8Array[] = []
  if (looksLikePem(bytes)) {
    for (const b of pemBlocks(latin1(bytes))) {
      if (CRL_LABELS.has(b.label)) out.push(firstElement(b.der, 'CRL'))
      else if (PKCS7_LABELS.has(b.label)) out.push(...signedDataParts(b.der, 1))
    }
  } else {
    const asn1 = tryParse(bytes)
    if (asn1 && oidValue(children(asn1)[0]) === OID.signedData) out.push(...signedDataParts(bytes, 1))
    else if (asn1) out.push(bytes)
  }
  if (out.length === 0) throw notCrl()
  for (const der of out) {
    try {
      parseCrl(der)
    } catch {
      throw notCrl()
    }
  }
  return out
}

function notCertificate(): CoreError {
  return new CoreError(
    'bad-input',
    'This is not a certificate file. Cachet reads X.509 certificates as PEM, DER (.cer/.crt/.der) or PKCS#7 bundles (.p7b/.p7c).',
  )
}
function notCrl(): CoreError {
  return new CoreError('bad-input', 'This is not a CRL file. Cachet reads certificate revocation lists as PEM ("X509 CRL") or DER.')
}

function tryParse(bytes: Uint8Array): asn1js.AsnType | null {
  try {
    return parseDer(bytes)
  } catch (e) {
    if (isCoreError(e, 'limit-exceeded')) throw e
    return null
  }
}

/** The first DER element of a block (a TRUSTED CERTIFICATE carries OpenSSL trust settings after it). */
function firstElement(der: Uint8Array, what: string): Uint8Array {
  const asn1 = tryParse(der)
  if (!asn1) throw new CoreError('bad-input', `A PEM ${what} block is not valid DER.`)
  // A copy: a view would keep (and, stored in IndexedDB, clone) the whole decoded file
  return encoded(asn1).slice()
}

/**
 * Certificates ([0] IMPLICIT, part 0) or CRLs ([1] IMPLICIT, part 1) of a
 * ContentInfo holding SignedData (RFC 5652 §5.1). Only plain X.509 certificates
 * and CRLs are returned; attribute certificates and other formats are skipped.
 */
function signedDataParts(der: Uint8Array, part: 0 | 1): Uint8Array[] {
  const ci = tryParse(der)
  const [type, content] = children(ci ?? undefined)
  if (!ci || oidValue(type) !== OID.signedData || !content || !isContext(content, 0)) {
    throw new CoreError('bad-input', 'The PKCS#7 data is not a SignedData certificate bundle.')
  }
  const sd = children(content)[0]
  const set = children(sd).find((n) => isContext(n, part))
  return children(set)
    .filter((n) => n instanceof asn1js.Sequence)
    .map((n) => encoded(n).slice())
}
