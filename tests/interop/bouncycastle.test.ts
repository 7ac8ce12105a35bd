/**
 * Bouncy Castle 1.72 (Java, Debian packages) as an interop peer, issues #5 and #6.
 *
 * BC makes CMS with its own generators (tests/interop/harness/bc/CachetBc.java, compiled
 * here with javac): CMSSignedDataGenerator + JcaSimpleSignerInfoGeneratorBuilder with the
 * SMIMECapabilities / SMIMEEncryptionKeyPreference attributes BC's S/MIME generator adds
 * (and BC's own CMSAlgorithmProtection), CMSEnvelopedDataGenerator and
 * CMSAuthEnvelopedDataGenerator with key transport (PKCS#1 v1.5, OAEP SHA-256) and
 * ECDH/ECCDH key agreement. BC's S/MIME (MIME) layer needs JavaMail, which is not
 * packaged beside BC, so the MIME around the CMS comes from the interop harness.
 *
 * 1. BC → `cachet-smime inspect`: every signature algorithm, detached and encapsulated,
 *    every key transport/agreement × content cipher, nesting, tampering.
 * 2. `cachet-smime seal` → BC: BC verifies (with a PKIX path to the test root) and
 *    decrypts what Cachet sends, as every recipient and as the sender.
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toBase64Lines } from '../../src/core/util/base64'
import { startBc, type BcPeer, type BcResult } from './harness/bc/peer'
import { cachetSmime, identityArgs, inspect } from './harness/cli'
import { makeDraft, pseudoRandom } from './harness/draft'
import { detachedMessage, mixedEntity, opaqueMessage, textEntity, type Envelope } from './harness/eml'
import { createPki, type Leaf, type Pki } from './harness/pki'
import { isMultipartSigned, multipartSignedParts, pkcs7MimeDer } from './harness/smime-parts'

const TEXT = 'Grüße von Bouncy Castle — S/MIME interop ✓\r\nSecond line.\r\n'
const MARKER = 'BC interop marker line 4711'

let pki: Pki
let dir: string
let peer: BcPeer
let L: Record<string, Leaf>
let trust: string[]

beforeAll(async () => {
  pki = await createPki('cachet-bc')
  dir = join(pki.dir, 'cases')
  await mkdir(dir)
  const bcStarted = startBc(pki.dir) // javac + JVM while openssl makes the keys
  const specs: [string, Parameters<Pki['issue']>[1]][] = [
    ['alice', { key: 'rsa2048' }],
    ['bob', { key: 'rsa2048' }],
    ['carol', { key: 'rsa3072' }],
    ['erin', { key: 'p256' }],
    ['frank', { key: 'p384' }],
    ['gina', { key: 'p521' }],
    ['ed', { key: 'ed25519' }],
  ]
  const leaves = await Promise.all(specs.map(([n, o]) => pki.issue(n, o)))
  L = Object.fromEntries(leaves.map((l) => [l.name, l]))
  trust = ['--trust', pki.root.certPath]
  peer = await bcStarted
}, 300_000)

afterAll(async () => {
  await peer?.close()
  await pki?.cleanup()
})

/** One CachetBc job in the shared JVM: ok, or BC's exception as `info`. */
function bc(args: string[]): Promise<BcResult> {
  return peer.run(args)
}

async function bcOk(args: string[]): Promise<string> {
  const r = await bc(args)
  if (!r.ok) throw new Error(`Bouncy Castle ${args[0]} failed: ${r.info}`)
  return r.info
}

let seq = 0
async function file(data: Uint8Array | string, ext: string): Promise<string> {
  const p = join(dir, `f-${seq++}.${ext}`)
  await writeFile(p, data)
  return p
}

const env = (from: Leaf, to: Leaf = L.bob!): Envelope => ({ from: `${from.name} <${from.email}>`, to: to.email, subject: 'bouncy castle interop' })

/** BC signs `content`; returns the SignedData as BC encodes it (BER). */
async function bcSign(leaf: Leaf | Leaf[], alg: string | string[], content: Uint8Array, encapsulate: boolean, bySki = false, stream = false): Promise<Buffer> {
  const out = join(dir, `sig-${seq++}.p7s`)
  const leaves = Array.isArray(leaf) ? leaf : [leaf]
  const algs = Array.isArray(alg) ? alg : [alg]
  const args = ['sign', ...leaves.flatMap((l, i) => ['--key', l.keyPath, '--cert', l.certPath, '--alg', algs[i]!]), '--chain', leaves[0]!.chainPath, '--in', await file(content, 'txt'), '--out', out]
  if (encapsulate) args.push('--encapsulate')
  if (bySki) args.push('--sid', 'ski')
  if (stream) args.push('--stream')
  await bcOk(args)
  return readFile(out)
}

