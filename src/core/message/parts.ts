/**
 * Signed parts inside an unprotected message (issue 16): a mailing list adds a footer
 * after a signed part, a gateway wraps a signed message in a multipart/mixed. The message
 * as a whole is still not signed (its verdict stays 'none': the footer, or anything else
 * beside the part, is nobody's), but the signed part itself is verified on its own, so the
 * app can say exactly which part is signed and by whom, and set the rest apart.
 *
 * Only signatures are checked: an encrypted part below an unprotected root is never
 * decrypted (EFAIL direct exfiltration), so the part is opened with no identities, and
 * nothing of its content is returned (OpenOptions.body false). The From rule applies with
 * the enclosing message's single From address; its Date is compared with signingTime.
 * A forwarded message (the enclosed message of a message/rfc822 part) is a message of its
 * own: its own From and Date count, as a mail client shows it with its own summary.
 */
import type { MimeEntity } from '../mime'
import type { ErrorEntry, Keyring, SignatureVerdict } from '../types'
import type { EmbeddedPart } from './detect'
import type { LayerReport } from './report'
import type { FromAddress } from './signer'

/** At most this many signed parts of one message are verified. */
export const MAX_SIGNED_PARTS = 8

/** A signed part below an unprotected root, verified on its own. */
export interface SignedPartReport {
  /** Child indexes from the displayed root, as in view.embedded. */
  path: number[]
  contentType: string
  /** Set when the part is a forwarded message (message/rfc822), judged with its own From and Date. */
  forwarded?: true
  /** The part's own signature verdict (computeVerdict over its layers); the message's is unchanged. */
  signature: SignatureVerdict
  layers: LayerReport[]
  errors: ErrorEntry[]
}

/** How a part is opened: openMessage itself, passed in (open.ts imports this file). */
export type OpenPart = (
  raw: Uint8Array,
  keyring: Keyring,
  /** The enclosing message's From and Date; null for a forwarded message, which has its own. */
  envelope: { from: FromAddress; date: string | null } | null,
) => Promise<{ signature: SignatureVerdict; layers: LayerReport[]; errors: ErrorEntry[] }>

export function entityAt(root: MimeEntity, path: readonly number[]): MimeEntity | null {
  let e: MimeEntity | undefined = root
  for (const i of path) e = e?.children[i]
  return e ?? null
}

export async function verifySignedParts(
  root: MimeEntity,
  embedded: readonly EmbeddedPart[],
  keyring: Keyring,
  envelope: { from: FromAddress; date: string | null },
  open: OpenPart,
): Promise<SignedPartReport[]> {
  const out: SignedPartReport[] = []
  const publicOnly: Keyring = { ...keyring, identities: [] }
  for (const part of embedded) {
    if (part.kind !== 'signed' || out.length >= MAX_SIGNED_PARTS) continue
    const entity = entityAt(root, part.path)
    if (!entity) continue
    const parent = entityAt(root, part.path.slice(0, -1))
    const forwarded = parent !== null && `${parent.contentType.type}/${parent.contentType.subtype}`.toLowerCase() === 'message/rfc822'
    const r = await open(entity.raw, publicOnly, forwarded ? null : envelope)
    out.push({ path: part.path, contentType: part.contentType, ...(forwarded ? { forwarded: true as const } : {}), signature: r.signature, layers: r.layers, errors: r.errors })
  }
  return out
}
