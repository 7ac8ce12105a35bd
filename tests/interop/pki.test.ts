import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateCertificate, type CertificateStatus } from '../../src/core/pki'
import { CA_EXT, makeIntermediate, makeLeaf, makeRoot, Workdir, type Issued, type KeyType, type TestCa } from '../unit/core/pki/gen'

/**
 * Our path validation against OpenSSL's `openssl verify -purpose smimesign` on
 * the same certificates, made on the fly by OpenSSL: each case has a single
 * problem, and both implementations must reach the same verdict.
 */
interface Case {
  name: string
  expected: CertificateStatus
  setup: (w: Workdir) => { leaf: Issued; anchors: Issued[]; intermediates: Issued[]; crls?: Uint8Array[]; email?: string }
}

const chain = (w: Workdir, keyType: KeyType, tag: string) => {
  const root = makeRoot(w, `Interop Root ${tag}`, keyType)
  const int = makeIntermediate(root, `Interop CA ${tag}`, keyType)
  return { root, int }
}

const cases: Case[] = [
  ...(['rsa', 'rsa-pss', 'ec-p256', 'ec-p384', 'ed25519'] as KeyType[]).map(
    (k): Case => ({
      name: `valid ${k} chain`,
      expected: 'valid',
      setup: (w) => {
        const { root, int } = chain(w, k, k)
        return { leaf: makeLeaf(int), anchors: [root], intermediates: [int], email: 'alice@example.test' }
      },
    }),
  ),
  {
    name: 'expired leaf',
    expected: 'expired',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'exp')
      return { leaf: makeLeaf(int, { endDate: '20220101000000Z' }), anchors: [root], intermediates: [int] }
    },
  },
  {
    name: 'not yet valid leaf',
    expected: 'expired',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'nyv')
      return { leaf: makeLeaf(int, { startDate: '20350101000000Z', endDate: '20380101000000Z' }), anchors: [root], intermediates: [int] }
    },
  },
  {
    name: 'serverAuth-only EKU',
    expected: 'not-email-cert',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'eku')
      return { leaf: makeLeaf(int, { eku: 'serverAuth' }), anchors: [root], intermediates: [int] }
    },
  },
  {
    name: 'key usage without digitalSignature/nonRepudiation',
    expected: 'not-email-cert',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'ku')
      return { leaf: makeLeaf(int, { keyUsage: 'critical, keyAgreement' }), anchors: [root], intermediates: [int] }
    },
  },
  {
    name: 'wrong email',
    expected: 'email-mismatch',
    setup: (w) => {
      const { root, int } = chain(w, 'rsa', 'mail')
      return { leaf: makeLeaf(int, { email: 'alice@example.test' }), anchors: [root], intermediates: [int], email: 'bob@example.test' }
    },
  },
  {
    name: 'revoked leaf',
    expected: 'revoked',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'rev')
      const leaf = makeLeaf(int)
      int.revoke(leaf)
      return { leaf, anchors: [root], intermediates: [int], crls: [int.crl(), root.crl()] }
    },
  },
  {
    name: 'good leaf with CRLs',
    expected: 'valid',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'crlok')
      return { leaf: makeLeaf(int), anchors: [root], intermediates: [int], crls: [int.crl(), root.crl()] }
    },
  },
  {
    name: 'missing intermediate',
    expected: 'untrusted',
    setup: (w) => {
      const { root, int } = chain(w, 'ec-p256', 'miss')
      return { leaf: makeLeaf(int), anchors: [root], intermediates: [] }
    },
  },
  {
    name: 'issuing CA without basicConstraints',
    expected: 'untrusted',
    setup: (w) => {
      const root = makeRoot(w, 'Interop Root nobc', 'ec-p256')
      const int = makeIntermediate(root, 'Interop CA nobc', 'ec-p256', ['keyUsage = critical, keyCertSign, cRLSign'])
      return { leaf: makeLeaf(int), anchors: [root], intermediates: [int] }
    },
  },
  {
    name: 'path length exceeded',
    expected: 'untrusted',
    setup: (w) => {
      const root = makeRoot(w, 'Interop Root plen', 'ec-p256', ['basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign'])
      const int = makeIntermediate(root, 'Interop CA plen', 'ec-p256')
      return { leaf: makeLeaf(int), anchors: [root], intermediates: [int] }
    },
  },
  ...[
    ['alice@example.test', 'valid'],
    ['mallory@evil.test', 'untrusted'],
  ].map(
    ([email, expected]): Case => ({
      name: `name constraints permit example.test: ${email}`,
      expected: expected as CertificateStatus,
      setup: (w) => {
        const root = makeRoot(w, w.unique('Interop Root nc'), 'ec-p256')
        const int = makeIntermediate(root, w.unique('Interop CA nc'), 'ec-p256', [...CA_EXT, 'nameConstraints = critical, permitted;email:example.test'])
        return { leaf: makeLeaf(int, { email }), anchors: [root], intermediates: [int] }
      },
    }),
  ),
  {
    name: 'cross-signed root',
    expected: 'valid',
    setup: (w) => {
      const oldRoot = makeRoot(w, 'Interop Old Root', 'rsa')
      const newRoot = makeRoot(w, 'Interop New Root', 'ed25519')
      const cross = oldRoot.issue({
        subject: '/O=Cachet Test/CN=Interop New Root',
        keyType: 'ed25519',
        extensions: CA_EXT,
        keyFile: newRoot.keyFile,
        csrFile: newRoot.csrFile,
        name: 'interop-cross',
        startDate: '20200101000000Z',
        endDate: '20400101000000Z',
      })
      const int = makeIntermediate(newRoot as TestCa, 'Interop CA cross', 'ec-p256')
      return { leaf: makeLeaf(int), anchors: [oldRoot], intermediates: [int, cross] }
    },
  },
]

