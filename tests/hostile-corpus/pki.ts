/**
 * The identities every hostile case is built with, made on the fly by the real
 * `openssl` (tests/interop/harness/pki.ts): a trusted root and intermediate, the
 * sender Alice, the reader Bob (whose keyring opens the corpus), the attacker Mallory
 * (a genuine certificate from the same CA, for her own address), and Eve from a second,
 * untrusted PKI (a foreign signer).
 */
import { createPki, type Leaf, type Pki } from '../interop/harness/pki'
import { openssl } from '../interop/harness/run'
import type { Identity, Keyring } from '../../src/core/types'

export interface CorpusIdentity extends Identity {
  email: string
  /** Paths of the harness leaf (PEM files, PFX), for CLI and peer use. */
  leaf: Leaf
}

export interface CorpusPki {
  alice: CorpusIdentity
  bob: CorpusIdentity
  mallory: CorpusIdentity
  /** Signed by a CA nobody trusts. */
  eve: CorpusIdentity
  root: Uint8Array
  intermediate: Uint8Array
  /** PEM file of the trusted root (CLI --trust). */
  rootPath: string
  /** Bob's view: his identity, the trusted root, the intermediate. */
  keyring(): Keyring
  cleanup(): Promise<void>
}

async function identity(pki: Pki, leaf: Leaf): Promise<CorpusIdentity> {
  const pkcs8 = new Uint8Array(await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', leaf.keyPath, '-outform', 'DER']))
  return { certificate: leaf.certDer, chain: [pki.intermediate.certDer], privateKey: pkcs8, email: leaf.email, leaf }
}

/** Make the corpus PKI (a few seconds: RSA keys for two CAs and four leaves). */
export async function makeCorpusPki(): Promise<CorpusPki> {
  const pki = await createPki('cachet-hostile')
  const other = await createPki('cachet-hostile-eve')
  const [a, b, m, e] = await Promise.all([
    pki.issue('alice', { key: 'rsa2048', email: 'alice@example.test' }),
    pki.issue('bob', { key: 'rsa2048', email: 'bob@example.test' }),
    pki.issue('mallory', { key: 'p256', email: 'mallory@evil.test' }),
    other.issue('eve', { key: 'rsa2048', email: 'alice@example.test' }),
  ])
  const [alice, bob, mallory, eve] = await Promise.all([identity(pki, a), identity(pki, b), identity(pki, m), identity(other, e)])
  return {
    alice,
    bob,
    mallory,
    eve,
    root: pki.root.certDer,
    intermediate: pki.intermediate.certDer,
    rootPath: pki.root.certPath,
    keyring: () => ({ identities: [bob], trustAnchors: [pki.root.certDer], certificates: [pki.intermediate.certDer], crls: [] }),
    cleanup: async () => {
      await pki.cleanup()
      await other.cleanup()
    },
  }
}
