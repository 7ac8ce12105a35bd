/**
 * Structural checks on raw RFC 5322 / MIME bytes, independent of the display parser.
 *
 * postal-mime is forgiving: it renders what it can from a message whose multipart
 * boundaries are missing or truncated and says nothing. A person reading such a message
 * deserves to know that what they see may be incomplete, and to reach the raw source.
 * These checks find the common breakages (RFC 2046 §5.1.1: a boundary parameter is
 * required, every body part starts with a delimiter line, the last one is followed by a
 * close delimiter) and describe them in words. Bounded: depth and part count are capped,
 * so hostile nesting costs nothing.
 */
import { latin1 } from '../../core/util/bytes'
import { t } from '../i18n'

export interface MimeProblem {
  /** Stable code for tests and styling. */
  code: 'no-header-end' | 'bad-header' | 'no-boundary' | 'boundary-missing' | 'unterminated' | 'too-deep' | 'parse-failed' | 'too-large'
  /** What is wrong, in words, and where. */
  message: string
}

const MAX_DEPTH = 12
const MAX_PARTS = 500
const MAX_SCAN = 32 * 1024 * 1024

interface Entity {
  headers: Map<string, string>
  body: string
  headerOk: boolean
  badHeaderLine: string | null
}

function splitEntity(s: string): Entity {
  const m = /\r?\n\r?\n/.exec(s)
  const head = m ? s.slice(0, m.index) : s
  const body = m ? s.slice(m.index + m[0].length) : ''
  const headers = new Map<string, string>()
  let badHeaderLine: string | null = null
  let last: string | null = null
  for (const line of head.split(/\r?\n/)) {
    if (line === '') continue
    if (/^[ \t]/.test(line) && last) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`)
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon).trim()) || line.slice(0, colon) !== line.slice(0, colon).trimEnd()) {
      if (!line.startsWith('From ') && badHeaderLine === null) badHeaderLine = line.slice(0, 80)
      last = null
      continue
    }
    last = line.slice(0, colon).toLowerCase()
    if (!headers.has(last)) headers.set(last, line.slice(colon + 1).trim())
  }
  return { headers, body, headerOk: m !== null, badHeaderLine }
}

function contentType(value: string | undefined): { type: string; boundary: string | null } {
  if (!value) return { type: 'text/plain', boundary: null }
  const type = (value.split(';')[0] ?? '').trim().toLowerCase()
  const b = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(value)
  return { type, boundary: b ? (b[1] ?? b[2] ?? null) : null }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Problems found in the MIME structure of `raw`; empty when the structure is sound. */
export function diagnoseMime(raw: Uint8Array): MimeProblem[] {
  const problems: MimeProblem[] = []
  const text = latin1(raw, 0, Math.min(raw.length, MAX_SCAN))
  let parts = 0

  const walk = (s: string, path: number[]) => {
    const depth = path.length
    const where = depth === 0 ? t('diagnose.message') : t('diagnose.part', { n: path.join('.') })
    if (depth > MAX_DEPTH) {
      problems.push({ code: 'too-deep', message: t('diagnose.tooDeep', { max: MAX_DEPTH, where }) })
      return
    }
    const e = splitEntity(s)
    if (depth === 0 && !e.headerOk) {
      problems.push({ code: 'no-header-end', message: t('diagnose.noHeaderEnd') })
    }
    if (depth === 0 && e.badHeaderLine !== null) {
      problems.push({ code: 'bad-header', message: t('diagnose.badHeader', { line: e.badHeaderLine }) })
    }
    const ct = contentType(e.headers.get('content-type'))
    if (!ct.type.startsWith('multipart/')) return
    if (!ct.boundary) {
      problems.push({ code: 'no-boundary', message: t('diagnose.noBoundary', { where, type: ct.type }) })
      return
    }
    const delim = new RegExp(`(?:^|\\r?\\n)--${escapeRe(ct.boundary)}(--)?[ \\t]*(?=\\r?\\n|$)`, 'g')
    const marks: { start: number; end: number; close: boolean }[] = []
    for (let m = delim.exec(e.body); m; m = delim.exec(e.body)) {
      marks.push({ start: m.index, end: m.index + m[0].length, close: m[1] === '--' })
      if (m[1] === '--') break
      if (marks.length > MAX_PARTS) break
    }
    const opens = marks.filter((m) => !m.close)
    if (opens.length === 0) {
      problems.push({ code: 'boundary-missing', message: t('diagnose.boundaryMissing', { where, type: ct.type, boundary: ct.boundary.slice(0, 70) }) })
      return
    }
    if (!marks.some((m) => m.close)) {
      problems.push({ code: 'unterminated', message: t('diagnose.unterminated', { where, type: ct.type }) })
    }
    for (let i = 0; i < opens.length; i++) {
      if (++parts > MAX_PARTS) return
      const from = opens[i]!.end
      const to = marks[marks.indexOf(opens[i]!) + 1]?.start ?? e.body.length
      walk(e.body.slice(from, to).replace(/^[ \t]*\r?\n/, ''), [...path, i + 1])
    }
  }
  walk(text, [])
  return problems
}
