/**
 * Issue 11, "CLI secrets": besides `--password PW` (visible in `ps`), every password can
 * come from `--password-file FILE`, `--password-env NAME` or standard input (`-`). The
 * rules (src/cli/secrets.ts) are tested on their own with a fake Io, then through
 * `main` with a real PFX that OpenSSL exports during the test under a password with
 * spaces and a tab in it, so that only the exact password opens it.
 */
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseArgs, UsageError } from '../../../src/cli/args'
import type { Io } from '../../../src/cli/io'
import { main } from '../../../src/cli/main'
import {
  passwordSpecs,
  pfxPasswordSources,
  resolvePasswords,
  resolvePfxPasswords,
  singlePasswordSource,
  stripOneNewline,
  type PasswordSource,
  type SecretIo,
} from '../../../src/cli/secrets'
import type { SecurityReport } from '../../../src/core/message/report'
import { makeLeaf, makeRoot, openssl, Workdir } from '../core/pki/gen'

const enc = (s: string) => new TextEncoder().encode(s)
const SPEC = { pfx: { value: true, repeat: true }, ...passwordSpecs(true), trust: { value: true, repeat: true } }

/** A SecretIo over in-memory files, variables and stdin that counts what was read. */
function fakeIo(files: Record<string, string | Uint8Array> = {}, env: Record<string, string> = {}, stdin?: string): SecretIo & { reads: string[] } {
  const reads: string[] = []
  return {
    reads,
    readFile: async (p) => {
      reads.push(p)
      const f = files[p]
      if (f === undefined) throw new Error(`ENOENT: no such file or directory, open '${p}'`)
      return typeof f === 'string' ? enc(f) : f
    },
    env: (name) => env[name],
    ...(stdin === undefined
      ? {}
      : {
          readStdin: async () => {
            reads.push('<stdin>')
            return enc(stdin)
          },
        }),
  }
}

describe('pfxPasswordSources: each --pfx takes exactly one password option', () => {
  it('pairs each --pfx with the password option after it, in any form; empty passwords allowed', () => {
    const p = parseArgs(
      ['--pfx', 'a.pfx', '--password', 'x', '--trust', 't', '--pfx', 'b.pfx', '--password', '', '--pfx', 'c.pfx', '--password-file', 'c.pw', '--pfx', 'd.pfx', '--password-env', 'D_PW', '--pfx', 'e.pfx', '--password=-'],
      SPEC,
    )
    expect(pfxPasswordSources(p)).toEqual([
      { file: 'a.pfx', source: { kind: 'literal', password: 'x' } },
      { file: 'b.pfx', source: { kind: 'literal', password: '' } },
      { file: 'c.pfx', source: { kind: 'file', path: 'c.pw' } },
      { file: 'd.pfx', source: { kind: 'env', name: 'D_PW' } },
      { file: 'e.pfx', source: { kind: 'stdin', option: '--password -' } },
    ])
    expect(pfxPasswordSources(parseArgs(['--pfx', 'a', '--password-file', '-'], SPEC))[0]!.source).toEqual({ kind: 'stdin', option: '--password-file -' })
  })

  it('a --pfx without a password, a password before any --pfx, or two for one --pfx are usage errors', () => {
    const err = (argv: string[]) => () => pfxPasswordSources(parseArgs(argv, SPEC))
    expect(err(['--pfx', 'a.pfx'])).toThrow(UsageError)
    expect(err(['--pfx', 'a.pfx'])).toThrow(/--pfx a\.pfx needs a password: --password-file FILE, --password-env NAME or --password PW/)
    expect(err(['--password', 'x'])).toThrow(/--password must follow a --pfx FILE/)
    expect(err(['--password-env', 'X', '--pfx', 'a'])).toThrow(/--password-env must follow a --pfx FILE/)
    expect(err(['--pfx', 'a', '--password', 'x', '--password', 'y'])).toThrow(/--pfx a has two password options \(--password and --password\)/)
    expect(err(['--pfx', 'a', '--password-file', 'f', '--password-env', 'E'])).toThrow(/--pfx a has two password options \(--password-file and --password-env\)/)
    expect(err(['--pfx', 'a', '--password-env', ''])).toThrow(/--password-env needs the name/)
    expect(err(['--pfx', 'a', '--password-file', ''])).toThrow(/--password-file needs a file name/)
  })

  it('singlePasswordSource (pfx-info): none is null, more than one is a usage error', () => {
    const spec = passwordSpecs(false)
    expect(singlePasswordSource(parseArgs(['f.pfx'], spec))).toBeNull()
    expect(singlePasswordSource(parseArgs(['f.pfx', '--password-env', 'X'], spec))).toEqual({ kind: 'env', name: 'X' })
    expect(() => singlePasswordSource(parseArgs(['f.pfx', '--password', 'x', '--password-file', 'f'], spec))).toThrow(/one password option, not 2 \(--password, --password-file\)/)
  })
})

