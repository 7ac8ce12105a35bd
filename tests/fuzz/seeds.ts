/**
 * Fuzz seeds, made fresh at the start of a run: a PKI by the real `openssl`, S/MIME
 * messages by Cachet's engine (signed, opaque, CBC, GCM, signed-then-encrypted, RSA
 * and ECDH recipients, an EFAIL wrap, plain MIME) and by OpenSSL, the bare CMS DER, and
 * PKCS#12 files by OpenSSL (default and legacy) and by writePfx.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPki, type Leaf, type Pki } from '../interop/harness/pki'
import { openssl } from '../interop/harness/run'
import { opensslEncrypt, opensslSign } from '../interop/harness/openssl-cms'
import { crlf } from '../interop/harness/eml'
import { signData } from '../../src/core/cms/signed'
import { encryptEnvelope } from '../../src/core/cms/envelope'
import { openMessage, sealMessage } from '../../src/core/message'
import { writePfx } from '../../src/core/pkcs12'
import { toBase64 } from '../../src/core/util/base64'
import type { Identity, Keyring } from '../../src/core/types'
import { detachedEntity, envelope, html, message, multipart, pkcs7Entity, text } from '../hostile-corpus/mime'

export type Target = 'message' | 'signed-der' | 'enveloped-der' | 'pfx'

export interface Seed {
  name: string
  target: Target
  bytes: Uint8Array
  /** Where a base64 CMS object sits in a message (for ASN.1-aware mutation). */
  der?: { start: number; end: number }
  /** Detached content for signed-der seeds. */
  content?: Uint8Array
  /** Relative weight when picking seeds. */
  weight: number
  /** What the unmutated message opens to (message seeds): the integrity invariant's reference. */
  baseline?: { signature: string; encryption: string; text: string | null }
  /** EFAIL invariant: this plaintext may only show when the message ROOT is the encryption layer. */
  sealed?: string
}

export interface SeedSet {
  seeds: Seed[]
  keyring: Keyring
  pfxPassword: string
  cleanup(): Promise<void>
}

export const PFX_PASSWORD = 'fuzz-pw'

async function identity(pki: Pki, leaf: Leaf): Promise<Identity> {
  const pkcs8 = new Uint8Array(await openssl(['pkcs8', '-topk8', '-nocrypt', '-in', leaf.keyPath, '-outform', 'DER']))
  return { certificate: leaf.certDer, chain: [pki.intermediate.certDer], privateKey: pkcs8 }
}

/** Find the base64 text of `der` inside `msg`. */
function locate(msg: Uint8Array, der: Uint8Array): { start: number; end: number } | undefined {
  const s = Buffer.from(msg).toString('latin1')
  const start = s.indexOf(toBase64(der).slice(0, 64))
  if (start < 0) return undefined
  let end = start
  while (end < s.length && /[A-Za-z0-9+/=\r\n]/.test(s[end]!)) end++
  return { start, end }
}

