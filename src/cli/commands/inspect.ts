/**
 * `cachet-smime inspect MESSAGE.eml [--pfx FILE PASSWORD]... [--trust CERT]...
 *   [--cert CERT]... [--crl CRL]... [--ocsp RESPONSE]... [--gateway DOMAIN=CERT]... [--at ISO-8601-TIME]
 *   [--inner FILE] [--allow-weak-ciphers]`  (issue #5)
 *
 * --ocsp: a DER OCSP response (e.g. `openssl ocsp -respout`), used before CRLs as the app
 * does (issue 11). The CLI stays offline: it never asks a responder itself. A response
 * given here has no nonce of ours to match, so only its signature, CertID and dates count.
 *
 * --gateway DOMAIN=CERT: accept CERT (PEM, DER or PKCS#7; every certificate in it) as the
 * mail gateway of DOMAIN (issue 10; OpenOptions.gateways), as Contacts' "Mail gateway for
 * <domain>" does: mail from an address at DOMAIN signed by it has verdict.signature
 * "gateway" (exit 1: the person did not sign it). CERT must name DOMAIN (an address at it
 * or a dNSName), else it is a usage error.
 *
 * --allow-weak-ciphers: read content encrypted with 40-bit RC2 or single DES, which is
 * otherwise refused as not confidential (issue 16; OpenOptions.allowWeakCiphers).
 *
 * PASSWORD is --password-file FILE, --password-env NAME, --password - (standard input)
 * or --password PW (issue 11; see ../secrets.ts).
 *
 * Prints one SecurityReport as JSON. Exit status: 0 clean (valid or unsigned, and
 * decrypted or not encrypted), 1 read but not clean, 2 usage error or not a message.
 */
import type { CryptoLike } from '../../core/crypto'
import { looksLikeMessage, openMessage, type OpenOptions } from '../../core/message/open'
import { parseCertificate } from '../../core/pki/certificate'
import { isClean } from '../../core/message/verdict'
import type { Keyring } from '../../core/types'
import { all, flag, one, parseArgs, UsageError } from '../args'
import type { Io } from '../io'
import { InputError, loadCertificates, loadCrls, loadIdentities, loadOcspResponses, parseTime, readInput } from '../keyring'
import { passwordSpecs, resolvePfxPasswords } from '../secrets'

export const INSPECT_USAGE =
  'Usage: cachet-smime inspect MESSAGE.eml [--pfx FILE PASSWORD]... [--trust CERT]... [--cert CERT]... [--crl CRL]... [--ocsp RESPONSE]... [--gateway DOMAIN=CERT]... [--at ISO-8601-TIME] [--inner FILE] [--allow-weak-ciphers]\n'

export async function inspect(argv: readonly string[], io: Io, crypto: CryptoLike): Promise<number> {
  const p = parseArgs(argv, {
    pfx: { value: true, repeat: true },
    ...passwordSpecs(true),
    trust: { value: true, repeat: true },
    cert: { value: true, repeat: true },
    crl: { value: true, repeat: true },
    gateway: { value: true, repeat: true },
    ocsp: { value: true, repeat: true },
    at: { value: true },
    inner: { value: true },
    'allow-weak-ciphers': { value: false },
  })
  if (p.positional.length !== 1) throw new UsageError(p.positional.length ? `inspect takes one message file, got ${p.positional.length}.` : 'inspect needs a message file.')
  const pairs = await resolvePfxPasswords(p, io)
  const at = one(p, 'at')
  const raw = await readInput(io, p.positional[0]!, 'message')
  const ids = await loadIdentities(io, pairs, crypto)
  const gateways = await loadGateways(io, all(p, 'gateway'))
  const keyring: Keyring = {
    identities: ids.identities,
    trustAnchors: await loadCertificates(io, all(p, 'trust'), 'trust anchor file'),
    certificates: [...ids.certificates, ...(await loadCertificates(io, all(p, 'cert'), 'certificate file')), ...Object.values(gateways).flat()],
    crls: await loadCrls(io, all(p, 'crl')),
    ocsp: await loadOcspResponses(io, all(p, 'ocsp')),
    at: at === undefined ? undefined : parseTime(at),
  }
  const options: OpenOptions = { allowWeakCiphers: flag(p, 'allow-weak-ciphers'), gateways }
  if (!looksLikeMessage(raw)) {
    const result = await openMessage(raw, keyring, crypto, options)
    io.stdout(JSON.stringify(result.report, null, 2) + '\n')
    io.stderr(`${p.positional[0]} is not an email message.\n`)
    return 2
  }
  const result = await openMessage(raw, keyring, crypto, options)
  const innerPath = one(p, 'inner')
  if (innerPath !== undefined) {
    try {
      await io.writeFile(innerPath, result.inner)
    } catch (e) {
      throw new InputError('bad-input', `Cannot write --inner ${innerPath}: ${(e as Error).message}`)
    }
  }
  io.stdout(JSON.stringify(result.report, null, 2) + '\n')
  return isClean(result.report.verdict) ? 0 : 1
}

/** `--gateway DOMAIN=CERT`... → certificates by lower-case domain; each must name its domain. */
async function loadGateways(io: Io, specs: string[]): Promise<Record<string, Uint8Array[]>> {
  const out = Object.create(null) as Record<string, Uint8Array[]>
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    const domain = eq > 0 ? spec.slice(0, eq).trim().toLowerCase().replace(/\.$/, '') : ''
    const file = eq > 0 ? spec.slice(eq + 1) : ''
    if (!domain || !file || domain.includes('@') || /\s/.test(domain)) throw new UsageError(`--gateway takes DOMAIN=CERT (e.g. partner.example=gateway.pem), got "${spec}".`)
    for (const der of await loadCertificates(io, [file], 'gateway certificate file')) {
      if (!namesDomain(der, domain)) throw new UsageError(`--gateway ${spec}: the certificate does not name ${domain} (no address at it and no dNSName ${domain}), so it cannot be its mail gateway.`)
      ;(out[domain] ??= []).push(der)
    }
  }
  return out
}

function namesDomain(der: Uint8Array, domain: string): boolean {
  try {
    const c = parseCertificate(der)
    return [...c.sanEmails, ...c.subjectEmails].some((e) => e.toLowerCase().endsWith(`@${domain}`)) || c.sanDns.some((d) => d.toLowerCase() === domain)
  } catch {
    return false
  }
}
