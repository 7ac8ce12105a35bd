import { describe, expect, it } from 'vitest'
import { all, flag, one, parseArgs, UsageError } from '../../../src/cli/args'

const SPEC = {
  pfx: { value: true, repeat: true },
  password: { value: true, repeat: true },
  trust: { value: true, repeat: true },
  at: { value: true },
  sign: { value: false },
}

describe('parseArgs', () => {
  it('collects positionals, repeated options in order, flags and --name=value', () => {
    const p = parseArgs(['m.eml', '--trust', 'a.pem', '--sign', '--trust=b.pem', '--at', '2026-01-01'], SPEC)
    expect(p.positional).toEqual(['m.eml'])
    expect(all(p, 'trust')).toEqual(['a.pem', 'b.pem'])
    expect(one(p, 'at')).toBe('2026-01-01')
    expect(flag(p, 'sign')).toBe(true)
    expect(flag(p, 'pfx')).toBe(false)
  })
  it('rejects unknown options, missing values, repeats of single options, values on flags', () => {
    expect(() => parseArgs(['--nope'], SPEC)).toThrow(UsageError)
    expect(() => parseArgs(['--at'], SPEC)).toThrow(/needs a value/)
    expect(() => parseArgs(['--at', '1', '--at', '2'], SPEC)).toThrow(/only once/)
    expect(() => parseArgs(['--sign=yes'], SPEC)).toThrow(/takes no value/)
  })
  it('everything after -- is positional', () => {
    expect(parseArgs(['--', '--sign'], SPEC).positional).toEqual(['--sign'])
  })
})
