/** Dates, sizes and numbers through Intl in the app's language (issue 14); English as before. */
import { describe, expect, it } from 'vitest'
import { formatFullDate, formatListDate, formatNumber, formatSize } from '../../../src/web/format'

describe('format', () => {
  it('writes sizes as before in English and with a decimal comma in German and Dutch', () => {
    expect(formatSize(512, 'en-US')).toBe('512 B')
    expect(formatSize(1000, 'en-US')).toBe('1000 B')
    expect(formatSize(1536, 'en-US')).toBe('1.5 KB')
    expect(formatSize(1024, 'en-US')).toBe('1.0 KB')
    expect(formatSize(20 * 1024 * 1024, 'en-US')).toBe('20 MB')
    expect(formatSize(1536, 'de-DE')).toBe('1,5 KB')
    expect(formatSize(1536, 'nl-NL')).toBe('1,5 KB')
  })

  it('writes counts with the language’s grouping', () => {
    expect(formatNumber(1234, 'en-US')).toBe('1,234')
    expect(formatNumber(1234, 'de-DE')).toBe('1.234')
  })

  it('writes dates in the language', () => {
    const now = new Date('2026-11-23T12:00:00Z')
    expect(formatListDate('2026-03-04T10:00:00Z', now, 'en-US')).toBe('Mar 4')
    expect(formatListDate('2026-03-04T10:00:00Z', now, 'de-DE')).toBe('4. März')
    const d = new Date('2026-11-23T05:01:00Z')
    expect(formatFullDate(d, '', 'en-US')).toBe(d.toLocaleString('en-US', { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }))
    expect(formatFullDate(d, '', 'de-DE')).toContain('2026')
    expect(formatFullDate(d, '', 'de-DE')).toContain('Nov')
  })
})
