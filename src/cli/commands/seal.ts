/**
 * `cachet-smime seal --pfx FILE PASSWORD [--sign] [--encrypt --to CERT...]
 *   [--cipher aes-256-cbc|aes-128-cbc|aes-256-gcm|aes-128-gcm] [--oaep] [--pss]
 *   [--opaque] [--allow-expired] [--protect-subject] < DRAFT.eml > OUT.eml`  (issue #6)
 *
 * The header fields always travel inside too (RFC 9788 header protection, issue 13).
 * --protect-subject (with --encrypt): the Subject reads "[...]" outside; the real one is
 * only inside the encryption, and at the top of the body for clients that do not read
 * protected headers.
 *
 * PASSWORD is --password-file FILE, --password-env NAME or --password PW (issue 11; see
 * ../secrets.ts). Not standard input: that is the draft.
 *
 * Reads the draft from stdin, writes the message for SMTP to stdout. Exit status 0 on
 * success, 2 on usage errors or unusable input (e.g. an expired recipient certificate,
 * named in the message).
 */
import type { CryptoLike } from '../../core/crypto'
import { sealMessage, type SealCipher } from '../../core/message/seal'
import { summarizeCertificate } from '../../core/pki'
import { flag, all, one, parseArgs, UsageError } from '../args'
import type { Io } from '../io'
import { loadCertificates, loadIdentities } from '../keyring'
import { checkStdinUse, passwordSpecs, pfxPasswordSources, resolvePasswords } from '../secrets'

const CIPHERS: readonly SealCipher[] = ['aes-256-cbc', 'aes-128-cbc', 'aes-256-gcm', 'aes-128-gcm']

export async function seal(argv: readonly string[], io: Io, crypto: CryptoLike): Promise<number> {
  const p = parseArgs(argv, {
    pfx: { value: true },
    ...passwordSpecs(false),
    sign: { value: false },
    encrypt: { value: false },
    to: { value: true, repeat: true },
    cipher: { value: true },
    oaep: { value: false },
    pss: { value: false },
    opaque: { value: false },
    'allow-expired': { value: false },
    'protect-subject': { value: false },
  })
  if (p.positional.length) throw new UsageError(`seal reads the draft from standard input; unexpected argument "${p.positional[0]}".`)
  const sources = pfxPasswordSources(p)
  if (sources.length !== 1) throw new UsageError('seal needs --pfx FILE and its password (the sender).')
  const stdinRule = { stdinRefused: 'seal reads the draft from standard input, so the password cannot come from there.' }
  checkStdinUse(sources.map((x) => x.source), stdinRule)
  const sign = flag(p, 'sign')
  const encrypt = flag(p, 'encrypt')
  if (!sign && !encrypt) throw new UsageError('Choose --sign, --encrypt or both.')
  const toFiles = all(p, 'to')
  if (toFiles.length && !encrypt) throw new UsageError('--to names recipients to encrypt to; add --encrypt.')
  const cipher = one(p, 'cipher')
  if (cipher !== undefined && !CIPHERS.includes(cipher as SealCipher)) throw new UsageError(`--cipher must be one of ${CIPHERS.join(', ')}.`)
  if (cipher !== undefined && !encrypt) throw new UsageError('--cipher applies to --encrypt.')
  if (flag(p, 'oaep') && !encrypt) throw new UsageError('--oaep applies to --encrypt.')
  if (flag(p, 'protect-subject') && !encrypt) throw new UsageError('--protect-subject applies to --encrypt: a signed-only message hides nothing.')
  if ((flag(p, 'pss') || flag(p, 'opaque')) && !sign) throw new UsageError('--pss and --opaque apply to --sign.')

  const [password] = await resolvePasswords([sources[0]!.source], io, stdinRule)
  const ids = await loadIdentities(io, [{ file: sources[0]!.file, password: password! }], crypto)
  const identity = ids.identities[0]!
  const recipients: Uint8Array[] = []
  for (const f of toFiles) {
    // A file may hold a chain (PEM bundle): encrypt to the end-entity certificates only.
    const certs = await loadCertificates(io, [f], 'recipient certificate')
    const leaves = []
    for (const c of certs) if (!(await summarizeCertificate(c, crypto)).isCA) leaves.push(c)
    recipients.push(...(leaves.length ? leaves : certs.slice(0, 1)))
  }
  const draft = await io.readStdin()
  const out = await sealMessage(
    draft,
    {
      identity,
      sign,
      encrypt,
      recipients,
      cipher: cipher as SealCipher | undefined,
      oaep: flag(p, 'oaep'),
      pss: flag(p, 'pss'),
      opaque: flag(p, 'opaque'),
      allowExpired: flag(p, 'allow-expired'),
      protectSubject: flag(p, 'protect-subject'),
    },
    crypto,
  )
  io.stdout(out)
  return 0
}
