import { describe, expect, it } from 'vitest'
import { serverClaims } from '../../../../src/web/mail/claims'

const bytes = (s: string) => new TextEncoder().encode(s)

describe('X-MailID-Info-* server claims', () => {
  it('reads the top-level fields only, unfolded and decoded, in order', () => {
    const raw = bytes(
      [
        'From: pat@partner.example',
        'X-MailID-Info-Signature: verified by',
        '  gateway.partner.example',
        'Subject: x',
        'x-mailid-info: =?UTF-8?Q?d=C3=A9crypt=C3=A9?=',
        'X-MailID-Information: not ours',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'X-MailID-Info-Inner: inside the body, not a header of this message',
        '',
        'text',
        '--b--',
      ].join('\r\n'),
    )
    expect(serverClaims(raw)).toEqual([
      { name: 'X-MailID-Info-Signature', value: 'verified by gateway.partner.example' },
      { name: 'x-mailid-info', value: 'décrypté' },
    ])
  })

  it('caps how many and how long', () => {
    const many = Array.from({ length: 60 }, (_, i) => `X-MailID-Info-${i}: ${'y'.repeat(i === 0 ? 900 : 3)}`)
    const claims = serverClaims(bytes([...many, '', 'body'].join('\n')))
    expect(claims.length).toBe(40)
    expect(claims[0]!.value.length).toBe(501)
    expect(serverClaims(null)).toEqual([])
  })
})
