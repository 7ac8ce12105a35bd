import { describe, expect, it } from 'vitest'
import { addressesIn, defaultEncrypt, defaultSign, encryptFor, looksEncrypted } from '../../../../src/web/mail/outgoing'

const enc = (s: string) => new TextEncoder().encode(s)

describe('mail/outgoing', () => {
  it('collects unique lower-cased addresses from To, Cc and Bcc', () => {
    expect(addressesIn(['Bob <Bob@Example.com>, carol@example.com', '', 'bob@example.com; "D, E" <d@example.com>'])).toEqual([
      'bob@example.com',
      'carol@example.com',
      'd@example.com',
    ])
  })
  it('the sender is not listed as a recipient certificate to find (always encrypted for anyway)', () => {
    expect(encryptFor(['alice@example.com', 'bob@example.com'], 'Alice@example.com')).toEqual(['bob@example.com'])
  })
  it('Sign defaults on only with "sign all" and an identity', () => {
    expect(defaultSign({ signAll: true, encryptWhenPossible: false, hasIdentity: true })).toBe(true)
    expect(defaultSign({ signAll: true, encryptWhenPossible: false, hasIdentity: false })).toBe(false)
  })
  it('Encrypt defaults on only when every recipient has a certificate', () => {
    const d = { signAll: false, encryptWhenPossible: true, hasIdentity: true }
    expect(defaultEncrypt(d, ['a@x', 'b@x'], { 'a@x': true, 'b@x': true })).toBe(true)
    expect(defaultEncrypt(d, ['a@x', 'b@x'], { 'a@x': true, 'b@x': false })).toBe(false)
    expect(defaultEncrypt(d, [], {})).toBe(false)
    expect(defaultEncrypt({ ...d, encryptWhenPossible: false }, ['a@x'], { 'a@x': true })).toBe(false)
  })
  it('recognises an encrypted root, not a signed-data one', () => {
    expect(looksEncrypted(enc('Subject: x\r\nContent-Type: application/pkcs7-mime;\r\n smime-type=enveloped-data\r\n\r\nMII'))).toBe(true)
    expect(looksEncrypted(enc('Content-Type: application/pkcs7-mime; smime-type=signed-data\r\n\r\nMII'))).toBe(false)
    expect(looksEncrypted(enc('Content-Type: text/plain\r\n\r\napplication/pkcs7-mime'))).toBe(false)
  })
})
