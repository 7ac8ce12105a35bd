/**
 * The bridge's own DER reader (it must not import the engine's ASN.1 library: a pipe for
 * bytes). What it reads agrees with OpenSSL on real requests and CRLs (the enrolment and
 * CRL relay tests); here, hostile encodings are each a Malformed, never another error.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { Malformed, childrenOf, oid, parseExact, sequence, smallInteger, text } from '../../../src/bridge/der/reader'

const hex = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex')

describe('bridge DER reader', () => {
  it('reads what OpenSSL writes: a request\'s subject names', () => {
    const der = execFileSync('sh', ['-c', "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj '/CN=Zoë Test/emailAddress=zoe@example.com' -utf8 -outform DER 2>/dev/null"])
    const [info] = sequence(parseExact(der), 'request')
    const [version, subject] = sequence(info, 'info')
    expect(smallInteger(version, 'version')).toBe(0)
    const atvs = sequence(subject, 'subject').map((rdn) => sequence(childrenOf(rdn, 'rdn')[0], 'atv'))
    expect(atvs.map(([t, v]) => [oid(t, 't'), text(v, 'v')])).toEqual([
      ['2.5.4.3', 'Zoë Test'],
      ['1.2.840.113549.1.9.1', 'zoe@example.com'],
    ])
  })

  it('refuses hostile encodings with Malformed', () => {
    const cases: [string, string][] = [
      ['', 'empty'],
      ['30', 'no length'],
      ['3005 0201', 'length past the end'],
      ['3080 0000', 'indefinite length'],
      ['3081 03 020100', 'long form for a short length'],
      ['3082 0003 020100', 'leading zero in the length'],
      ['3085 0102030405', 'five length octets'],
      ['1f ffffffff7f 00', 'tag number too large'],
      ['3003 020100 00', 'bytes after the element'],
      ['0600', 'empty OID'],
      ['0602 2a86', 'OID ending inside an arc'],
      ['3003 0c01ff', 'UTF8String that is not UTF-8'],
    ]
    for (const [h, what] of cases) {
      expect(() => {
        const n = parseExact(hex(h))
        if (n.constructed) for (const c of childrenOf(n, what)) if (c.tag === 12) text(c, what)
        if (n.tag === 6) oid(n, what)
      }, what).toThrow(Malformed)
    }
  })
})
