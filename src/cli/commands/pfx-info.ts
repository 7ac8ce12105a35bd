/**
 * `cachet-smime pfx-info FILE [PASSWORD]` (issue #5): what a PKCS#12 file holds,
 * as one JSON object — the identity's certificate (subject, email, issuer, serial,
 * validity), its key (algorithm and size or curve), the chain, and the algorithms the
 * file used. PASSWORD is one of --password-file FILE, --password-env NAME, --password -
 * (standard input) or --password PW (issue 11; see ../secrets.ts). Without one the file
 * is read as having no password (absent), and the empty password is tried too, as
 * OpenSSL does.
 *
 * Exit status: 0 an identity was read; 1 the file was read but holds no private key;
 * 2 usage error, unreadable file, not a PKCS#12 file, wrong password, unsupported
 * algorithm (JSON `errors` on stdout, a sentence on stderr saying what to do).
 */
import { parseArgs, UsageError } from '../args'
import { PASSWORD_USAGE, passwordSpecs, resolvePasswords, singlePasswordSource, type SecretIo } from '../secrets'
import type { CryptoLike } from '../../core/crypto'
import { isCoreError, toErrorEntry } from '../../core/errors'
import { describePrivateKey, readPfx } from '../../core/pkcs12'
import { summarizeCertificate } from '../../core/pki'

/** readStdin and env are optional: without them, `-` and --password-env are usage errors. */
export interface PfxInfoIo extends SecretIo {
  readFile(path: string): Promise<Uint8Array>
  stdout(s: string): void
  stderr(s: string): void
}

export const PFX_INFO_USAGE = 'Usage: cachet-smime pfx-info FILE [PASSWORD]\n'

export interface PfxInfoChainEntry {
  subject: string
  issuer: string
  serial: string
  notAfter: string
}

export interface PfxInfoResult {
  subject: string | null
  email: string | null
  emails: string[]
  issuer: string | null
  serial: string | null
  notBefore: string | null
  notAfter: string | null
  keyAlgorithm: string | null
  keySize?: number
  curve?: string
  friendlyName?: string
  chain: PfxInfoChainEntry[]
  certificates: number
  algorithms: string[]
  errors: { code: string; message: string }[]
}

function fail(io: PfxInfoIo, code: string, message: string): number {
  io.stdout(JSON.stringify({ errors: [{ code, message }] }, null, 2) + '\n')
  io.stderr(`error (${code}): ${message}\n`)
  return 2
}

export async function pfxInfo(args: readonly string[], io: PfxInfoIo, crypto: CryptoLike = globalThis.crypto): Promise<number> {
  let file: string
  let password: string | null
  try {
    const p = parseArgs(args, passwordSpecs(false))
    if (p.positional.length !== 1) throw new UsageError(p.positional.length ? 'pfx-info takes exactly one FILE.' : 'pfx-info needs a FILE.')
    file = p.positional[0]!
    const source = singlePasswordSource(p)
    password = source === null ? null : (await resolvePasswords([source], io))[0]!
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n\n${PFX_INFO_USAGE}\n${PASSWORD_USAGE}`)
      return 2
    }
    throw e
  }

  let der: Uint8Array
  try {
    der = await io.readFile(file)
  } catch (e) {
    return fail(io, 'unreadable-file', `Cannot read ${file}: ${e instanceof Error ? e.message : String(e)}. Check the path and permissions.`)
  }

  let contents
  try {
    contents = await readPfx(der, password, crypto)
  } catch (e) {
    if (isCoreError(e)) {
      const hint = e.code === 'wrong-password' && password === null ? ' (no password was given; pass --password-file FILE, --password-env NAME or --password PW)' : ''
      return fail(io, e.code, e.message + hint)
    }
    const entry = toErrorEntry(e)
    return fail(io, entry.code, entry.message)
  }

  const chainOf = async (ders: Uint8Array[]): Promise<PfxInfoChainEntry[]> =>
    Promise.all(ders.map(async (d) => {
      const s = await summarizeCertificate(d, crypto)
      return { subject: s.subject, issuer: s.issuer, serial: s.serial, notAfter: s.notAfter }
    }))

  const id = contents.identities[0]
  const result: PfxInfoResult = {
    subject: null, email: null, emails: [], issuer: null, serial: null, notBefore: null, notAfter: null,
    keyAlgorithm: null, chain: [], certificates: contents.certificates.length, algorithms: contents.algorithms, errors: [],
  }
  if (!id) {
    result.chain = await chainOf(contents.certificates)
    result.errors.push({ code: 'no-private-key', message: 'The file holds certificates but no private key. Export it again including the private key to use it as your identity.' })
    io.stdout(JSON.stringify(result, null, 2) + '\n')
    return 1
  }
  const s = await summarizeCertificate(id.certificate, crypto)
  const key = describePrivateKey(id.privateKey)
  const identity: PfxInfoResult = {
    subject: s.subject,
    email: s.emails[0] ?? null,
    emails: s.emails,
    issuer: s.issuer,
    serial: s.serial,
    notBefore: s.notBefore,
    notAfter: s.notAfter,
    keyAlgorithm: key.algorithm,
    ...(key.size !== undefined ? { keySize: key.size } : {}),
    ...(key.curve !== undefined ? { curve: key.curve } : {}),
    ...(id.friendlyName !== undefined ? { friendlyName: id.friendlyName } : {}),
    chain: [],
    certificates: contents.certificates.length,
    algorithms: contents.algorithms,
    errors: [],
  }
  identity.chain = await chainOf(id.chain)
  if (contents.identities.length > 1) {
    identity.errors.push({ code: 'several-identities', message: `The file holds ${contents.identities.length} private keys; this shows the first.` })
  }
  io.stdout(JSON.stringify(identity, null, 2) + '\n')
  return 0
}