describe('stripOneNewline', () => {
  it('removes one trailing \\n or \\r\\n and nothing else', () => {
    expect(stripOneNewline('pw\n')).toBe('pw')
    expect(stripOneNewline('pw\r\n')).toBe('pw')
    expect(stripOneNewline('pw\n\n')).toBe('pw\n')
    expect(stripOneNewline('pw\r')).toBe('pw\r')
    expect(stripOneNewline(' p w\t \n')).toBe(' p w\t ')
    expect(stripOneNewline('')).toBe('')
    expect(stripOneNewline('\n')).toBe('')
  })
})

describe('resolvePasswords', () => {
  const file = (path: string): PasswordSource => ({ kind: 'file', path })
  const env = (name: string): PasswordSource => ({ kind: 'env', name })
  const stdin = (option = '--password -'): PasswordSource => ({ kind: 'stdin', option })

  it('reads files (one newline off, other whitespace kept), variables and the first line of stdin', async () => {
    const io = fakeIo({ a: ' sp ace\t\n', b: 'crlf\r\n', c: 'raw', d: 'two\n\n', e: '', f: '\uFEFFbom\n' }, { V: ' v \n', EMPTY: '' }, 'first \r\nsecond\n')
    expect(await resolvePasswords([file('a'), file('b'), file('c'), file('d'), file('e'), file('f')], io)).toEqual([' sp ace\t', 'crlf', 'raw', 'two\n', '', '\uFEFFbom'])
    expect(await resolvePasswords([env('V'), env('EMPTY'), { kind: 'literal', password: ' lit ' }], io)).toEqual([' v \n', '', ' lit '])
    expect(await resolvePasswords([stdin()], io)).toEqual(['first '])
    expect(await resolvePasswords([stdin()], fakeIo({}, {}, 'no newline'))).toEqual(['no newline'])
    expect(await resolvePasswords([stdin()], fakeIo({}, {}, '\n'))).toEqual([''])
  })

  it('an unreadable file or an unset variable is a usage error naming it', async () => {
    const io = fakeIo({}, {})
    await expect(resolvePasswords([file('/no/such.pw')], io)).rejects.toThrow(UsageError)
    await expect(resolvePasswords([file('/no/such.pw')], io)).rejects.toThrow(/Cannot read the password file \/no\/such\.pw/)
    await expect(resolvePasswords([env('CACHET_NOT_SET')], io)).rejects.toThrow(/environment variable CACHET_NOT_SET \(--password-env\) is not set/)
    // An Io without env (pfx-info called with a bare Io) has no variables at all.
    await expect(resolvePasswords([env('HOME')], { readFile: io.readFile })).rejects.toThrow(/HOME .* is not set/)
    await expect(resolvePasswords([file('bin')], fakeIo({ bin: new Uint8Array([0xff, 0xfe, 0x0a]) }))).rejects.toThrow(/password file bin is not UTF-8/)
  })

  it('stdin: refused where the command needs it, for more than one password, when absent or empty; checked before reading anything', async () => {
    const io = fakeIo({ a: 'x' }, {}, 'pw\n')
    await expect(resolvePasswords([file('a'), stdin('--password-file -')], io, { stdinRefused: 'it is the draft.' })).rejects.toThrow(/--password-file - cannot be used here: it is the draft\. Use --password-file FILE or --password-env NAME/)
    await expect(resolvePasswords([file('a'), stdin(), stdin('--password-file -')], io)).rejects.toThrow(/Only one password can be read from standard input, but 2 ask for it/)
    expect(io.reads).toEqual([])
    await expect(resolvePasswords([stdin()], fakeIo())).rejects.toThrow(/standard input is not available/)
    await expect(resolvePasswords([stdin()], fakeIo({}, {}, ''))).rejects.toThrow(/standard input is empty/)
  })

  it('resolvePfxPasswords gives each --pfx its password', async () => {
    const p = parseArgs(['--pfx', 'a.pfx', '--password-file', 'a.pw', '--pfx', 'b.pfx', '--password-env', 'B', '--pfx', 'c.pfx', '--password', '-'], SPEC)
    expect(await resolvePfxPasswords(p, fakeIo({ 'a.pw': 'A\n' }, { B: 'B' }, 'C\n'))).toEqual([
      { file: 'a.pfx', password: 'A' },
      { file: 'b.pfx', password: 'B' },
      { file: 'c.pfx', password: 'C' },
    ])
  })
})

