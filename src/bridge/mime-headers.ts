/**
 * Just enough RFC 5322 header reading to build an SMTP envelope from a raw message:
 * the header block (up to the first empty line), unfolding (§2.2.3), and the addr-specs
 * of address lists (§3.4) including quoted names with commas, comments and groups.
 * The body is never looked at.
 */

const MAX_HEADER_BYTES = 256 * 1024

/** Header fields of a raw message, names lower-cased, values unfolded. */
export function readHeaders(raw: Uint8Array): { name: string; value: string }[] {
  const limit = Math.min(raw.length, MAX_HEADER_BYTES)
  let end = limit
  for (let i = 0; i < limit; i++) {
    if (raw[i] === 0x0a && (raw[i + 1] === 0x0a || (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a))) {
      end = i
      break
    }
  }
  const text = Buffer.from(raw.subarray(0, end)).toString('latin1')
  const fields: { name: string; value: string }[] = []
  for (const line of text.split('\n').map((l) => l.replace(/\r$/, ''))) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1]!.value += ' ' + line.trim()
    else {
      const m = /^([!-9;-~]+):(.*)$/.exec(line)
      if (m) fields.push({ name: m[1]!.toLowerCase(), value: m[2]!.trim() })
    }
  }
  return fields
}

export function headerValues(fields: { name: string; value: string }[], name: string): string[] {
  return fields.filter((f) => f.name === name).map((f) => f.value)
}

/** The addr-specs of an RFC 5322 address-list: `"Doe, J" <j@x>, (c) k@y, team: a@b;`. */
export function addressList(value: string): string[] {
  const out: string[] = []
  let cur = ''
  let quoted = false
  let comment = 0
  let angle = false
  const flush = () => {
    const angled = /<([^<>]*)>/.exec(cur)
    const addr = (angled ? angled[1]! : cur).trim()
    if (addr) out.push(addr)
    cur = ''
  }
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    if (quoted) {
      if (ch === '\\') i++
      else if (ch === '"') quoted = false
      continue // display names are not addresses
    }
    if (comment > 0) {
      if (ch === '\\') i++
      else if (ch === '(') comment++
      else if (ch === ')') comment--
      continue
    }
    if (ch === '"' && !angle) quoted = true
    else if (ch === '(' && !angle) comment = 1
    else if (ch === '<' || ch === '>') {
      angle = ch === '<'
      cur += ch
    }
    else if ((ch === ',' || ch === ';') && !angle) flush()
    else if (ch === ':' && !angle) cur = '' // group name: `team: a@b, c@d;`
    else cur += ch
  }
  flush()
  return out
}