/** BC encrypts `content` to each `to` spec ("cert.pem,kt=oaep", "cert.pem,ka=eccdh-sha256,wrap=aes128"). */
async function bcEncrypt(to: string[], cipher: string, content: Uint8Array, stream = false, authAttrs = false): Promise<Buffer> {
  const out = join(dir, `env-${seq++}.p7m`)
  await bcOk(['encrypt', ...to.flatMap((t) => ['--to', t]), '--cipher', cipher, '--in', await file(content, 'txt'), '--out', out, ...(stream ? ['--stream'] : []), ...(authAttrs ? ['--auth-attrs'] : [])])
  return readFile(out)
}

/** The multipart/signed entity (no outer headers) around `content` and a detached BC signature. */
function signedEntity(content: Uint8Array, sig: Uint8Array, micalg: string): Buffer {
  const b = `----bc-signed-${seq++}`
  const head = `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=${micalg}; boundary="${b}"\r\n\r\n--${b}\r\n`
  const sigHead = `\r\n--${b}\r\nContent-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7s"\r\n\r\n`
  return Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from(sigHead), Buffer.from(toBase64Lines(sig)), Buffer.from(`--${b}--\r\n`)])
}

/** The application/pkcs7-mime entity (no outer headers) around a CMS object. */
function pkcs7Entity(der: Uint8Array, smimeType: string): Buffer {
  const head = `Content-Type: application/pkcs7-mime; smime-type=${smimeType}; name="smime.p7m"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7m"\r\n\r\n`
  return Buffer.concat([Buffer.from(head), Buffer.from(toBase64Lines(der))])
}

function flipAt(b: Uint8Array, i: number): Buffer {
  const c = Buffer.from(b)
  c[i] = c[i]! ^ 0x01
  return c
}

