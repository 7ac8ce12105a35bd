/**
 * Where the time of an open goes (smime-open.bench.ts prints it): the steps openMessage
 * takes on a signed-then-encrypted message, one after another, each timed. The same
 * core functions as the real path, called directly (in Chromium on the page's main
 * thread, in Node in the bench process); the real path's total is measured separately.
 */
import type { CryptoLike } from '../../../src/core/crypto'
import { decryptEnvelopeBase64 } from '../../../src/core/cms/envelope'
import { verifySigned } from '../../../src/core/cms/signed'
import { parseMime } from '../../../src/core/mime'
import { detectRoot } from '../../../src/core/message'
import { extractBody } from '../../../src/core/message/view'
import { fromBase64Bytes } from '../../../src/core/util/base64'
import type { Identity } from '../../../src/core/types'

export const PHASES = ['MIME (outer)', 'base64 + AES-CBC, one pass', 'MIME (decrypted)', 'signature (SHA-256, RSA)', 'attachment (base64, SHA-256)¹'] as const

export async function phases(raw: Uint8Array, identity: Identity, crypto: CryptoLike): Promise<number[]> {
  const out: number[] = []
  let t = performance.now()
  const lap = () => {
    const now = performance.now()
    out.push(now - t)
    t = now
  }
  const outer = parseMime(raw)
  lap()
  const env = await decryptEnvelopeBase64(outer.body, [identity], crypto)
  lap()
  const d = detectRoot(parseMime(env.content!))
  if (d.kind !== 'multipart-signed') throw new Error(`expected multipart/signed, got ${d.kind}`)
  lap()
  const v = await verifySigned(fromBase64Bytes(d.signature.body), d.content.raw, crypto)
  lap()
  const body = await extractBody(d.content, crypto)
  lap()
  if (!v.signers[0]?.ok || body.attachments.length !== 1) throw new Error('the message did not open correctly')
  return out
}