export async function makeSeeds(crypto: Crypto): Promise<SeedSet> {
  const pki = await createPki('cachet-fuzz')
  const dir = await mkdtemp(join(tmpdir(), 'cachet-fuzz-seeds-'))
  const [la, lb, lc] = await Promise.all([
    pki.issue('alice', { key: 'p256', email: 'alice@example.test' }),
    pki.issue('bob', { key: 'p256', email: 'bob@example.test' }),
    pki.issue('carol', { key: 'rsa2048', email: 'carol@example.test' }),
  ])
  const [alice, bob, carol] = await Promise.all([identity(pki, la), identity(pki, lb), identity(pki, lc)])
  const seeds: Seed[] = []
  const add = (name: string, target: Target, bytes: Uint8Array, weight: number, extra: Partial<Seed> = {}) => seeds.push({ name, target, bytes, weight, ...extra })
  const env = envelope('Alice <alice@example.test>', 'fuzz')
  const body = text('Hello Bob, the numbers for Friday are attached.')

  // Messages made by Cachet's engine.
  const detached = await signData(body, { identity: alice, detached: true }, crypto)
  const m1 = message(env, detachedEntity(body, detached))
  add('signed-detached-p256', 'message', m1, 3, { der: locate(m1, detached) })
  const opaque = await signData(body, { identity: carol, detached: false }, crypto)
  const m2 = message(envelope('Carol <carol@example.test>', 'fuzz'), pkcs7Entity('signed-data', opaque))
  add('signed-opaque-rsa', 'message', m2, 2, { der: locate(m2, opaque) })
  const cbc = await encryptEnvelope(body, { recipients: [{ certificate: bob.certificate }], cipher: 'aes-128-cbc' }, crypto)
  const m3 = message(env, pkcs7Entity('enveloped-data', cbc))
  add('enveloped-ecdh-cbc', 'message', m3, 3, { der: locate(m3, cbc) })
  const gcm = await encryptEnvelope(body, { recipients: [{ certificate: bob.certificate }], cipher: 'aes-128-gcm' }, crypto)
  const m4 = message(env, pkcs7Entity('authEnveloped-data', gcm))
  add('auth-enveloped-ecdh-gcm', 'message', m4, 2, { der: locate(m4, gcm) })
  const rsaEnv = await encryptEnvelope(body, { recipients: [{ certificate: carol.certificate }], cipher: 'aes-256-cbc' }, crypto)
  const m5 = message(env, pkcs7Entity('enveloped-data', rsaEnv))
  add('enveloped-rsa-v15', 'message', m5, 1, { der: locate(m5, rsaEnv) })
  const draft = message(['From: Alice <alice@example.test>', 'To: Bob <bob@example.test>', 'Subject: triple'], multipart('mixed', [text('signed then encrypted'), html('<p>hi</p>')]))
  add('signed-then-encrypted', 'message', await sealMessage(draft, { identity: alice, sign: true, encrypt: true, recipients: [bob.certificate], cipher: 'aes-128-cbc' }, crypto), 2)
  add('plain-mixed', 'message', message(env, multipart('mixed', [multipart('alternative', [text('plain'), html('<b>html</b>')]), text('attached', ['Content-Disposition: attachment; filename="a.txt"'])])), 2)
  // Its plaintext appears in no other seed, so a splice cannot bring it in as clear text.
  const sealed = 'SEALED-efail-4b1d9c'
  const wrapped = await encryptEnvelope(text(`The code is ${sealed}.`), { recipients: [{ certificate: bob.certificate }], cipher: 'aes-128-cbc' }, crypto)
  add('efail-wrap', 'message', message(env, multipart('mixed', [html('<img src="http://x/'), pkcs7Entity('enveloped-data', wrapped), html('">')])), 2, { sealed })

  // Messages made by OpenSSL.
  const sslSigned = withHead(env, await opensslSign(dir, la, body))
  add('openssl-signed', 'message', sslSigned, 2)
  const sslEnc = withHead(env, await opensslEncrypt(dir, [lb], body, { cipher: 'aes-256-cbc' }))
  add('openssl-enveloped-ecdh', 'message', sslEnc, 2)

  // Bare CMS.
  add('der-signed-detached', 'signed-der', detached, 2, { content: body })
  add('der-signed-opaque', 'signed-der', opaque, 2)
  add('der-enveloped-cbc', 'enveloped-der', cbc, 2)
  add('der-auth-enveloped-gcm', 'enveloped-der', gcm, 2)

  // PKCS#12 (low iteration counts so a run stays CI-sized; the structure is the point).
  const pfxDefault = join(dir, 'default.pfx')
  await openssl(['pkcs12', '-export', '-inkey', la.keyPath, '-in', la.certPath, '-certfile', pki.intermediate.certPath, '-passout', `pass:${PFX_PASSWORD}`, '-iter', '16', '-out', pfxDefault])
  add('pfx-openssl-pbes2', 'pfx', new Uint8Array(await readFile(pfxDefault)), 1)
  const pfxLegacy = join(dir, 'legacy.pfx')
  await openssl(['pkcs12', '-export', '-inkey', lc.keyPath, '-in', lc.certPath, '-passout', `pass:${PFX_PASSWORD}`, '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-iter', '16', '-out', pfxLegacy])
  add('pfx-openssl-legacy-3des', 'pfx', new Uint8Array(await readFile(pfxLegacy)), 1)
  // Without a MAC, mutations reach the bags, the PBE parameters and the key parsing.
  const pfxNoMac = join(dir, 'nomac.pfx')
  await openssl(['pkcs12', '-export', '-inkey', lb.keyPath, '-in', lb.certPath, '-certfile', pki.intermediate.certPath, '-passout', `pass:${PFX_PASSWORD}`, '-iter', '16', '-nomac', '-out', pfxNoMac])
  add('pfx-openssl-nomac', 'pfx', new Uint8Array(await readFile(pfxNoMac)), 2)
  add('pfx-cachet', 'pfx', await writePfx(alice, PFX_PASSWORD, crypto, { iterations: 16 }), 1)

  const keyring: Keyring = { identities: [bob, carol], trustAnchors: [pki.root.certDer], certificates: [pki.intermediate.certDer], crls: [] }
  for (const s of seeds) {
    if (s.target !== 'message') continue
    const { report } = await openMessage(s.bytes, keyring, crypto)
    s.baseline = { ...report.verdict, text: report.text }
  }
  return {
    seeds,
    keyring,
    pfxPassword: PFX_PASSWORD,
    cleanup: async () => {
      await pki.cleanup()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function withHead(env: string[], smime: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(env.map((h) => h + '\r\n').join('')), crlf(smime)])
}
