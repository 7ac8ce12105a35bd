/** Worker side of open and seal: the engine runs here with the unlocked identities. */
import type { CryptoLike } from '../../core/crypto'
import { CoreError } from '../../core/errors'
import { openMessage, sealMessage, withoutLegacyDisplay } from '../../core/message'
import type { ForwardedMessage } from '../../core/message/forwarded'
import type { SecurityReport } from '../../core/message/report'
import type { Identity, Keyring } from '../../core/types'
import type { IdentityInfo } from '../storage/db'
import { listIdentities } from '../storage/identities'
import type { OpenResult, PublicKeyring, SealRequest, SealResult } from './protocol'
import type { SearchHolder } from './search'
import type { Vault } from './vault'

function keyringOf(pub: PublicKeyring, identities: Identity[]): Keyring {
  return {
    identities,
    trustAnchors: pub.trustAnchors,
    certificates: pub.certificates,
    crls: pub.crls,
    ...(pub.ocsp ? { ocsp: pub.ocsp } : {}),
    ...(pub.at ? { at: new Date(pub.at) } : {}),
  }
}

/** Our stored identities that an encryption layer names as a recipient. */
export function recipientsOurs(report: SecurityReport, ours: IdentityInfo[]): string[] {
  const hits = new Set<string>()
  for (const layer of report.layers) {
    if (layer.kind === 'signed') continue
    for (const r of layer.recipients) {
      for (const id of ours) {
        const bySerial = r.serial !== undefined && r.serial.toLowerCase() === id.serial.toLowerCase() && r.issuer === id.issuer
        const bySki = r.subjectKeyIdentifier !== undefined && id.subjectKeyIdentifier !== null &&
          r.subjectKeyIdentifier.toLowerCase() === id.subjectKeyIdentifier
        if (bySerial || bySki) hits.add(id.id)
      }
    }
  }
  return [...hits]
}

/**
 * A forwarded message's bytes are views into the message (or its plaintext): posted as they
 * are, each would carry the whole buffer along. Copied out, they cost their own size only.
 */
function copied(list: ForwardedMessage[]): ForwardedMessage[] {
  return list.map((m) => ({ path: m.path, raw: m.raw.slice(), inner: m.inner.slice(), forwarded: copied(m.forwarded) }))
}

export async function open(
  vault: Vault,
  raw: Uint8Array,
  pub: PublicKeyring,
  crypto: CryptoLike,
  opts: { allowWeakCiphers?: boolean; index?: { mailbox: string; uid: number }; search?: SearchHolder } = {},
): Promise<OpenResult> {
  if (!vault.unlocked) await vault.unlockFromDevice()
  const identities = vault.identities()
  // The page reads the body from `inner` (mail/open.ts): not decoded here too (OpenOptions.body).
  // allowWeakCiphers only on the user's explicit "Read as unprotected text" (issue 16).
  const opened = await openMessage(raw, keyringOf(pub, identities), crypto, {
    body: false,
    ...(pub.gateways ? { gateways: pub.gateways } : {}),
    ...(opts.allowWeakCiphers ? { allowWeakCiphers: true } : {}),
  })
  const report = opened.report
  const encrypted = report.layers.some((l) => l.kind !== 'signed')
  if (encrypted && report.verdict.encryption === 'not-for-you') {
    // Locked (or partly locked): is it for a key we hold sealed? Then ask for the passphrase.
    const stored = (await listIdentities()).filter((i) => !vault.has(i.id))
    const ids = recipientsOurs(report, stored)
    if (ids.length > 0) return { kind: 'key-locked', identityIds: ids, report, raw }
  }
  if (encrypted && report.verdict.encryption === 'decrypted') vault.touch()
  // RFC 9788 §4.5.3.4: the legacy display repeats the protected Subject for other clients; the page shows the real one.
  let inner = opened.inner
  if (report.protectedHeaders?.legacyDisplay) {
    try {
      inner = withoutLegacyDisplay(opened.inner)
    } catch {
      // Shown with the legacy display rather than not at all (it only repeats the subject).
    }
  }
  // Decrypted here: into the local search index (issue 13), never for weak-cipher reads.
  if (encrypted && report.verdict.encryption === 'decrypted' && opts.index && opts.search && !opts.allowWeakCiphers) {
    try {
      await opts.search.indexOpened(opts.index, report, inner, raw)
    } catch {
      // The message opens all the same; it is just not searchable yet.
    }
  }
  return { kind: 'opened', report, inner, raw, forwarded: copied(opened.forwarded) }
}

/**
 * The engine's seal progress, passed on to the page at most every SEAL_PROGRESS_MS (each
 * report is a postMessage and a re-render), except a new phase and the last report,
 * which always go.
 */
const SEAL_PROGRESS_MS = 50
function throttled(progress: (phase: string, done: number, total: number) => void): (p: { phase: string; done: number; total: number }) => void {
  let phase = ''
  let at = -Infinity
  return (p) => {
    const now = performance.now()
    if (p.phase === phase && p.done < p.total && now - at < SEAL_PROGRESS_MS) return
    phase = p.phase
    at = now
    progress(p.phase, p.done, p.total)
  }
}

export async function seal(
  vault: Vault,
  draftRaw: Uint8Array,
  req: SealRequest,
  crypto: CryptoLike,
  progress: (phase: string, done: number, total: number) => void,
): Promise<SealResult> {
  if (!req.sign && !req.encrypt) throw new CoreError('bad-input', 'Nothing to do: neither Sign nor Encrypt is chosen.')
  if (!vault.unlocked) await vault.unlockFromDevice()
  let identity = vault.identity(req.identityId)
  if (!identity) {
    const info = (await listIdentities()).find((i) => i.id === req.identityId)
    if (!info) throw new CoreError('bad-input', 'The identity chosen for this message no longer exists. Pick another From identity.')
    if (req.sign) return { kind: 'key-locked', identityIds: [info.id] }
    // Encrypt only: the sender's certificate (to encrypt to self) is public; no key needed.
    identity = { certificate: info.certificate, chain: info.chain, privateKey: new Uint8Array(0) }
  } else {
    vault.touch()
  }
  const raw = await sealMessage(
    draftRaw,
    {
      identity,
      sign: req.sign,
      encrypt: req.encrypt,
      recipients: req.recipients,
      ...(req.cipher ? { cipher: req.cipher } : {}),
      ...(req.oaep !== undefined ? { oaep: req.oaep } : {}),
      ...(req.pss !== undefined ? { pss: req.pss } : {}),
      ...(req.opaque !== undefined ? { opaque: req.opaque } : {}),
      ...(req.digest ? { digest: req.digest } : {}),
      ...(req.protectSubject ? { protectSubject: true } : {}),
      onProgress: throttled(progress),
    },
    crypto,
  )
  return { kind: 'sealed', raw }
}
