/**
 * SignedData against the real peers, with every input made on the fly:
 * OpenSSL `cms`/`smime -sign` (detached S/MIME, opaque, every digest, PSS, EC, Ed25519,
 * -noattr, several signers, -binary, -stream BER), NSS `cmsutil -S`, gpgsm `--sign`
 * are verified by verifySigned over the exact part bytes found by parseMime; and
 * what signData makes is verified by `openssl cms -verify`, `cmsutil -D` and gpgsm.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signData, signingDigest, verifySigned, micalgOf } from '../../src/core/cms/signed'
import { buildBodyPart, buildMessageHeaders, buildMultipart, decodeBody, header, parseMime, type Draft } from '../../src/core/mime'
import type { Identity } from '../../src/core/types'
import { concat, equal, utf8 } from '../../src/core/util/bytes'
import { toBase64Lines } from '../../src/core/util/base64'

const crypto = globalThis.crypto
let dir = ''
const KINDS = ['rsa', 'p256', 'p384', 'p521', 'ed25519'] as const
type Kind = (typeof KINDS)[number]
const ids = {} as Record<Kind, Identity>
let nssDb = ''
let gnupgHome = ''
const PW = 'interop-pw'

function run(cmd: string, args: string[], opts: { input?: Uint8Array | string; env?: Record<string, string>; allowFail?: boolean } = {}) {
  const r = spawnSync(cmd, args, { cwd: dir, input: opts.input, env: { ...process.env, ...opts.env }, maxBuffer: 256 << 20 })
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`)
  }
  return { status: r.status, stdout: new Uint8Array(r.stdout ?? []), stderr: r.stderr?.toString() ?? '' }
}
const openssl = (...args: string[]) => run('openssl', args)
const file = (name: string) => join(dir, name)
const read = (name: string) => new Uint8Array(readFileSync(file(name)))

const CONTENT = 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello from the interop test =E2=9C=93\r\n'

function keygen(kind: Kind): string[] {
  switch (kind) {
    case 'rsa':
      return ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
    case 'ed25519':
      return ['-algorithm', 'ED25519']
    default:
      return ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:P-${kind.slice(1)}`]
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-signed-'))
  writeFileSync(file('content.txt'), CONTENT)
  writeFileSync(file('ext.cnf'), 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment\nextendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n')
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Cachet Interop CA', '-days', '3650',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  openssl('x509', '-in', 'ca.pem', '-outform', 'DER', '-out', 'ca.der')
  for (const kind of KINDS) {
    openssl('genpkey', ...keygen(kind), '-out', `${kind}.key`)
    openssl('req', '-new', '-key', `${kind}.key`, '-subj', `/CN=${kind} signer/emailAddress=${kind}@example.org`, '-out', `${kind}.csr`)
    writeFileSync(file(`${kind}.ext`), readFileSync(file('ext.cnf'), 'utf8') + `subjectAltName=email:${kind}@example.org\n`)
    openssl('x509', '-req', '-in', `${kind}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '365', '-out', `${kind}.pem`, '-extfile', `${kind}.ext`)
    openssl('x509', '-in', `${kind}.pem`, '-outform', 'DER', '-out', `${kind}.der`)
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', `${kind}.key`, '-outform', 'DER', '-out', `${kind}.p8`)
    ids[kind] = { certificate: read(`${kind}.der`), chain: [read('ca.der')], privateKey: read(`${kind}.p8`) }
  }
  openssl('pkcs12', '-export', '-inkey', 'rsa.key', '-in', 'rsa.pem', '-certfile', 'ca.pem', '-name', 'rsa', '-out', 'rsa.p12', '-passout', `pass:${PW}`)
}, 120_000)

afterAll(() => {
  if (gnupgHome) run('gpgconf', ['--kill', 'gpg-agent'], { env: { GNUPGHOME: gnupgHome }, allowFail: true })
  if (dir) rmSync(dir, { recursive: true, force: true })
})

let ed25519Probe: boolean | undefined
/** Whether this OpenSSL can sign (and so verify) Ed25519 CMS (3.2 and later). */
function opensslEd25519(): boolean {
  if (ed25519Probe === undefined) {
    const d = mkdtempSync(join(tmpdir(), 'cachet-ed-'))
    const sh = (args: string[]) => spawnSync('openssl', args, { cwd: d }).status === 0
    ed25519Probe =
      sh(['genpkey', '-algorithm', 'ED25519', '-out', 'k']) &&
      sh(['req', '-x509', '-key', 'k', '-subj', '/CN=p', '-out', 'c']) &&
      (writeFileSync(join(d, 'i'), 'x'), sh(['cms', '-sign', '-md', 'sha512', '-in', 'i', '-signer', 'c', '-inkey', 'k', '-out', 'o']))
    rmSync(d, { recursive: true, force: true })
  }
  return ed25519Probe
}