// Concurrent within each group: every case is a few separate processes (JVM, node).
describe.concurrent('Bouncy Castle signs → cachet-smime inspect', () => {
  const rows: { signer: string; alg: string; micalg: string; digest: string; sigAlg: RegExp; encapsulate: boolean; weak?: boolean; ski?: boolean }[] = [
    { signer: 'alice', alg: 'SHA256withRSA', micalg: 'sha-256', digest: 'sha256', sigAlg: /rsa/i, encapsulate: false },
    { signer: 'carol', alg: 'SHA256withRSA', micalg: 'sha-256', digest: 'sha256', sigAlg: /rsa/i, encapsulate: true },
    { signer: 'alice', alg: 'SHA512withRSA', micalg: 'sha-512', digest: 'sha512', sigAlg: /rsa/i, encapsulate: false },
    { signer: 'carol', alg: 'SHA224withRSA', micalg: 'sha-224', digest: 'sha224', sigAlg: /rsa/i, encapsulate: false },
    { signer: 'alice', alg: 'SHA256withRSA', micalg: 'sha-256', digest: 'sha256', sigAlg: /rsa/i, encapsulate: false, ski: true },
    { signer: 'alice', alg: 'SHA1withRSA', micalg: 'sha-1', digest: 'sha1', sigAlg: /rsa/i, encapsulate: false, weak: true },
    { signer: 'carol', alg: 'SHA256withRSAandMGF1', micalg: 'sha-256', digest: 'sha256', sigAlg: /pss/i, encapsulate: false },
    { signer: 'alice', alg: 'SHA256withRSAandMGF1', micalg: 'sha-256', digest: 'sha256', sigAlg: /pss/i, encapsulate: true },
    { signer: 'carol', alg: 'SHA384withRSAandMGF1', micalg: 'sha-384', digest: 'sha384', sigAlg: /pss/i, encapsulate: false },
    { signer: 'frank', alg: 'SHA384withECDSA', micalg: 'sha-384', digest: 'sha384', sigAlg: /ecdsa/i, encapsulate: false },
    { signer: 'frank', alg: 'SHA384withECDSA', micalg: 'sha-384', digest: 'sha384', sigAlg: /ecdsa/i, encapsulate: true },
    { signer: 'erin', alg: 'SHA256withECDSA', micalg: 'sha-256', digest: 'sha256', sigAlg: /ecdsa/i, encapsulate: false },
    { signer: 'erin', alg: 'SHA224withECDSA', micalg: 'sha-224', digest: 'sha224', sigAlg: /ecdsa/i, encapsulate: false },
    { signer: 'erin', alg: 'SHA256withECDSA', micalg: 'sha-256', digest: 'sha256', sigAlg: /ecdsa/i, encapsulate: true, ski: true },
    { signer: 'gina', alg: 'SHA512withECDSA', micalg: 'sha-512', digest: 'sha512', sigAlg: /ecdsa/i, encapsulate: true },
    { signer: 'ed', alg: 'Ed25519', micalg: 'sha-512', digest: 'sha512', sigAlg: /ed25519/i, encapsulate: false },
    { signer: 'ed', alg: 'Ed25519', micalg: 'sha-512', digest: 'sha512', sigAlg: /ed25519/i, encapsulate: true },
  ]
  for (const r of rows) {
    it(`${r.signer} ${r.alg} ${r.encapsulate ? 'encapsulated (opaque)' : 'detached (multipart/signed)'}${r.ski ? ', signer by subjectKeyIdentifier' : ''} → valid, and tampered → invalid`, async () => {
      const leaf = L[r.signer]!
      const content = textEntity(TEXT)
      const sig = await bcSign(leaf, r.alg, content, r.encapsulate, r.ski)
      const eml = r.encapsulate
        ? opaqueMessage(env(leaf), sig, { smimeType: 'signed-data' })
        : detachedMessage(env(leaf), content, sig, { micalg: r.micalg })
      // Tampered: one bit of the signed text (detached), or of the encapsulated content.
      let bad: Buffer
      if (r.encapsulate) {
        const at = sig.indexOf(content.subarray(content.length - 20))
        expect(at).toBeGreaterThan(0)
        bad = opaqueMessage(env(leaf), flipAt(sig, at + 2), { smimeType: 'signed-data' })
      } else {
        bad = detachedMessage(env(leaf), flipAt(content, content.length - 10), sig, { micalg: r.micalg })
      }
      const [{ status, report }, t] = await Promise.all([inspect(await file(eml, 'eml'), trust), inspect(await file(bad, 'eml'), trust)])
      expect(t.report.verdict.signature).toBe('invalid')
      expect(t.status).toBe(1)

      expect(report.errors).toEqual([])
      expect(report.verdict).toEqual({ signature: 'valid', encryption: 'none' })
      expect(status).toBe(0)
      const layer = report.layers[0]!
      expect(layer.kind).toBe('signed')
      if (layer.kind !== 'signed') return
      expect(layer.detached).toBe(!r.encapsulate)
      const s = layer.signers[0]!
      expect(s.digestAlgorithm).toBe(r.digest)
      expect(s.signatureAlgorithm).toMatch(r.sigAlg)
      expect(s.email).toBe(leaf.email)
      expect(s.signingTime).not.toBeNull()
      // BC's SMIMECapabilities attribute, read back as names.
      expect(s.capabilities.join(' ')).toMatch(/aes-?256-?cbc/i)
      if (r.weak) expect(s.weak).toContain('sha1')
      expect(report.text).toBe(TEXT)
    })
  }

  it('no signed attributes (BC setDirectSignature), RSA and ECDSA, detached → valid without a signing time; tampered → invalid', async () => {
    const content = textEntity(TEXT)
    for (const [leaf, alg] of [[L.alice!, 'SHA256withRSA'], [L.erin!, 'SHA256withECDSA']] as const) {
      const out = join(dir, `sig-${seq++}.p7s`)
      await bcOk(['sign', '--key', leaf.keyPath, '--cert', leaf.certPath, '--alg', alg, '--chain', leaf.chainPath, '--no-attrs', '--in', await file(content, 'txt'), '--out', out])
      const sig = await readFile(out)
      const [{ status, report }, t] = await Promise.all([
        inspect(await file(detachedMessage(env(leaf), content, sig, { micalg: 'sha-256' }), 'eml'), trust),
        inspect(await file(detachedMessage(env(leaf), flipAt(content, content.length - 10), sig, { micalg: 'sha-256' }), 'eml'), trust),
      ])
      expect(report.verdict, alg).toEqual({ signature: 'valid', encryption: 'none' })
      expect(status).toBe(0)
      const layer = report.layers[0]!
      if (layer.kind !== 'signed') throw new Error(`expected a signed layer, got ${layer.kind}`)
      expect(layer.signers[0]!.signingTime).toBeNull()
      expect(t.report.verdict.signature, alg).toBe('invalid')
    }
  })

  it('two signers (RSA-PSS alice, ECDSA erin) in one SignedData → each reported and verified; tampered → invalid', async () => {
    const content = textEntity(TEXT)
    const sig = await bcSign([L.alice!, L.erin!], ['SHA256withRSAandMGF1', 'SHA256withECDSA'], content, false)
    const eml = detachedMessage(env(L.alice!), content, sig, { micalg: 'sha-256' })
    const bad = detachedMessage(env(L.alice!), flipAt(content, content.length - 10), sig, { micalg: 'sha-256' })
    const [{ report }, t] = await Promise.all([inspect(await file(eml, 'eml'), trust), inspect(await file(bad, 'eml'), trust)])
    const layer = report.layers[0]!
    if (layer.kind !== 'signed') throw new Error(`expected a signed layer, got ${layer.kind}`)
    // SignerInfos is a SET: BC writes it sorted by encoding, not in the order added.
    const byEmail = [...layer.signers].sort((x, y) => (x.email ?? '').localeCompare(y.email ?? ''))
    expect(byEmail.map((x) => [x.email, x.status])).toEqual([
      [L.alice!.email, 'valid'],
      [L.erin!.email, 'email-mismatch'],
    ])
    // Both verify; erin is not the From address, so the message as a whole is not "valid".
    expect(report.verdict.signature).toBe('email-mismatch')
    expect(t.report.verdict.signature).toBe('invalid')
  })
})

