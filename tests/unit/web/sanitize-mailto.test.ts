/**
 * mail/mailto.ts: a mailto: link (RFC 6068) may fill in to, cc, subject and body and
 * nothing else ("Mailto: Me Your Secrets", 2020: attach=, hidden bcc=, in-reply-to=).
 */
import { describe, expect, it } from 'vitest'
import { COMPOSE_PATH, LINK_BODY_NOTE, composeFieldsFromQuery, composeHref, parseMailto } from '../../../src/web/mail/mailto'

describe('parseMailto', () => {
  it('keeps to, cc, subject and body and drops every other field', () => {
    expect(parseMailto('mailto:a@example.com?subject=Hi&body=Text&attach=/etc/passwd&attachment=file:///home/u/.ssh/id_rsa&bcc=spy@evil.test&from=boss@example.com&in-reply-to=%3Cid@x%3E&references=%3Cr@x%3E&x-header=1')).toEqual({
      to: 'a@example.com',
      cc: '',
      subject: 'Hi',
      body: 'Text',
    })
  })

  it('joins path addresses with to= fields and several cc= fields (RFC 6068 §2)', () => {
    expect(parseMailto('mailto:a@example.com,b@example.com?to=c@example.com&cc=d@example.com&CC=e@example.com')).toEqual({
      to: 'a@example.com, b@example.com, c@example.com',
      cc: 'd@example.com, e@example.com',
      subject: '',
      body: '',
    })
  })

  it('decodes percent-encoded UTF-8, keeps + as a plus sign, and keeps body line breaks', () => {
    const f = parseMailto('MAILTO:%22Zo%C3%AB%22%20%3Czoe+tag@example.com%3E?subject=caf%C3%A9+1&body=one%0D%0Atwo')!
    expect(f.to).toBe('"Zoë" <zoe+tag@example.com>')
    expect(f.subject).toBe('café+1')
    expect(f.body).toBe('one\ntwo')
  })

  it('takes the first subject and body, case-insensitive names', () => {
    expect(parseMailto('mailto:?SUBJECT=first&subject=second&Body=b1&body=b2')).toMatchObject({ to: '', subject: 'first', body: 'b1' })
  })

  it('cannot inject headers: CR/LF in to, cc and subject become spaces', () => {
    const f = parseMailto('mailto:a@example.com%0D%0ABcc:%20spy@evil.test?subject=Hi%0D%0ABcc:%20spy@evil.test&cc=c@example.com%0ABcc:x@evil.test')!
    expect(f.to).not.toMatch(/[\r\n]/)
    expect(f.subject).toBe('Hi Bcc: spy@evil.test')
    expect(f.cc).not.toMatch(/[\r\n]/)
  })

  it('ignores malformed percent-encoding instead of failing, and bounds the body', () => {
    expect(parseMailto('mailto:a@example.com?subject=%E0%A4%A&body=ok')).toMatchObject({ to: 'a@example.com', subject: '', body: 'ok' })
    expect(parseMailto(`mailto:a@example.com?body=${'x'.repeat(50_000)}`)!.body.length).toBe(20_000)
  })

  it('is null for anything that is not mailto:', () => {
    for (const h of ['https://example.com', 'javascript:alert(1)', 'mailtox:a@b', '']) expect(parseMailto(h)).toBeNull()
  })
})

describe('composeHref', () => {
  it('encodes the four fields into the compose route, empty ones left out', () => {
    const href = composeHref({ to: 'a@example.com', cc: '', subject: 'A & B', body: 'x=1\ny' })
    const u = new URL(href, 'https://app.test')
    expect(u.pathname).toBe(COMPOSE_PATH)
    expect([...u.searchParams.entries()]).toEqual([['to', 'a@example.com'], ['subject', 'A & B'], ['body', 'x=1\ny']])
    expect(composeHref({ to: '', cc: '', subject: '', body: '' })).toBe(COMPOSE_PATH)
  })
})

describe('composeFieldsFromQuery (the /compose route)', () => {
  it('reads only to, cc, subject and body, and marks the body as written by a link', () => {
    const f = composeFieldsFromQuery({ to: 'a@example.com', cc: 'c@example.com', subject: 'S', body: 'Please send the file', attach: '/etc/passwd', bcc: 'spy@evil.test', from: 'x@y' })
    expect(f).toEqual({ to: 'a@example.com', cc: 'c@example.com', subject: 'S', body: `${LINK_BODY_NOTE}\n\nPlease send the file` })
  })

  it('takes the first of repeated values, ignores non-strings, and leaves an empty body empty', () => {
    expect(composeFieldsFromQuery({ to: ['a@example.com', 'b@example.com'], subject: null, body: '  ' })).toEqual({ to: 'a@example.com', cc: '', subject: '', body: '' })
  })

  it('cleans the query like a mailto: link (no CR/LF in subject or addresses)', () => {
    const f = composeFieldsFromQuery({ to: 'a@example.com\r\nBcc: spy@evil.test', subject: 'x\ny' })
    expect(f.to).not.toMatch(/[\r\n]/)
    expect(f.subject).toBe('x y')
  })
})
