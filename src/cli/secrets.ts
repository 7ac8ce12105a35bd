/**
 * Where the command's passwords come from (issue 11, "CLI secrets"). `--password PW`
 * puts the secret in the process's arguments, which other users of the machine can read
 * in `ps` (and which the shell keeps in its history), so every place that accepts it
 * also accepts:
 *
 * - `--password-file FILE`: the file's content, less ONE trailing newline (\n or \r\n),
 *   like OpenSSL's `file:`; any other whitespace is part of the password;
 * - `--password-env NAME`: the value of the environment variable NAME;
 * - `--password -` or `--password-file -`: the first line of standard input (like
 *   OpenSSL's `stdin`), refused where standard input is already the command's input
 *   (`seal`) and when more than one password asks for it.
 *
 * Each `--pfx FILE` takes exactly one of these. Resolving reads only through the small
 * SecretIo below (the command's Io), so tests need no real environment, files or stdin.
 * Every problem here is a usage error (exit 2) that names the file or variable.
 */
import { UsageError, type OptionSpec, type ParsedArgs } from './args'

/** The option names that give a password, as parseArgs spells them (no leading --). */
export const PASSWORD_OPTIONS = ['password', 'password-file', 'password-env'] as const
export type PasswordOption = (typeof PASSWORD_OPTIONS)[number]

/** Parser specs for the three password options (repeatable where --pfx is). */
export function passwordSpecs(repeat: boolean): Record<PasswordOption, OptionSpec> {
  return {
    password: { value: true, repeat },
    'password-file': { value: true, repeat },
    'password-env': { value: true, repeat },
  }
}

export type PasswordSource =
  | { kind: 'literal'; password: string }
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  /** `option` is how the user asked for it, for messages: "--password -". */
  | { kind: 'stdin'; option: string }

/** What resolving needs from the outside world; the command's Io provides it. */
export interface SecretIo {
  readFile(path: string): Promise<Uint8Array>
  /** All of standard input; absent where there is none (then `-` is a usage error). */
  readStdin?(): Promise<Uint8Array>
  /** An environment variable's value, undefined when unset; absent means none is set. */
  env?(name: string): string | undefined
}

function isPasswordOption(name: string): name is PasswordOption {
  return (PASSWORD_OPTIONS as readonly string[]).includes(name)
}

/** One password option's value as a source. `-` means standard input. */
export function passwordSource(option: PasswordOption, value: string): PasswordSource {
  switch (option) {
    case 'password':
      return value === '-' ? { kind: 'stdin', option: '--password -' } : { kind: 'literal', password: value }
    case 'password-file':
      if (value === '') throw new UsageError('--password-file needs a file name (or - for standard input).')
      return value === '-' ? { kind: 'stdin', option: '--password-file -' } : { kind: 'file', path: value }
    case 'password-env':
      if (value === '') throw new UsageError('--password-env needs the name of an environment variable.')
      return { kind: 'env', name: value }
  }
}

const NEEDS = '--password-file FILE, --password-env NAME or --password PW'

/**
 * `--pfx FILE` and its password: each --pfx must be followed (before the next --pfx) by
 * exactly one password option, of any form. An empty password is allowed
 * (`--password ""`, an empty file, an empty variable).
 */
export function pfxPasswordSources(p: ParsedArgs): { file: string; source: PasswordSource }[] {
  const out: { file: string; option: string | null; source: PasswordSource | null }[] = []
  for (const { name, value } of p.sequence) {
    if (name === 'pfx') out.push({ file: value, option: null, source: null })
    else if (isPasswordOption(name)) {
      const last = out[out.length - 1]
      if (!last) throw new UsageError(`--${name} must follow a --pfx FILE.`)
      if (last.option !== null) throw new UsageError(`--pfx ${last.file} has two password options (${last.option} and --${name}); give it exactly one.`)
      last.option = `--${name}`
      last.source = passwordSource(name, value)
    }
  }
  return out.map((x) => {
    if (x.source === null) throw new UsageError(`--pfx ${x.file} needs a password: ${NEEDS} (--password "" for none).`)
    return { file: x.file, source: x.source }
  })
}

/** The one password option of a command without --pfx (pfx-info); null when none is given. */
export function singlePasswordSource(p: ParsedArgs): PasswordSource | null {
  const given = p.sequence.filter((o) => isPasswordOption(o.name))
  if (given.length > 1) throw new UsageError(`Give one password option, not ${given.length} (${given.map((o) => `--${o.name}`).join(', ')}).`)
  const o = given[0]
  return o ? passwordSource(o.name as PasswordOption, o.value) : null
}