// ---------------------------------------------------------------------------------------
// Through the command, with a real PFX.

/** Spaces at both ends and a tab inside: a trimmed or otherwise altered password fails. */
const PW = ' open sesame\t '
const EMAIL = 'alice@example.test'
let work: Workdir
let files: Map<string, Uint8Array>

class MemIo implements Io {
  out: Uint8Array[] = []
  err = ''
  stdinReads = 0
  constructor(
    private stdin: Uint8Array = new Uint8Array(0),
    private vars: Record<string, string> = {},
  ) {}
  readFile = async (path: string) => {
    const f = files.get(path)
    if (!f) throw new Error(`ENOENT: no such file or directory, open '${path}'`)
    return f
  }
  writeFile = async () => {}
  readStdin = async () => {
    this.stdinReads++
    return this.stdin
  }
  env = (name: string) => this.vars[name]
  stdout = (s: string | Uint8Array) => {
    this.out.push(typeof s === 'string' ? enc(s) : s)
  }
  stderr = (s: string) => {
    this.err += s
  }
  text(): string {
    return Buffer.concat(this.out).toString('utf8')
  }
}

beforeAll(async () => {
  work = new Workdir()
  const root = makeRoot(work, 'Password Root', 'ec-p256')
  const leaf = makeLeaf(root, { keyType: 'ec-p256', email: EMAIL })
  const pfx = work.path('alice.pfx')
  openssl(['pkcs12', '-export', '-inkey', leaf.keyFile, '-in', leaf.pemFile, '-certfile', root.pemFile, '-passout', `pass:${PW}`, '-out', pfx])
  files = new Map([
    ['alice.pfx', new Uint8Array(readFileSync(pfx))],
    ['root.pem', new Uint8Array(readFileSync(root.pemFile))],
    ['pw-lf.txt', enc(`${PW}\n`)],
    ['pw-crlf.txt', enc(`${PW}\r\n`)],
    ['pw-raw.txt', enc(PW)],
    ['pw-two-lf.txt', enc(`${PW}\n\n`)],
    ['pw-trimmed.txt', enc(`${PW.trim()}\n`)],
    ['draft.eml', enc(`From: ${EMAIL}\r\nTo: ${EMAIL}\r\nSubject: secrets\r\n\r\nhello\r\n`)],
  ])
  // A message signed by and encrypted to alice, sealed with the password from the environment.
  const io = new MemIo(files.get('draft.eml'), { ALICE_PW: PW })
  expect(await main(['seal', '--pfx', 'alice.pfx', '--password-env', 'ALICE_PW', '--sign', '--encrypt'], io)).toBe(0)
  files.set('sealed.eml', Buffer.concat(io.out))
}, 120_000)
afterAll(() => work?.dispose())

