/**
 * S/MIME made by `openssl cms` / `openssl smime` (OpenSSL 3.0): sign, encrypt, and the
 * reverse operations used to check what Cachet writes. Inputs are files in `dir`.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crlf } from './eml'
import type { Leaf } from './pki'
import { openssl, run, type RunResult } from './run'

let seq = 0
async function tmp(dir: string, data: Uint8Array | string, ext = 'bin'): Promise<string> {
  const p = join(dir, `in-${process.pid}-${seq++}.${ext}`)
  await writeFile(p, data)
  return p
}

export type Digest = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'

export interface SignOptions {
  md?: Digest
  /** RSASSA-PSS (RSA keys). */
  pss?: boolean
  /** Opaque signed-data (application/pkcs7-mime) instead of multipart/signed. */
  opaque?: boolean
  /** Use the older `openssl smime` (x-pkcs7-* content types) instead of `cms`. */
  legacySmime?: boolean
  /** DER SignedData instead of S/MIME text. */
  der?: boolean
}

/** Sign an entity; returns the S/MIME entity (MIME-Version + Content-Type ...) or DER. */
export async function opensslSign(dir: string, leaf: Leaf, content: Uint8Array, o: SignOptions = {}): Promise<Buffer> {
  // Canonical CRLF first, as a mail client does before signing (RFC 8551 §3.1.1):
  // OpenSSL's own S/MIME output (when nesting) has bare LF line ends.
  const input = await tmp(dir, crlf(content))
  const args = [o.legacySmime ? 'smime' : 'cms', '-sign', '-binary', '-in', input, '-signer', leaf.certPath, '-inkey', leaf.keyPath, '-certfile', leaf.chainPath]
  if (o.md) args.push('-md', o.md)
  if (o.pss) args.push('-keyopt', 'rsa_padding_mode:pss')
  if (o.opaque) args.push('-nodetach')
  if (o.der) args.push('-outform', 'DER')
  return openssl(args)
}

export interface EncryptOptions {
  cipher?: 'aes-128-cbc' | 'aes-192-cbc' | 'aes-256-cbc' | 'des-ede3-cbc' | 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm'
  /** RSAES-OAEP for RSA recipients, with this hash (sha1 is OpenSSL's default parameter set). */
  oaep?: 'sha1' | 'sha256'
  /** ECDH KDF hash for EC recipients (OpenSSL default: sha1). */
  ecdhKdf?: 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512'
  /** Cofactor ECDH (dhSinglePass-cofactorDH-*). */
  cofactor?: boolean
  der?: boolean
}

/** Encrypt an entity to the given recipients; returns S/MIME (or DER). */
export async function opensslEncrypt(dir: string, recipients: Leaf[], content: Uint8Array, o: EncryptOptions = {}): Promise<Buffer> {
  const input = await tmp(dir, crlf(content))
  const args = ['cms', '-encrypt', '-binary', '-in', input, `-${o.cipher ?? 'aes-256-cbc'}`]
  if (o.der) args.push('-outform', 'DER')
  for (const r of recipients) {
    args.push('-recip', r.certPath)
    const isEc = r.key.startsWith('p')
    if (!isEc && o.oaep) args.push('-keyopt', 'rsa_padding_mode:oaep', '-keyopt', `rsa_oaep_md:${o.oaep}`, '-keyopt', `rsa_mgf1_md:${o.oaep}`)
    if (isEc && o.ecdhKdf) args.push('-keyopt', `ecdh_kdf_md:${o.ecdhKdf}`)
    if (isEc && o.cofactor) args.push('-keyopt', 'ecdh_cofactor_mode:1')
  }
  return openssl(args)
}

/** `openssl cms -verify` of an S/MIME message against the PKI root; returns the verified content. */
export async function opensslVerify(dir: string, message: Uint8Array, caFile: string, extra: string[] = []): Promise<RunResult> {
  const input = await tmp(dir, message, 'eml')
  return run('openssl', ['cms', '-verify', '-in', input, '-CAfile', caFile, '-purpose', 'smimesign', ...extra])
}

/** `openssl cms -decrypt` of an S/MIME message with a leaf's key. */
export async function opensslDecrypt(dir: string, message: Uint8Array, leaf: Leaf): Promise<RunResult> {
  const input = await tmp(dir, message, 'eml')
  return run('openssl', ['cms', '-decrypt', '-in', input, '-recip', leaf.certPath, '-inkey', leaf.keyPath])
}

/** Print the CMS structure (for asserting algorithms in tests). */
export async function opensslPrint(dir: string, message: Uint8Array, inform: 'SMIME' | 'DER' = 'SMIME'): Promise<string> {
  const input = await tmp(dir, message, 'eml')
  return (await openssl(['cms', '-cmsout', '-print', '-inform', inform, '-in', input])).toString()
}

export { readFile }