/** Signature and signed bytes out of an S/MIME message, as the message layer will. */
function fromSmime(raw: Uint8Array): { der: Uint8Array; detached: Uint8Array | null } {
  const m = parseMime(raw)
  expect(m.problems).toEqual([])
  if (m.contentType.type === 'multipart' && m.contentType.subtype === 'signed') {
    return { der: decodeBody(m.children[1]!), detached: m.children[0]!.raw }
  }
  expect(m.contentType.subtype).toMatch(/^(x-)?pkcs7-mime$/)
  return { der: decodeBody(m), detached: null }
}

async function expectOk(der: Uint8Array, detached: Uint8Array | null, n = 1) {
  const r = await verifySigned(der, detached, crypto)
  expect(r.problems).toEqual([])
  expect(r.signers).toHaveLength(n)
  for (const s of r.signers) {
    expect(s.reasons).toEqual([])
    expect(s.ok).toBe(true)
    expect(s.certificate).not.toBeNull()
  }
  return r
}

describe('OpenSSL-made signatures verify', () => {
  for (const md of ['sha1', 'sha224', 'sha256', 'sha384', 'sha512']) {
    it(`cms -sign detached S/MIME, RSA, -md ${md}`, async () => {
      openssl('cms', '-sign', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-md', md, '-out', `d-${md}.eml`)
      const { der, detached } = fromSmime(read(`d-${md}.eml`))
      expect(detached).not.toBeNull()
      const r = await expectOk(der, detached)
      expect(r.signers[0]!.digestAlgorithm).toBe(md)
      expect(r.signers[0]!.weak).toEqual(md === 'sha1' ? ['sha1'] : [])
      expect(r.signers[0]!.signingTime).not.toBeNull()
    })
  }

  it('cms -sign -nodetach opaque gives the content back', async () => {
    openssl('cms', '-sign', '-nodetach', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-out', 'opaque.eml')
    const { der, detached } = fromSmime(read('opaque.eml'))
    expect(detached).toBeNull()
    const r = await expectOk(der, null)
    expect(new TextDecoder().decode(r.content!)).toBe(CONTENT)
    expect(r.signers[0]!.capabilities).toContain('aes-256-cbc')
  })

  it('cms -sign RSA-PSS', async () => {
    openssl('cms', '-sign', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-keyopt', 'rsa_padding_mode:pss', '-out', 'pss.eml')
    const r = await expectOk(...(Object.values(fromSmime(read('pss.eml'))) as [Uint8Array, Uint8Array]))
    expect(r.signers[0]!.signatureAlgorithm).toBe('rsa-pss-sha256')
  })

  for (const kind of ['p256', 'p384', 'p521', 'ed25519'] as const) {
    // OpenSSL before 3.2 cannot make or check Ed25519 CMS signatures at all ("invalid
    // digest" / "operation not supported for this keytype"); skip it there, honestly.
    it.skipIf(kind === 'ed25519' && !opensslEd25519())(`cms -sign with ${kind}`, async () => {
      openssl('cms', '-sign', '-in', 'content.txt', '-signer', `${kind}.pem`, '-inkey', `${kind}.key`, ...(kind === 'ed25519' ? ['-md', 'sha512'] : []), '-out', `${kind}.eml`)
      const { der, detached } = fromSmime(read(`${kind}.eml`))
      const r = await expectOk(der, detached)
      expect(r.signers[0]!.signatureAlgorithm).toMatch(kind === 'ed25519' ? /^ed25519$/ : /^ecdsa-sha/)
    })
  }

  it('cms -sign ECDSA with -md sha224 (hash WebCrypto lacks)', async () => {
    openssl('cms', '-sign', '-in', 'content.txt', '-signer', 'p256.pem', '-inkey', 'p256.key', '-md', 'sha224', '-out', 'p256-224.eml')
    const { der, detached } = fromSmime(read('p256-224.eml'))
    expect((await expectOk(der, detached)).signers[0]!.signatureAlgorithm).toBe('ecdsa-sha224')
  })

  it('cms -sign -noattr (signature over the content itself)', async () => {
    openssl('cms', '-sign', '-noattr', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-out', 'noattr.eml')
    const { der, detached } = fromSmime(read('noattr.eml'))
    const r = await expectOk(der, detached)
    expect(r.signers[0]!.signingTime).toBeNull()
  })

  it('cms -sign with several -signer, each reported', async () => {
    openssl('cms', '-sign', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-signer', 'p384.pem', '-inkey', 'p384.key', '-signer', 'p521.pem', '-inkey', 'p521.key', '-out', 'multi.eml')
    const { der, detached } = fromSmime(read('multi.eml'))
    const r = await expectOk(der, detached, 3)
    expect(r.signers.map((s) => s.signatureAlgorithm.replace(/-sha\d+$/, '')).sort()).toEqual(['ecdsa', 'ecdsa', 'rsa-pkcs1']) // SET OF: DER order
  })

  it('cms -sign -binary over binary content', async () => {
    const bin = new Uint8Array(70_000).map((_, i) => (i * 7) & 0xff)
    writeFileSync(file('bin.dat'), bin)
    openssl('cms', '-sign', '-binary', '-in', 'bin.dat', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-outform', 'DER', '-out', 'bin.p7s')
    await expectOk(read('bin.p7s'), bin)
    openssl('cms', '-sign', '-binary', '-nodetach', '-in', 'bin.dat', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-outform', 'DER', '-out', 'bin.p7m')
    const r = await expectOk(read('bin.p7m'), null)
    expect(equal(r.content!, bin)).toBe(true)
  })

  it('cms -sign -stream -nodetach (indefinite-length BER, constructed eContent)', async () => {
    const big = new Uint8Array(3_000_000).map((_, i) => i & 0xff)
    writeFileSync(file('big.dat'), big)
    openssl('cms', '-sign', '-binary', '-stream', '-nodetach', '-in', 'big.dat', '-signer', 'p256.pem', '-inkey', 'p256.key', '-outform', 'DER', '-out', 'stream.p7m')
    const der = read('stream.p7m')
    expect(der[1]).toBe(0x80) // indefinite length
    const r = await expectOk(der, null)
    expect(equal(r.content!, big)).toBe(true)
    openssl('cms', '-sign', '-stream', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-out', 'stream.eml')
    const s = fromSmime(read('stream.eml'))
    await expectOk(s.der, s.detached)
  })

  it('smime -sign (PKCS#7, application/x-pkcs7-signature) detached and opaque', async () => {
    openssl('smime', '-sign', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-out', 'p7.eml')
    const m = parseMime(read('p7.eml'))
    expect(m.children[1]!.contentType.subtype).toBe('x-pkcs7-signature')
    const { der, detached } = fromSmime(read('p7.eml'))
    await expectOk(der, detached)
    openssl('smime', '-sign', '-nodetach', '-in', 'content.txt', '-signer', 'rsa.pem', '-inkey', 'rsa.key', '-out', 'p7o.eml')
    const o = fromSmime(read('p7o.eml'))
    await expectOk(o.der, null)
  })

  it('a tampered signed part fails with a digest mismatch', async () => {
    const raw = read('d-sha256.eml')
    const m = parseMime(raw)
    const part = m.children[0]!.raw.slice()
    part[part.length - 3] = part[part.length - 3]! ^ 1
    const r = await verifySigned(decodeBody(m.children[1]!), part, crypto)
    expect(r.signers[0]!.ok).toBe(false)
    expect(r.signers[0]!.reasons).toContain('message digest mismatch')
  })
})

describe('OpenSSL verifies what signData makes', () => {
  for (const kind of KINDS) {
    for (const pss of kind === 'rsa' ? [false, true] : [false]) {
      it.skipIf(kind === 'ed25519' && !opensslEd25519())(`${kind}${pss ? ' PSS' : ''}: detached (-content) and opaque`, async () => {
        const content = utf8(CONTENT)
        const det = await signData(content, { identity: ids[kind], detached: true, pss }, crypto)
        writeFileSync(file(`our-${kind}.p7s`), det)
        let r = run('openssl', ['cms', '-verify', '-inform', 'DER', '-in', `our-${kind}.p7s`, '-content', 'content.txt', '-binary', '-CAfile', 'ca.pem', '-purpose', 'smimesign', '-out', '/dev/null'], { allowFail: true })
        expect(r.stderr).toMatch(/Verification successful/)
        const opq = await signData(content, { identity: ids[kind], detached: false, pss }, crypto)
        writeFileSync(file(`our-${kind}.p7m`), opq)
        r = run('openssl', ['cms', '-verify', '-inform', 'DER', '-in', `our-${kind}.p7m`, '-binary', '-noverify'], { allowFail: true })
        expect(r.stderr).toMatch(/Verification successful/)
        expect(new TextDecoder().decode(r.stdout)).toBe(CONTENT)
      })
    }
  }

  it('openssl cms -cmsout -print shows our signed attributes', async () => {
    const der = await signData(utf8(CONTENT), { identity: ids.rsa, detached: true }, crypto)
    writeFileSync(file('attrs.p7s'), der)
    const out = new TextDecoder().decode(openssl('cms', '-cmsout', '-print', '-inform', 'DER', '-in', 'attrs.p7s').stdout)
    for (const a of ['contentType', 'messageDigest', 'signingTime', 'S/MIME Capabilities', 'id-smime-aa-encrypKeyPref', 'id-smime-aa-signingCertificateV2']) {
      expect(out).toContain(a)
    }
  })

  for (const [kind, pss] of [['rsa', false], ['rsa', true], ['p384', false]] as [Kind, boolean][])
  it(`a multipart/signed built from buildBodyPart + signData verifies in openssl smime/cms -verify (${kind}${pss ? ' PSS' : ''})`, async () => {
    const draft: Draft = {
      from: { name: 'Zoë', address: 'rsa@example.org' },
      to: [{ address: 'bob@example.net' }],
      subject: 'Signed — Grüße',
      text: 'Hello ✓\nline two with trailing space \nFrom the start\n.\n',
      attachments: [{ filename: 'Überweisung.pdf', contentType: 'application/pdf', data: new Uint8Array(5000).map((_, i) => i & 0xff) }],
    }
    const inner = buildBodyPart(draft)
    const sig = await signData(inner, { identity: ids[kind], detached: true, pss }, crypto)
    const sigPart = concat([utf8('Content-Type: application/pkcs7-signature; name="smime.p7s"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="smime.p7s"\r\n\r\n'), toBase64Lines(sig)])
    const signed = buildMultipart('signed', [inner, sigPart], { protocol: 'application/pkcs7-signature', micalg: micalgOf(signingDigest(ids[kind].certificate)!) })
    const message = concat([utf8(buildMessageHeaders(draft)), signed])
    writeFileSync(file(`ours-${kind}.eml`), message)
    // the legacy PKCS#7 `smime` command knows no RSA-PSS ("padding check failed"): use `cms` there
    const r = run('openssl', [pss ? 'cms' : 'smime', '-verify', '-in', `ours-${kind}.eml`, '-CAfile', 'ca.pem', '-purpose', 'smimesign', '-out', `ours-${kind}.out`], { allowFail: true })
    expect(r.stderr).toMatch(/Verification successful/)
    expect(equal(read(`ours-${kind}.out`), inner)).toBe(true)
    // and our own reader agrees, over the same bytes
    const m = parseMime(message)
    expect(header(m, 'content-type')).toMatch(/multipart\/signed/)
    await expectOk(decodeBody(m.children[1]!), m.children[0]!.raw)
  })
})

describe('NSS cmsutil', () => {
  beforeAll(() => {
    nssDb = join(dir, 'nssdb')
    run('mkdir', ['-p', nssDb])
    run('certutil', ['-N', '-d', `sql:${nssDb}`, '--empty-password'])
    run('certutil', ['-A', '-d', `sql:${nssDb}`, '-n', 'interop-ca', '-t', 'C,C,C', '-i', file('ca.pem')])
    run('pk12util', ['-i', file('rsa.p12'), '-d', `sql:${nssDb}`, '-W', PW, '-K', ''])
  })

  for (const detachedMode of [true, false]) {
    it(`cmsutil -S ${detachedMode ? '-T (detached)' : '(opaque)'} verifies`, async () => {
      const out = `nss-${detachedMode}.p7`
      run('cmsutil', ['-S', '-N', 'rsa', '-d', `sql:${nssDb}`, '-p', '', '-G', '-P', '-H', 'SHA384', ...(detachedMode ? ['-T'] : []), '-i', file('content.txt'), '-o', file(out)])
      const r = await expectOk(read(out), detachedMode ? utf8(CONTENT) : null)
      expect(r.signers[0]!.digestAlgorithm).toBe('sha384')
      if (!detachedMode) expect(new TextDecoder().decode(r.content!)).toBe(CONTENT)
    })
  }

  for (const [kind, pss] of [['rsa', false], ['rsa', true], ['p256', false], ['p384', false], ['p521', false]] as [Kind, boolean][]) {
    it(`cmsutil -D verifies what signData makes: ${kind}${pss ? ' PSS' : ''}, detached and opaque`, async () => {
      const content = utf8(CONTENT)
      const name = `nss-our-${kind}-${pss}`
      writeFileSync(file(`${name}.p7s`), await signData(content, { identity: ids[kind], detached: true, pss }, crypto))
      writeFileSync(file(`${name}.p7m`), await signData(content, { identity: ids[kind], detached: false, pss }, crypto))
      const d = run('cmsutil', ['-D', '-d', `sql:${nssDb}`, '-i', file(`${name}.p7s`), '-c', file('content.txt'), '-n', '-h', '1'], { allowFail: true })
      expect(d.status, d.stderr).toBe(0)
      expect(new TextDecoder().decode(d.stdout)).toMatch(/signer0\.status=GoodSignature/i)
      const o = run('cmsutil', ['-D', '-d', `sql:${nssDb}`, '-i', file(`${name}.p7m`), '-h', '1'], { allowFail: true })
      expect(o.status, o.stderr).toBe(0)
      const text = new TextDecoder().decode(o.stdout)
      expect(text).toMatch(/signer0\.status=GoodSignature/i)
      expect(text).toContain('Hello from the interop test')
    })
  }
})

describe('gpgsm', () => {
  // gpgsm 2.2 imports only legacy PKCS#12 (3DES, SHA-1 MAC), takes the passphrase on
  // --passphrase-fd with loopback pinentry, and crashes on EC PKCS#12: RSA only here.
  const gpgsm = (args: string[], withPassphrase = false) =>
    run('gpgsm', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', ...(withPassphrase ? ['--passphrase-fd', '0'] : []), ...args], {
      env: { GNUPGHOME: gnupgHome },
      input: withPassphrase ? `${PW}\n` : undefined,
      allowFail: true,
    })

  beforeAll(() => {
    gnupgHome = join(dir, 'gnupg')
    run('mkdir', ['-m', '700', '-p', gnupgHome])
    writeFileSync(join(gnupgHome, 'gpg-agent.conf'), 'allow-loopback-pinentry\n')
    writeFileSync(join(gnupgHome, 'gpgsm.conf'), 'disable-crl-checks\ndisable-policy-checks\ndisable-dirmngr\n')
    const fp = new TextDecoder().decode(openssl('x509', '-in', 'ca.pem', '-noout', '-fingerprint', '-sha1').stdout).split('=')[1]!.trim().replace(/:/g, '')
    writeFileSync(join(gnupgHome, 'trustlist.txt'), `${fp} S relax\n`)
    // gpgsm 2.2.40 sporadically fails to decrypt a valid 3DES key bag depending on the
    // export's random salt/IV; a fresh export of the same key imports, so try a few.
    let imp = { stderr: '' }
    for (let attempt = 0; attempt < 4 && !/secret keys imported: 1/.test(imp.stderr); attempt++) {
      openssl('pkcs12', '-export', '-inkey', 'rsa.key', '-in', 'rsa.pem', '-certfile', 'ca.pem', '-name', 'rsa', '-passout', `pass:${PW}`,
        '-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1', '-out', `rsa-legacy-${attempt}.p12`)
      imp = gpgsm(['--import', file(`rsa-legacy-${attempt}.p12`)], true)
    }
    expect(imp.stderr).toMatch(/secret keys imported: 1/)
  })

  it('gpgsm --detach-sign and --sign verify', async () => {
    let r = gpgsm(['-u', 'rsa@example.org', '--detach-sign', '-o', file('gpgsm.p7s'), file('content.txt')], true)
    expect(r.status, r.stderr).toBe(0)
    await expectOk(read('gpgsm.p7s'), utf8(CONTENT))
    r = gpgsm(['-u', 'rsa@example.org', '--sign', '-o', file('gpgsm.p7m'), file('content.txt')], true)
    expect(r.status, r.stderr).toBe(0)
    const res = await expectOk(read('gpgsm.p7m'), null)
    expect(new TextDecoder().decode(res.content!)).toBe(CONTENT)
  })

  it('gpgsm --verify accepts what signData makes', async () => {
    writeFileSync(file('gpg-our.p7s'), await signData(utf8(CONTENT), { identity: ids.rsa, detached: true }, crypto))
    const r = gpgsm(['--verify', file('gpg-our.p7s'), file('content.txt')])
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/Good signature/)
    writeFileSync(file('gpg-our.p7m'), await signData(utf8(CONTENT), { identity: ids.rsa, detached: false }, crypto))
    const o = gpgsm(['--verify', '-o', file('gpg-our.out'), file('gpg-our.p7m')])
    expect(o.status, o.stderr).toBe(0)
    expect(new TextDecoder().decode(read('gpg-our.out'))).toBe(CONTENT)
  })
})
