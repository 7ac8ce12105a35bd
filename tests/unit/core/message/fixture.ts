/**
 * A small real PKI for the message-layer unit tests: made by OpenSSL (through the
 * interop harness), identities read back with our own readPfx.
 */
import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll } from 'vitest'
import { readPfx } from '../../../../src/core/pkcs12'
import type { Identity, Keyring } from '../../../../src/core/types'
import { createPki, type Leaf, type Pki } from '../../../interop/harness/pki'

export interface Fixture {
  pki: Pki
  leaves: Record<'alice' | 'bob' | 'erin', Leaf>
  ids: Record<'alice' | 'bob' | 'erin', Identity>
  keyring(who: ('alice' | 'bob' | 'erin')[], extra?: Partial<Keyring>): Keyring
}

export async function makeFixture(): Promise<Fixture> {
  const pki = await createPki('cachet-msg-unit')
  const [alice, bob, erin] = await Promise.all([
    pki.issue('alice', { key: 'rsa2048' }),
    pki.issue('bob', { key: 'rsa2048' }),
    pki.issue('erin', { key: 'p256' }),
  ])
  const leaves = { alice: alice!, bob: bob!, erin: erin! }
  const ids = {} as Fixture['ids']
  for (const [k, l] of Object.entries(leaves)) {
    const r = await readPfx(new Uint8Array(await readFile(l.pfxPath)), l.password, globalThis.crypto)
    ids[k as keyof Fixture['ids']] = r.identities[0]!
  }
  return {
    pki,
    leaves,
    ids,
    keyring: (who, extra = {}) => ({
      identities: who.map((w) => ids[w]),
      trustAnchors: [pki.root.certDer],
      certificates: [pki.intermediate.certDer],
      crls: [],
      ...extra,
    }),
  }
}

/** A test file's fixture: made before its tests (OpenSSL makes the PKI), removed after. */
export function withFixture(set: (f: Fixture) => void): void {
  let made: Fixture | undefined
  beforeAll(async () => {
    made = await makeFixture()
    set(made)
  }, 120_000)
  afterAll(async () => {
    await made?.pki.cleanup()
  })
}

export const enc = (s: string) => new TextEncoder().encode(s)
export const dec = (b: Uint8Array) => new TextDecoder().decode(b)

/**
 * A plain draft dated now: a signature made now over a fixed old date would be flagged as
 * re-dated (message/time.ts, more than an hour apart).
 */
export function draft(from: string, to: string, body = 'Hello, world.\r\n', extra = ''): Uint8Array {
  return enc(`From: ${from}\r\nTo: ${to}\r\nSubject: Test\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <t@example.test>\r\n${extra}Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`)
}
