/**
 * LDAP search filters from untrusted values (RFC 4515). A value goes into a filter only
 * through escapeFilterValue, so an address like `x*)(mail=*` stays one equality match
 * for that literal text instead of becoming a wildcard or a second clause.
 */

/**
 * RFC 4515 §3: in an assertion value, `*`, `(`, `)`, `\` and NUL must be written as `\`
 * and two hex digits. Everything outside printable ASCII is escaped too, byte by byte of
 * its UTF-8 encoding (the filter is then plain ASCII whatever the input).
 */
export function escapeFilterValue(value: string): string {
  let out = ''
  for (const byte of Buffer.from(value, 'utf8')) {
    const safe = byte >= 0x20 && byte < 0x7f && byte !== 0x2a && byte !== 0x28 && byte !== 0x29 && byte !== 0x5c
    out += safe ? String.fromCharCode(byte) : `\\${byte.toString(16).padStart(2, '0')}`
  }
  return out
}

/** `(attr=v)` for one value, `(|(attr=v1)(attr=v2)…)` for several; every value escaped. */
export function equalityFilter(attribute: string, values: readonly string[]): string {
  if (!/^[A-Za-z][A-Za-z0-9-]*(;[A-Za-z0-9-]+)*$/.test(attribute)) throw new Error(`not an attribute description: ${attribute}`)
  if (values.length === 0) throw new Error('an equality filter needs at least one value')
  const terms = values.map((v) => `(${attribute}=${escapeFilterValue(v)})`)
  return terms.length === 1 ? terms[0]! : `(|${terms.join('')})`
}
