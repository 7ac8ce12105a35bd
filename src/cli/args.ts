/**
 * A small, strict argument parser for `cachet-smime`. Strict because the command is a
 * public contract (issues #5, #6): an unknown or incomplete option is a usage error
 * (exit 2), never silently ignored.
 */

export interface OptionSpec {
  /** Takes a value (`--pfx FILE`); otherwise a boolean flag. */
  value: boolean
  /** May be given several times; values are collected in order. */
  repeat?: boolean
}

export interface ParsedArgs {
  positional: string[]
  /** Every value given for an option, in order (flags get 'true'). */
  options: Map<string, string[]>
  /** All options in command-line order, for options that pair up (--pfx and its password, see secrets.ts). */
  sequence: { name: string; value: string }[]
}

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export function parseArgs(argv: readonly string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const positional: string[] = []
  const options = new Map<string, string[]>()
  const sequence: { name: string; value: string }[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--') {
      positional.push(...argv.slice(i + 1))
      break
    }
    if (!a.startsWith('--') || a === '-') {
      positional.push(a)
      continue
    }
    let name = a.slice(2)
    let inline: string | undefined
    const eq = name.indexOf('=')
    if (eq >= 0) {
      inline = name.slice(eq + 1)
      name = name.slice(0, eq)
    }
    const s = spec[name]
    if (!s) throw new UsageError(`Unknown option --${name}.`)
    let value: string
    if (s.value) {
      if (inline !== undefined) value = inline
      else {
        const next = argv[i + 1]
        if (next === undefined) throw new UsageError(`Option --${name} needs a value.`)
        value = next
        i++
      }
    } else {
      if (inline !== undefined) throw new UsageError(`Option --${name} takes no value.`)
      value = 'true'
    }
    const list = options.get(name) ?? []
    if (list.length > 0 && !s.repeat) throw new UsageError(`Option --${name} may be given only once.`)
    list.push(value)
    options.set(name, list)
    sequence.push({ name, value })
  }
  return { positional, options, sequence }
}

export function one(p: ParsedArgs, name: string): string | undefined {
  return p.options.get(name)?.[0]
}

export function all(p: ParsedArgs, name: string): string[] {
  return p.options.get(name) ?? []
}

export function flag(p: ParsedArgs, name: string): boolean {
  return p.options.has(name)
}