describe.concurrent('Bouncy Castle encrypts → cachet-smime inspect', () => {
  type Row = { name: string; to: (l: Record<string, Leaf>) => string[]; cipher: string; reader: string; kind: 'enveloped' | 'auth-enveloped'; ri: 'ktri' | 'kari'; keyAlg: RegExp; cea: RegExp }
  const rows: Row[] = [
    { name: 'RSA PKCS#1 v1.5, AES-128-CBC', to: (l) => [l.bob!.certPath], cipher: 'aes128-cbc', reader: 'bob', kind: 'enveloped', ri: 'ktri', keyAlg: /rsa/i, cea: /aes-?128-?cbc/i },
    { name: 'RSA-3072 PKCS#1 v1.5, AES-256-CBC', to: (l) => [l.carol!.certPath], cipher: 'aes256-cbc', reader: 'carol', kind: 'enveloped', ri: 'ktri', keyAlg: /rsa/i, cea: /aes-?256-?cbc/i },
    { name: 'RSAES-OAEP SHA-256, AES-256-CBC', to: (l) => [`${l.bob!.certPath},kt=oaep`], cipher: 'aes256-cbc', reader: 'bob', kind: 'enveloped', ri: 'ktri', keyAlg: /oaep/i, cea: /aes-?256-?cbc/i },
    { name: 'RSAES-OAEP SHA-256, AES-128-GCM (AuthEnvelopedData)', to: (l) => [`${l.bob!.certPath},kt=oaep`], cipher: 'aes128-gcm', reader: 'bob', kind: 'auth-enveloped', ri: 'ktri', keyAlg: /oaep/i, cea: /aes-?128-?gcm/i },
    { name: 'RSA PKCS#1 v1.5, AES-256-GCM (AuthEnvelopedData)', to: (l) => [l.carol!.certPath], cipher: 'aes256-gcm', reader: 'carol', kind: 'auth-enveloped', ri: 'ktri', keyAlg: /rsa/i, cea: /aes-?256-?gcm/i },
    { name: 'P-256 ECDH_SHA256KDF + AES-256 wrap, AES-256-CBC', to: (l) => [`${l.erin!.certPath},ka=ecdh-sha256,wrap=aes256`], cipher: 'aes256-cbc', reader: 'erin', kind: 'enveloped', ri: 'kari', keyAlg: /ecdh|dh/i, cea: /aes-?256-?cbc/i },
    { name: 'P-384 ECCDH_SHA256KDF (cofactor) + AES-256 wrap, AES-128-CBC', to: (l) => [`${l.frank!.certPath},ka=eccdh-sha256,wrap=aes256`], cipher: 'aes128-cbc', reader: 'frank', kind: 'enveloped', ri: 'kari', keyAlg: /dh/i, cea: /aes-?128-?cbc/i },
    { name: 'P-521 ECDH_SHA512KDF + AES-256 wrap, AES-256-CBC', to: (l) => [`${l.gina!.certPath},ka=ecdh-sha512,wrap=aes256`], cipher: 'aes256-cbc', reader: 'gina', kind: 'enveloped', ri: 'kari', keyAlg: /dh/i, cea: /aes-?256-?cbc/i },
    { name: 'P-256 ECDH_SHA256KDF + AES-128 wrap, AES-256-GCM (AuthEnvelopedData)', to: (l) => [`${l.erin!.certPath},ka=ecdh-sha256,wrap=aes128`], cipher: 'aes256-gcm', reader: 'erin', kind: 'auth-enveloped', ri: 'kari', keyAlg: /dh/i, cea: /aes-?256-?gcm/i },
    { name: 'RSA PKCS#1 v1.5 by subjectKeyIdentifier, AES-192-CBC', to: (l) => [`${l.bob!.certPath},rid=ski`], cipher: 'aes192-cbc', reader: 'bob', kind: 'enveloped', ri: 'ktri', keyAlg: /rsa/i, cea: /aes-?192-?cbc/i },
    { name: 'RSAES-OAEP by subjectKeyIdentifier, AES-256-GCM', to: (l) => [`${l.carol!.certPath},kt=oaep,rid=ski`], cipher: 'aes256-gcm', reader: 'carol', kind: 'auth-enveloped', ri: 'ktri', keyAlg: /oaep/i, cea: /aes-?256-?gcm/i },
    { name: 'P-256 ECDH_SHA1KDF + AES-128 wrap by subjectKeyIdentifier, AES-128-CBC', to: (l) => [`${l.erin!.certPath},ka=ecdh-sha1,wrap=aes128,rid=ski`], cipher: 'aes128-cbc', reader: 'erin', kind: 'enveloped', ri: 'kari', keyAlg: /dh/i, cea: /aes-?128-?cbc/i },
    { name: 'P-384 ECDH_SHA384KDF + AES-256 wrap, AES-128-GCM', to: (l) => [`${l.frank!.certPath},ka=ecdh-sha384`], cipher: 'aes128-gcm', reader: 'frank', kind: 'auth-enveloped', ri: 'kari', keyAlg: /dh/i, cea: /aes-?128-?gcm/i },
    { name: 'three recipients (OAEP, ECDH P-256, v1.5), read by the P-256 one', to: (l) => [`${l.bob!.certPath},kt=oaep`, l.erin!.certPath, l.carol!.certPath], cipher: 'aes256-cbc', reader: 'erin', kind: 'enveloped', ri: 'kari', keyAlg: /dh/i, cea: /aes-?256-?cbc/i },
  ]
  for (const r of rows) {
    it(`${r.name} → decrypted`, async () => {
      const reader = L[r.reader]!
      const der = await bcEncrypt(r.to(L), r.cipher, textEntity(TEXT))
      const smimeType = r.kind === 'auth-enveloped' ? 'authEnveloped-data' : 'enveloped-data'
      const { status, report } = await inspect(await file(opaqueMessage(env(L.alice!, reader), der, { smimeType }), 'eml'), identityArgs(reader))
      expect(report.errors).toEqual([])
      expect(report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
      expect(status).toBe(0)
      expect(report.text).toBe(TEXT)
      const layer = report.layers[0]!
      expect(layer.kind).toBe(r.kind)
      if (layer.kind === 'signed') return
      expect(layer.contentEncryptionAlgorithm).toMatch(r.cea)
      expect(layer.integrity).toBe(r.kind === 'auth-enveloped')
      const ours = layer.recipients.filter((x) => x.ours)
      expect(ours).toHaveLength(1)
      expect(ours[0]!.type).toBe(r.ri)
      expect(ours[0]!.keyEncryptionAlgorithm).toMatch(r.keyAlg)
    })
  }

  it('3DES-CBC (read only) to RSA → decrypted and reported as weak', async () => {
    const der = await bcEncrypt([L.bob!.certPath], 'des3-cbc', textEntity(TEXT))
    const { report } = await inspect(await file(opaqueMessage(env(L.alice!), der, { smimeType: 'enveloped-data' }), 'eml'), identityArgs(L.bob!))
    expect(report.verdict.encryption).toBe('decrypted')
    expect(report.text).toBe(TEXT)
    const layer = report.layers[0]!
    if (layer.kind === 'signed') throw new Error('expected an enveloped layer')
    expect(layer.contentEncryptionAlgorithm).toMatch(/3des|des-ede3/i)
    expect(layer.weak.length).toBeGreaterThan(0)
  })

  it('for bob only, opened by alice → not-for-you', async () => {
    const der = await bcEncrypt([L.bob!.certPath], 'aes256-cbc', textEntity(TEXT))
    const { status, report } = await inspect(await file(opaqueMessage(env(L.carol!, L.bob!), der, { smimeType: 'enveloped-data' }), 'eml'), identityArgs(L.alice!))
    expect(report.verdict.encryption).toBe('not-for-you')
    expect(status).toBe(1)
  })

  it('AES-GCM with one ciphertext bit flipped → corrupt, no text', async () => {
    const content = textEntity(TEXT)
    const der = await bcEncrypt([L.bob!.certPath], 'aes256-gcm', content)
    // BC writes the ciphertext as one OCTET STRING just before the 16-byte tag: flip
    // a bit in its middle (located as the run of bytes between the IV and the MAC).
    let end = der.length
    while (end > 0 && der[end - 1] === 0) end-- // BER end-of-contents octets
    const macStart = end - 16
    const bad = flipAt(der, macStart - 2 - Math.floor(content.length / 2))
    const { status, report } = await inspect(await file(opaqueMessage(env(L.alice!), bad, { smimeType: 'authEnveloped-data' }), 'eml'), identityArgs(L.bob!))
    expect(report.verdict.encryption).toBe('corrupt')
    expect(report.text).toBeNull()
    expect(status).toBe(1)
  })

  // RFC 5083 §2.2: with authAttrs, their DER is GCM's additional authenticated data.
  // (OpenSSL 3.0 cannot even parse BC's authAttrs: "wrong tag ... Field=mac".)
  it('AES-128-GCM with authenticated attributes (content type, signing time) → decrypted; an altered attribute → corrupt', async () => {
    const der = await bcEncrypt([L.bob!.certPath], 'aes128-gcm', textEntity(TEXT), false, true)
    const ok = await inspect(await file(opaqueMessage(env(L.alice!), der, { smimeType: 'authEnveloped-data' }), 'eml'), identityArgs(L.bob!))
    expect(ok.report.errors).toEqual([])
    expect(ok.report.verdict.encryption).toBe('decrypted')
    expect(ok.report.text).toBe(TEXT)
    // Change one digit of the signing time: OID 1.2.840.113549.1.9.5, SET, UTCTime.
    const oid = der.lastIndexOf(Buffer.from('06092a864886f70d010905', 'hex'))
    expect(oid).toBeGreaterThan(0)
    const utc = oid + 11 + 2
    expect([der[utc], der[utc + 1]]).toEqual([0x17, 0x0d])
    const bad = await inspect(await file(opaqueMessage(env(L.alice!), flipAt(der, utc + 4), { smimeType: 'authEnveloped-data' }), 'eml'), identityArgs(L.bob!))
    expect(bad.report.verdict.encryption).toBe('corrupt')
    expect(bad.report.text).toBeNull()
  })

  it('signed (BC, detached) inside encrypted (BC, OAEP + GCM) → valid and decrypted, two layers', async () => {
    const content = textEntity(TEXT)
    const sig = await bcSign(L.alice!, 'SHA256withRSAandMGF1', content, false)
    const der = await bcEncrypt([`${L.bob!.certPath},kt=oaep`, L.alice!.certPath], 'aes256-gcm', signedEntity(content, sig, 'sha-256'))
    const { status, report } = await inspect(await file(opaqueMessage(env(L.alice!, L.bob!), der, { smimeType: 'authEnveloped-data' }), 'eml'), [...identityArgs(L.bob!), ...trust])
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(status).toBe(0)
    expect(report.layers.map((l) => l.kind)).toEqual(['auth-enveloped', 'signed'])
    expect(report.text).toBe(TEXT)
  })

  it('triple wrap: signed (ECDSA, opaque) inside encrypted (ECDH) inside signed (RSA) → every layer in order', async () => {
    const content = textEntity(TEXT)
    const innerSig = await bcSign(L.frank!, 'SHA384withECDSA', content, true)
    const env1 = await bcEncrypt([L.erin!.certPath, L.frank!.certPath], 'aes128-cbc', pkcs7Entity(innerSig, 'signed-data'))
    const envEntity = pkcs7Entity(env1, 'enveloped-data')
    const outerSig = await bcSign(L.frank!, 'SHA256withECDSA', envEntity, false)
    const eml = detachedMessage(env(L.frank!, L.erin!), envEntity, outerSig, { micalg: 'sha-256' })
    const { status, report } = await inspect(await file(eml, 'eml'), [...identityArgs(L.erin!), ...trust])
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(status).toBe(0)
    expect(report.layers.map((l) => l.kind)).toEqual(['signed', 'enveloped', 'signed'])
    expect(report.text).toBe(TEXT)
  })
})

// BC's S/MIME classes (SMIMESignedGenerator, SMIMEEnvelopedGenerator) write with the
// streaming CMS generators: indefinite lengths and the content as 1000-byte OCTET STRING
// chunks. Same generators here, with a 1 MiB attachment so there are many chunks.
describe.concurrent('Bouncy Castle streaming generators (what its S/MIME classes write), 1 MiB attachment → inspect', () => {
  const data = pseudoRandom(1 << 20, 7)
  const sha256 = createHash('sha256').update(data).digest('hex')
  const inner = () => mixedEntity(TEXT, { filename: 'bc-data.bin', contentType: 'application/octet-stream', data })
  const expectAttachment = (report: { attachments: { filename: string | null; size: number; sha256: string }[] }) => {
    expect(report.attachments).toEqual([expect.objectContaining({ filename: 'bc-data.bin', size: data.length, sha256 })])
  }

  it('CMSSignedDataStreamGenerator, encapsulated, SHA256withRSA → valid, attachment intact', async () => {
    const sig = await bcSign(L.alice!, 'SHA256withRSA', inner(), true, false, true)
    const { status, report } = await inspect(await file(opaqueMessage(env(L.alice!), sig, { smimeType: 'signed-data' }), 'eml'), trust)
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'none' })
    expect(status).toBe(0)
    expect(report.text).toBe(TEXT)
    expectAttachment(report)
  })

  it('CMSSignedDataStreamGenerator, detached, SHA384withECDSA → valid', async () => {
    const content = inner()
    const sig = await bcSign(L.frank!, 'SHA384withECDSA', content, false, false, true)
    const { status, report } = await inspect(await file(detachedMessage(env(L.frank!), content, sig, { micalg: 'sha-384' }), 'eml'), trust)
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'none' })
    expect(status).toBe(0)
    expectAttachment(report)
  })

  it('CMSEnvelopedDataStreamGenerator, AES-256-CBC to RSA (OAEP) and P-256 (ECDH) → decrypted by each', async () => {
    const der = await bcEncrypt([`${L.bob!.certPath},kt=oaep`, L.erin!.certPath], 'aes256-cbc', inner(), true)
    const eml = await file(opaqueMessage(env(L.alice!, L.bob!), der, { smimeType: 'enveloped-data' }), 'eml')
    const results = await Promise.all([inspect(eml, identityArgs(L.bob!)), inspect(eml, identityArgs(L.erin!))])
    for (const { status, report } of results) {
      expect(report.verdict).toEqual({ signature: 'none', encryption: 'decrypted' })
      expect(status).toBe(0)
      expectAttachment(report)
    }
  })

  it('streamed signed (encapsulated, RSA-PSS) inside streamed enveloped (AES-128-CBC) → valid and decrypted', async () => {
    const sig = await bcSign(L.carol!, 'SHA256withRSAandMGF1', inner(), true, false, true)
    const der = await bcEncrypt([L.bob!.certPath, L.carol!.certPath], 'aes128-cbc', pkcs7Entity(sig, 'signed-data'), true)
    const { status, report } = await inspect(await file(opaqueMessage(env(L.carol!, L.bob!), der, { smimeType: 'enveloped-data' }), 'eml'), [...identityArgs(L.bob!), ...trust])
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(status).toBe(0)
    expect(report.layers.map((l) => l.kind)).toEqual(['enveloped', 'signed'])
    expectAttachment(report)
  })
})

