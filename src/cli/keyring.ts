/**
 * Building a core Keyring from the command line's files: --pfx/--password pairs,
 * --trust, --cert, --crl and --ocsp. Files are read here (Node); core only sees bytes.
 */
import type { CryptoLike } from '../core/crypto'
import { readPfx } from '../core/pkcs12'
import { ocspResponseStatus, readCertificates, readCrls } from '../core/pki'
import type { Identity, Keyring } from '../core/types'
import { CoreError, isCoreError } from '../core/errors'
import type { Io } from './io'

/** A file that could not be used: exit status 2, with this message. */
export class InputError extends Error {
  override readonly name = 'InputError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export async function readInput(io: Io, path: string, what: string): Promise<Uint8Array> {
  try {
    return await io.readFile(path)
  } catch (e) {
    throw new InputError('bad-input', `Cannot read the ${what} ${path}: ${(e as Error).message}`)
  }
}

export async function loadIdentities(io: Io, pairs: { file: string; password: string }[], crypto: CryptoLike): Promise<{ identities: Identity[]; certificates: Uint8Array[] }> {
  const identities: Identity[] = []
  const certificates: Uint8Array[] = []
  for (const { file, password } of pairs) {
    const der = await readInput(io, file, 'PFX file')
    try {
      const r = await readPfx(der, password, crypto)
      if (r.identities.length === 0) throw new CoreError('no-private-key', `${file} holds no private key with its certificate.`)
      identities.push(...r.identities)
      certificates.push(...r.certificates)
      for (const id of r.identities) certificates.push(...id.chain)
    } catch (e) {
      if (isCoreError(e)) throw new InputError(e.code, `${file}: ${e.message}`)
      throw new InputError('bad-input', `${file}: ${(e as Error).message}`)
    }
  }
  return { identities, certificates }
}

export async function loadCertificates(io: Io, files: string[], what: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (const f of files) {
    const bytes = await readInput(io, f, what)
    let certs: Uint8Array[]
    try {
      certs = readCertificates(bytes)
    } catch (e) {
      throw new InputError(isCoreError(e) ? e.code : 'bad-input', `${f}: ${(e as Error).message}`)
    }
    if (certs.length === 0) throw new InputError('bad-input', `${f} holds no certificate (expected PEM, DER or PKCS#7).`)
    out.push(...certs)
  }
  return out
}

export async function loadCrls(io: Io, files: string[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (const f of files) {
    const bytes = await readInput(io, f, 'CRL file')
    let crls: Uint8Array[]
    try {
      crls = readCrls(bytes)
    } catch (e) {
      throw new InputError(isCoreError(e) ? e.code : 'bad-input', `${f}: ${(e as Error).message}`)
    }
    if (crls.length === 0) throw new InputError('bad-input', `${f} holds no CRL (expected PEM or DER).`)
    out.push(...crls)
  }
  return out
}

/** DER OCSP responses (RFC 6960 §4.2.1), as `openssl ocsp -respout` writes them. */
export async function loadOcspResponses(io: Io, files: string[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for (const f of files) {
    const bytes = await readInput(io, f, 'OCSP response file')
    if (ocspResponseStatus(bytes) === null) throw new InputError('bad-input', `${f} is not an OCSP response (expected DER, as openssl ocsp -respout writes).`)
    out.push(bytes)
  }
  return out
}

export function parseTime(s: string): Date {
  // ISO 8601 only: a date, optionally with a time and zone.
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) {
    throw new InputError('usage', `--at wants an ISO 8601 time such as 2026-01-31T12:00:00Z, not "${s}".`)
  }
  const d = new Date(s)
  if (Number.isNaN(d.getTime())) throw new InputError('usage', `--at ${s} is not a valid time.`)
  return d
}

export type { Keyring }