/** Each working way of giving alice's password: [options, stdin, environment]. */
const FORMS: [string[], string | undefined, Record<string, string>][] = [
  [['--password', PW], undefined, {}],
  [['--password-file', 'pw-lf.txt'], undefined, {}],
  [['--password-file', 'pw-crlf.txt'], undefined, {}],
  [['--password-file', 'pw-raw.txt'], undefined, {}],
  [['--password-env', 'ALICE_PW'], undefined, { ALICE_PW: PW }],
  [['--password-env=ALICE_PW'], undefined, { ALICE_PW: PW }],
  [['--password', '-'], `${PW}\nthe rest of stdin is ignored\n`, {}],
  [['--password-file', '-'], `${PW}\r\n`, {}],
]

function memIo(stdin: string | undefined, vars: Record<string, string>): MemIo {
  return new MemIo(stdin === undefined ? new Uint8Array(0) : enc(stdin), vars)
}

describe('cachet-smime pfx-info: every password form', () => {
  it.each(FORMS)('pfx-info alice.pfx %j → 0 with the identity', async (opts, stdin, vars) => {
    const io = memIo(stdin, vars)
    expect(await main(['pfx-info', 'alice.pfx', ...opts], io)).toBe(0)
    expect(JSON.parse(io.text())).toMatchObject({ email: EMAIL, errors: [] })
    expect(io.err).toBe('')
  })

  it('only ONE trailing newline comes off, and no other whitespace: else the password is wrong (2)', async () => {
    for (const f of ['pw-two-lf.txt', 'pw-trimmed.txt']) {
      const io = new MemIo()
      expect(await main(['pfx-info', 'alice.pfx', '--password-file', f], io)).toBe(2)
      expect(JSON.parse(io.text()).errors[0].code).toBe('wrong-password')
    }
  })

  it('a missing password file or an unset variable → 2, naming it, with the usage', async () => {
    const missing = new MemIo()
    expect(await main(['pfx-info', 'alice.pfx', '--password-file', 'no-such.pw'], missing)).toBe(2)
    expect(missing.err).toMatch(/Cannot read the password file no-such\.pw/)
    expect(missing.err).toMatch(/Usage: cachet-smime pfx-info FILE \[PASSWORD\]/)
    expect(missing.err).toMatch(/--password-env NAME/)
    expect(missing.text()).toBe('')
    const unset = new MemIo()
    expect(await main(['pfx-info', 'alice.pfx', '--password-env', 'CACHET_UNSET_PW'], unset)).toBe(2)
    expect(unset.err).toMatch(/CACHET_UNSET_PW/)
    expect(unset.err).toMatch(/not set/)
  })

  it('two password options → 2', async () => {
    const io = new MemIo(new Uint8Array(0), { ALICE_PW: PW })
    expect(await main(['pfx-info', 'alice.pfx', '--password', PW, '--password-env', 'ALICE_PW'], io)).toBe(2)
    expect(io.err).toMatch(/one password option, not 2/)
  })

  it('without a password option the hint names the ways to give one', async () => {
    const io = new MemIo()
    expect(await main(['pfx-info', 'alice.pfx'], io)).toBe(2)
    expect(JSON.parse(io.text()).errors[0]).toMatchObject({ code: 'wrong-password' })
    expect(io.err).toMatch(/--password-file FILE, --password-env NAME or --password PW/)
  })
})

