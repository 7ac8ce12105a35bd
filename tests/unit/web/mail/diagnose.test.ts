import { describe, expect, it } from 'vitest'
import { diagnoseMime } from '../../../../src/web/mail/diagnose'

const bytes = (lines: string[]) => new TextEncoder().encode(lines.join('\r\n') + '\r\n')
const codes = (lines: string[]) => diagnoseMime(bytes(lines)).map((p) => p.code)

describe('mail/diagnose', () => {
  it('finds nothing wrong in a sound multipart message', () => {
    expect(codes(['Subject: ok', 'Content-Type: multipart/mixed; boundary=b1', '', '--b1', 'Content-Type: text/plain', '', 'hi', '--b1--'])).toEqual([])
  })

  it('reports a multipart without a boundary parameter', () => {
    expect(codes(['Content-Type: multipart/alternative', '', 'text'])).toEqual(['no-boundary'])
  })

  it('reports a declared boundary that never appears', () => {
    expect(codes(['Content-Type: multipart/mixed; boundary="x"', '', '--y', '', 'text', '--y--'])).toEqual(['boundary-missing'])
  })

  it('reports a missing close delimiter (truncated message)', () => {
    expect(codes(['Content-Type: multipart/mixed; boundary="x"', '', '--x', '', 'text'])).toEqual(['unterminated'])
  })

  it('checks nested parts and names where the problem is', () => {
    const p = diagnoseMime(
      bytes(['Content-Type: multipart/mixed; boundary=o', '', '--o', 'Content-Type: multipart/alternative; boundary=i', '', '--zz', '--o--']),
    )
    expect(p.map((x) => x.code)).toEqual(['boundary-missing'])
    expect(p[0]!.message).toContain('part 1')
  })

  it('stops at a bounded depth on hostile nesting', () => {
    const lines: string[] = []
    for (let i = 0; i < 40; i++) lines.push(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`)
    const p = diagnoseMime(bytes(lines))
    expect(p.some((x) => x.code === 'too-deep')).toBe(true)
  })

  it('reports a message with no header/body separator', () => {
    expect(diagnoseMime(new TextEncoder().encode('Subject: x')).map((p) => p.code)).toEqual(['no-header-end'])
  })
})

describe('mail/diagnose in the app language (issue 14)', () => {
  it('words a problem in German when German is active; the code stays', async () => {
    const { i18n, loadLocale } = await import('../../../../src/web/i18n')
    await loadLocale('de')
    i18n.global.locale.value = 'de'
    try {
      const p = diagnoseMime(new TextEncoder().encode(['Content-Type: multipart/alternative', '', 'text'].join('\r\n')))
      expect(p.map((x) => x.code)).toEqual(['no-boundary'])
      expect(p[0]!.message).toBe('„Nachricht“ ist als multipart/alternative deklariert, hat aber keinen boundary-Parameter, daher lassen sich die Teile nicht trennen.')
    } finally {
      i18n.global.locale.value = 'en'
    }
  })
})
