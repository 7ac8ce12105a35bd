/**
 * EFAIL as a property (issue #3): the victim's ciphertext placed at a random non-root
 * position of a random attacker-made tree (multipart/mixed, related, alternative,
 * report, message/rfc822, and the attacker's own signed or encrypted-to-Bob layers
 * around it, HTML exfiltration parts as siblings) is never decrypted: its secret
 * appears nowhere in the result, and it is listed apart. 300 trees from a fixed seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openMessage } from '../../../src/core/message'
import { makeCorpusPki, type CorpusPki } from '../../hostile-corpus/build'
import { EXFIL_WRAPS } from '../../hostile-corpus/efail'
import { encryptedEntity, envelope, html, message, multipart, randomSecret, rfc822, secretEntity, signedEntity, text } from '../../hostile-corpus/mime'
import { Rng } from '../../fuzz/prng'
import { everythingVisible } from '../../hostile-corpus/check'

const crypto = globalThis.crypto
let pki: CorpusPki

beforeAll(async () => {
  pki = await makeCorpusPki()
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
})

const CONTAINERS = ['mixed', 'related', 'alternative', 'report', 'rfc822'] as const

/** A random unprotected container holding `inner` somewhere among exfiltration parts. */
function container(r: Rng, inner: Uint8Array): Uint8Array {
  const kind = r.pick(CONTAINERS)
  if (kind === 'rfc822') return rfc822(message(envelope('Mallory <mallory@evil.test>', 'fwd'), inner))
  const [open, close] = EXFIL_WRAPS[r.pick(Object.keys(EXFIL_WRAPS))]!
  const parts = [html(open), inner, html(close)]
  if (r.chance(0.3)) parts.unshift(text('Hi Bob!' + '\r\n'.repeat(r.int(60))))
  return multipart(kind, parts, kind === 'related' ? '; type="text/html"' : kind === 'report' ? '; report-type=delivery-status' : '')
}

describe('EFAIL property: non-root ciphertext is never decrypted', () => {
  it('300 random attacker trees', async () => {
    const secret = randomSecret('prop')
    const victim = (await encryptedEntity(secretEntity(secret), [pki.bob.certificate, pki.alice.certificate], 'aes-256-cbc', crypto)).entity
    const r = new Rng(20261123)
    const failures: string[] = []
    for (let n = 0; n < 300; n++) {
      // At least one unprotected container directly around the ciphertext.
      let entity = container(r, victim)
      const shape: string[] = ['container']
      const depth = r.int(4)
      for (let d = 0; d < depth; d++) {
        const op = r.int(4)
        if (op === 0) {
          entity = await signedEntity(entity, pki.mallory, crypto)
          shape.push('signed-by-mallory')
        } else if (op === 1) {
          entity = (await encryptedEntity(entity, [pki.bob.certificate], r.chance(0.5) ? 'aes-128-gcm' : 'aes-128-cbc', crypto)).entity
          shape.push('encrypted-to-bob')
        } else {
          entity = container(r, entity)
          shape.push('container')
        }
      }
      const raw = message(envelope('Mallory <mallory@evil.test>', `tree ${n}`), entity)
      const res = await openMessage(raw, pki.keyring(), crypto)
      if (everythingVisible(res).includes(secret)) failures.push(`tree ${n} (${shape.join(' > ')}): secret visible`)
      // Whatever the root unwraps to, the ciphertext (or the layer holding it) sits below a container: listed apart.
      else if (res.view.embedded.length === 0) failures.push(`tree ${n} (${shape.join(' > ')}): ciphertext not listed apart`)
    }
    expect(failures).toEqual([])
  }, 300_000)
})