/** Removes one trailing "\n" or "\r\n", as OpenSSL does for `file:` and `stdin`. */
export function stripOneNewline(s: string): string {
  if (s.endsWith('\r\n')) return s.slice(0, -2)
  if (s.endsWith('\n')) return s.slice(0, -1)
  return s
}

function decode(bytes: Uint8Array, what: string): string {
  try {
    // Exactly the bytes: a byte order mark, if any, is part of the password too.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new UsageError(`${what} is not UTF-8 text.`)
  }
}

export interface ResolveOptions {
  /**
   * Why standard input cannot give a password here (seal: it is the draft); a `-` is
   * then a usage error saying so. Undefined: one password may come from stdin.
   */
  stdinRefused?: string
}

/** The rules on standard input, checked before anything is read (a usage error if broken). */
export function checkStdinUse(sources: readonly PasswordSource[], opts: ResolveOptions = {}): void {
  const fromStdin = sources.filter((s): s is Extract<PasswordSource, { kind: 'stdin' }> => s.kind === 'stdin')
  if (fromStdin.length > 0 && opts.stdinRefused !== undefined) {
    throw new UsageError(`${fromStdin[0]!.option} cannot be used here: ${opts.stdinRefused} Use --password-file FILE or --password-env NAME.`)
  }
  if (fromStdin.length > 1) {
    throw new UsageError(`Only one password can be read from standard input, but ${fromStdin.length} ask for it (${fromStdin.map((s) => s.option).join(', ')}). Use --password-file FILE or --password-env NAME for the others.`)
  }
}

/**
 * The passwords, in the order of `sources`. Checks the rules on standard input before
 * reading anything, then reads each file, variable or stdin through `io`.
 */
export async function resolvePasswords(sources: readonly PasswordSource[], io: SecretIo, opts: ResolveOptions = {}): Promise<string[]> {
  checkStdinUse(sources, opts)
  const out: string[] = []
  for (const s of sources) {
    switch (s.kind) {
      case 'literal':
        out.push(s.password)
        break
      case 'file': {
        let bytes: Uint8Array
        try {
          bytes = await io.readFile(s.path)
        } catch (e) {
          throw new UsageError(`Cannot read the password file ${s.path} (--password-file): ${e instanceof Error ? e.message : String(e)}`)
        }
        out.push(stripOneNewline(decode(bytes, `The password file ${s.path}`)))
        break
      }
      case 'env': {
        const v = io.env?.(s.name)
        if (v === undefined) throw new UsageError(`The environment variable ${s.name} (--password-env) is not set.`)
        out.push(v)
        break
      }
      case 'stdin': {
        if (!io.readStdin) throw new UsageError(`${s.option}: standard input is not available here.`)
        const bytes = await io.readStdin()
        if (bytes.length === 0) throw new UsageError(`${s.option}: standard input is empty; expected the password on its first line.`)
        const text = decode(bytes, 'Standard input')
        const nl = text.indexOf('\n')
        out.push(nl < 0 ? text : stripOneNewline(text.slice(0, nl + 1)))
        break
      }
    }
  }
  return out
}

/** Every `--pfx FILE` with its password read: what core's readPfx needs. */
export async function resolvePfxPasswords(p: ParsedArgs, io: SecretIo, opts: ResolveOptions = {}): Promise<{ file: string; password: string }[]> {
  const pairs = pfxPasswordSources(p)
  const passwords = await resolvePasswords(pairs.map((x) => x.source), io, opts)
  return pairs.map((x, i) => ({ file: x.file, password: passwords[i]! }))
}

/**
 * What PASSWORD stands for in the commands' usage lines (`--pfx FILE PASSWORD`). main
 * prints it once after all the commands; pfx-info after its own line.
 */
export const PASSWORD_USAGE = `PASSWORD is exactly one of (for each --pfx; pfx-info without one reads a file that has no password):
  --password-file FILE   the file's content, less one trailing newline
  --password-env NAME    the value of the environment variable NAME
  --password -           the first line of standard input (as is --password-file -); for one PASSWORD
                         only, and not for seal, whose standard input is the draft
  --password PW          the password itself. Other users on this machine can see it in \`ps\`, and it
                         stays in shell history: scripts should use --password-file or --password-env.
`