/** OpenSSL's verdict, mapped onto our statuses. */
function opensslStatus(w: Workdir, c: ReturnType<Case['setup']>, at: Date): CertificateStatus | string {
  const cat = (name: string, items: Issued[]) => {
    const f = w.path(name)
    writeFileSync(f, items.map((i) => execFileSync('openssl', ['x509', '-in', i.pemFile])).join(''))
    return f
  }
  const args = ['verify', '-purpose', 'smimesign', '-attime', String(Math.floor(at.getTime() / 1000)), '-CAfile', cat(w.unique('anchors'), c.anchors)]
  if (c.intermediates.length) args.push('-untrusted', cat(w.unique('untrusted'), c.intermediates))
  if (c.crls?.length) {
    const f = w.path(w.unique('crls'))
    writeFileSync(f, c.crls.map((d) => execFileSync('openssl', ['crl', '-inform', 'DER'], { input: d })).join(''))
    args.push('-crl_check_all', '-CRLfile', f)
  }
  if (c.email) args.push('-verify_email', c.email)
  args.push(c.leaf.pemFile)
  let out: string
  try {
    out = execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
  } catch (e) {
    out = String((e as { stdout?: Buffer }).stdout ?? '') + String((e as { stderr?: Buffer }).stderr ?? '')
  }
  if (/: OK\s*$/.test(out) && !/error/.test(out)) return 'valid'
  if (/certificate revoked/.test(out)) return 'revoked'
  if (/email address mismatch/.test(out)) return 'email-mismatch'
  if (/unsupported certificate purpose|unsuitable certificate purpose/.test(out)) return 'not-email-cert'
  if (/has expired|is not yet valid/.test(out)) return 'expired'
  if (/unable to get (local )?issuer certificate|invalid CA certificate|path length constraint exceeded|permitted subtree violation|excluded subtree violation/.test(out)) return 'untrusted'
  return out
}

/**
 * NSS's verdict from `certutil -V -u S` (email signer) over a fresh database in
 * which the anchors are trusted for email. NSS 3.87 (Debian 12) has no Ed25519,
 * and certutil checks neither the address nor CRLs given on the side, so those
 * cases are left to OpenSSL.
 */
function nssStatus(w: Workdir, c: ReturnType<Case['setup']>, at: Date): CertificateStatus | string {
  const db = w.path(w.unique('nssdb'))
  mkdirSync(db)
  const certutil = (args: string[]) => execFileSync('certutil', ['-d', `sql:${db}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }).toString()
  certutil(['-N', '--empty-password'])
  c.anchors.forEach((a, i) => certutil(['-A', '-n', `anchor${i}`, '-t', 'C,C,C', '-i', a.pemFile]))
  c.intermediates.forEach((a, i) => certutil(['-A', '-n', `int${i}`, '-t', ',,', '-i', a.pemFile]))
  certutil(['-A', '-n', 'leaf', '-t', ',,', '-i', c.leaf.pemFile])
  const b = at.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z'
  let out: string
  try {
    out = certutil(['-V', '-n', 'leaf', '-u', 'S', '-b', b])
  } catch (e) {
    out = String((e as { stdout?: Buffer }).stdout ?? '') + String((e as { stderr?: Buffer }).stderr ?? '')
  }
  if (/certificate is valid/.test(out)) return 'valid'
  if (/expired|not yet valid/i.test(out)) return 'expired'
  if (/key usage inadequate|not approved for/i.test(out)) return 'not-email-cert'
  if (/issuer is not recognized|Issuer certificate is invalid|not permitted to issue|path length|not a CA/i.test(out)) return 'untrusted'
  return out
}

const nssCases = cases.filter((c) => !/ed25519|revoked|CRLs|email|cross-signed/i.test(c.name))

describe('path validation agrees with NSS certutil -V -u S', () => {
  let work: Workdir
  beforeAll(() => {
    work = new Workdir()
  })
  afterAll(() => work.dispose())

  it.each(nssCases)('$name → $expected', async (c) => {
    const s = c.setup(work)
    const at = new Date(Date.now() + 2000)
    const ours = await validateCertificate(
      s.leaf.der,
      { anchors: s.anchors.map((a) => a.der), intermediates: s.intermediates.map((i) => i.der), crls: [], at, purpose: 'email-signing' },
      globalThis.crypto,
    )
    expect(nssStatus(work, s, at)).toBe(c.expected)
    expect(ours.status, ours.reasons.join(' ')).toBe(c.expected)
  })
})

describe('path validation agrees with openssl verify -purpose smimesign', () => {
  let work: Workdir
  beforeAll(() => {
    work = new Workdir()
  })
  afterAll(() => work.dispose())

  it.each(cases)('$name → $expected', async (c) => {
    const s = c.setup(work)
    // After setup, so CRLs made just now are already in force for OpenSSL
    const at = new Date(Date.now() + 2000)
    const ours = await validateCertificate(
      s.leaf.der,
      {
        anchors: s.anchors.map((a) => a.der),
        intermediates: s.intermediates.map((i) => i.der),
        crls: s.crls ?? [],
        at,
        purpose: 'email-signing',
        email: s.email ?? null,
      },
      globalThis.crypto,
    )
    expect(opensslStatus(work, s, at)).toBe(c.expected)
    expect(ours.status, ours.reasons.join(' ')).toBe(c.expected)
  })
})