describe('cachet-smime inspect: every password form', () => {
  it.each(FORMS)('inspect sealed.eml --pfx alice.pfx %j → 0, decrypted and valid', async (opts, stdin, vars) => {
    const io = memIo(stdin, vars)
    const code = await main(['inspect', 'sealed.eml', '--pfx', 'alice.pfx', ...opts, '--trust', 'root.pem'], io)
    const report = JSON.parse(io.text()) as SecurityReport
    expect(report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
    expect(code).toBe(0)
  })

  it('several --pfx, each with its own form', async () => {
    const io = new MemIo(enc(`${PW}\n`), { ALICE_PW: PW })
    const argv = ['inspect', 'sealed.eml', '--pfx', 'alice.pfx', '--password-file', 'pw-lf.txt', '--pfx', 'alice.pfx', '--password-env', 'ALICE_PW', '--pfx', 'alice.pfx', '--password', '-', '--trust', 'root.pem']
    expect(await main(argv, io)).toBe(0)
  })

  it('a wrong password from a file is still a wrong password (2)', async () => {
    const io = new MemIo()
    expect(await main(['inspect', 'sealed.eml', '--pfx', 'alice.pfx', '--password-file', 'pw-trimmed.txt'], io)).toBe(2)
    expect(io.err).toMatch(/wrong-password/)
  })

  it('missing file, unset variable, two passwords for one --pfx, two from stdin → 2 with the usage', async () => {
    const cases: [string[], RegExp][] = [
      [['--pfx', 'alice.pfx', '--password-file', 'no-such.pw'], /Cannot read the password file no-such\.pw/],
      [['--pfx', 'alice.pfx', '--password-env', 'CACHET_UNSET_PW'], /CACHET_UNSET_PW \(--password-env\) is not set/],
      [['--pfx', 'alice.pfx', '--password-file', 'pw-lf.txt', '--password-env', 'ALICE_PW'], /--pfx alice\.pfx has two password options/],
      [['--pfx', 'alice.pfx', '--password', PW, '--password', PW], /--pfx alice\.pfx has two password options/],
      [['--pfx', 'alice.pfx', '--password', '-', '--pfx', 'alice.pfx', '--password-file', '-'], /Only one password can be read from standard input/],
      [['--pfx', 'alice.pfx'], /--pfx alice\.pfx needs a password/],
    ]
    for (const [opts, message] of cases) {
      const io = new MemIo(enc(`${PW}\n`), { ALICE_PW: PW })
      expect(await main(['inspect', 'sealed.eml', ...opts], io), opts.join(' ')).toBe(2)
      expect(io.err).toMatch(message)
      expect(io.err).toMatch(/Usage: cachet-smime inspect MESSAGE\.eml \[--pfx FILE PASSWORD\]/)
      expect(io.err).toMatch(/visible|can see it in `ps`/)
      expect(io.text()).toBe('')
    }
  })
})

describe('cachet-smime seal: passwords', () => {
  it('--password-file and the old --password PW both work', async () => {
    for (const opts of [['--password-file', 'pw-crlf.txt'], ['--password', PW]]) {
      const io = new MemIo(files.get('draft.eml'))
      expect(await main(['seal', '--pfx', 'alice.pfx', ...opts, '--sign'], io)).toBe(0)
      expect(io.text()).toMatch(/application\/(x-)?pkcs7-signature/)
    }
  })

  it('--password - and --password-file - → 2: standard input is the draft, and it is left unread', async () => {
    for (const opt of ['--password', '--password-file']) {
      const io = new MemIo(files.get('draft.eml'))
      expect(await main(['seal', '--pfx', 'alice.pfx', opt, '-', '--sign'], io)).toBe(2)
      expect(io.err).toMatch(new RegExp(`${opt} - cannot be used here: seal reads the draft from standard input`))
      expect(io.stdinReads).toBe(0)
      expect(io.text()).toBe('')
    }
  })

  it('two password options, a missing file or an unset variable → 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--password', PW, '--password-env', 'ALICE_PW'], /two password options/],
      [['--password-file', 'no-such.pw'], /no-such\.pw/],
      [['--password-env', 'CACHET_UNSET_PW'], /CACHET_UNSET_PW/],
    ]
    for (const [opts, message] of cases) {
      const io = new MemIo(files.get('draft.eml'), { ALICE_PW: PW })
      expect(await main(['seal', '--pfx', 'alice.pfx', ...opts, '--sign'], io)).toBe(2)
      expect(io.err).toMatch(message)
    }
  })
})