describe.concurrent('cachet-smime seal → Bouncy Castle verifies and decrypts', () => {
  interface SealRow {
    name: string
    sender: string
    to: string[]
    sign: boolean
    encrypt: boolean
    cipher?: string
    oaep?: boolean
    pss?: boolean
    opaque?: boolean
    /** BC's signature algorithm OID for the signer. */
    sigOid?: string
    /** BC's key encryption OID for the first recipient. */
    keyEncOid?: string
  }
  const RSA = '1.2.840.113549.1.1.1'
  const PSS = '1.2.840.113549.1.1.10'
  const OAEP = '1.2.840.113549.1.1.7'
  const rows: SealRow[] = [
    { name: 'RSA v1.5 sign, detached', sender: 'alice', to: [], sign: true, encrypt: false, sigOid: `(${RSA}|1.2.840.113549.1.1.11)` },
    { name: 'RSA v1.5 sign, opaque', sender: 'carol', to: [], sign: true, encrypt: false, opaque: true, sigOid: `(${RSA}|1.2.840.113549.1.1.11)` },
    { name: 'RSA-PSS sign, detached', sender: 'carol', to: [], sign: true, encrypt: false, pss: true, sigOid: PSS },
    { name: 'P-256 ECDSA sign, detached', sender: 'erin', to: [], sign: true, encrypt: false, sigOid: '1.2.840.10045.4.3.2' },
    { name: 'P-384 ECDSA sign, opaque', sender: 'frank', to: [], sign: true, encrypt: false, opaque: true, sigOid: '1.2.840.10045.4.3.' },
    { name: 'encrypt RSA v1.5, default AES-256-CBC', sender: 'alice', to: ['bob'], sign: false, encrypt: true, keyEncOid: RSA },
    { name: 'encrypt RSAES-OAEP, AES-128-CBC', sender: 'alice', to: ['bob'], sign: false, encrypt: true, oaep: true, cipher: 'aes-128-cbc', keyEncOid: OAEP },
    { name: 'encrypt ECDH P-256 sender to P-384, AES-256-CBC', sender: 'erin', to: ['frank'], sign: false, encrypt: true, keyEncOid: '1.3.132.1.' },
    { name: 'encrypt AES-256-GCM to RSA (AuthEnvelopedData)', sender: 'alice', to: ['carol'], sign: false, encrypt: true, cipher: 'aes-256-gcm', keyEncOid: RSA },
    { name: 'encrypt AES-128-GCM to P-256 (AuthEnvelopedData, ECDH)', sender: 'alice', to: ['erin'], sign: false, encrypt: true, cipher: 'aes-128-gcm', keyEncOid: '1.3.132.1.' },
    { name: 'sign RSA-PSS + encrypt OAEP AES-256-GCM', sender: 'alice', to: ['bob'], sign: true, encrypt: true, pss: true, oaep: true, cipher: 'aes-256-gcm', sigOid: PSS, keyEncOid: OAEP },
    { name: 'sign P-384 ECDSA opaque + encrypt to P-256 and RSA, AES-128-CBC', sender: 'frank', to: ['erin', 'bob'], sign: true, encrypt: true, opaque: true, cipher: 'aes-128-cbc', sigOid: '1.2.840.10045.4.3.', keyEncOid: '1.3.132.1.' },
  ]
  for (const r of rows) {
    it(`${r.name} → BC ${[r.encrypt ? 'decrypts as every recipient and the sender' : '', r.sign ? 'verifies with a path to the root' : ''].filter(Boolean).join(', ')}`, async () => {
      const s = L[r.sender]!
      const draft = await makeDraft({ from: `${s.name} <${s.email}>`, to: r.to.length ? r.to.map((t) => L[t]!.email) : ['someone@example.test'], subject: 'to bouncy castle', text: `${MARKER}\nGrüße ✓\n` })
      const args = ['seal', ...identityArgs(s)]
      if (r.sign) args.push('--sign')
      if (r.encrypt) args.push('--encrypt', ...r.to.flatMap((t) => ['--to', L[t]!.certPath]))
      if (r.cipher) args.push('--cipher', r.cipher)
      if (r.oaep) args.push('--oaep')
      if (r.pss) args.push('--pss')
      if (r.opaque) args.push('--opaque')
      const sealed = await cachetSmime(args, draft)
      expect(sealed.status, sealed.stderr).toBe(0)
      let entity: Buffer = sealed.stdout

      if (r.encrypt) {
        const der = await file(pkcs7MimeDer(sealed.stdout), 'p7m')
        const plains = await Promise.all(
          [...r.to, r.sender].map(async (who) => {
            const out = join(dir, `dec-${seq++}.eml`)
            const info = await bcOk(['decrypt', '--key', L[who]!.keyPath, '--cert', L[who]!.certPath, '--in', der, '--out', out])
            expect(info).toMatch(r.cipher?.endsWith('gcm') ? /^auth-enveloped/ : /^enveloped/)
            if (who === r.to[0] && r.keyEncOid) expect(info).toContain(`keyEnc=${r.keyEncOid}`)
            return readFile(out)
          }),
        )
        for (const p of plains) expect(p.equals(plains[0]!)).toBe(true)
        entity = plains[0]!
      }

      if (r.sign) {
        let info: string
        let signedContent: Buffer
        if (isMultipartSigned(entity)) {
          expect(r.opaque ?? false).toBe(false)
          const { content, signature } = multipartSignedParts(entity)
          info = await bcOk(['verify', '--in', await file(signature, 'p7s'), '--content', await file(content, 'txt'), '--trust', pki.root.certPath])
          signedContent = content
        } else {
          expect(r.opaque).toBe(true)
          const out = join(dir, `verified-${seq++}.eml`)
          info = await bcOk(['verify', '--in', await file(pkcs7MimeDer(entity), 'p7m'), '--out', out, '--trust', pki.root.certPath])
          signedContent = await readFile(out)
        }
        expect(info).toMatch(new RegExp(`sig=${r.sigOid!.replace(/\./g, '\\.')}`))
        // BC parsed Cachet's signed attributes: content type, message digest, signing time,
        // SMIMECapabilities, ESS signingCertificateV2 (RFC 5035).
        const attrs = /attrs=([\d.,]*)/.exec(info)![1]!.split(',')
        expect(attrs).toEqual(expect.arrayContaining(['1.2.840.113549.1.9.3', '1.2.840.113549.1.9.4', '1.2.840.113549.1.9.5', '1.2.840.113549.1.9.15', '1.2.840.113549.1.9.16.2.47']))
        expect(signedContent.toString('latin1')).toContain(MARKER)

        // BC must also refuse the same signature over altered bytes.
        if (isMultipartSigned(entity)) {
          const { content, signature } = multipartSignedParts(entity)
          const at = content.indexOf(MARKER)
          const bad = await bc(['verify', '--in', await file(signature, 'p7s'), '--content', await file(flipAt(content, at), 'txt')])
          expect(bad.ok).toBe(false)
        }
      } else {
        expect(entity.toString('latin1')).toContain(MARKER)
      }
    })
  }
})
