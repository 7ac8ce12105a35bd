import { describe, expect, it } from 'vitest'
import { REWRAPPED_QUOTE_NOTE, forwardBody, forwardSubject, quoteText, replyBody, replyRecipients, replyReferences, replySubject } from '../../../../src/web/mail/quote'
import type { MessageView } from '../../../../src/web/mail/view'

const a = (address: string, name = '') => ({ name, address, display: name ? `${name} <${address}>` : address })
const view = (over: Partial<MessageView> = {}): MessageView => ({
  subject: 'Plans', from: [a('alice@example.com', 'Alice')], to: [a('bob@example.com'), a('carol@example.com')], cc: [a('dave@example.com')],
  replyTo: [], date: null, dateRaw: '', messageId: '<m2@x>', references: ['<m1@x>'], text: 'hi', parts: [], attachments: [], problems: [], unreadable: false,
  ...over,
})

describe('mail/quote', () => {
  it('quotes every line with "> " and nests existing quotes', () => {
    expect(quoteText('a\n> b\n\nc\n')).toBe('> a\n>> b\n>\n> c')
  })
  it('prefixes subjects once', () => {
    expect(replySubject('Plans')).toBe('Re: Plans')
    expect(replySubject('RE: Plans')).toBe('RE: Plans')
    expect(forwardSubject('Fwd: Plans')).toBe('Fwd: Plans')
  })
  it('reply goes to Reply-To or From; reply all adds To and Cc without me', () => {
    expect(replyRecipients(view(), 'bob@example.com', false).to.map((x) => x.address)).toEqual(['alice@example.com'])
    const all = replyRecipients(view(), 'bob@example.com', true)
    expect(all.to.map((x) => x.address)).toEqual(['alice@example.com', 'carol@example.com'])
    expect(all.cc.map((x) => x.address)).toEqual(['dave@example.com'])
    expect(replyRecipients(view({ replyTo: [a('list@example.com')] }), 'bob@example.com', false).to.map((x) => x.address)).toEqual(['list@example.com'])
  })
  it('replying to my own sent message goes to its recipients', () => {
    expect(replyRecipients(view(), 'alice@example.com', false).to.map((x) => x.address)).toEqual(['bob@example.com', 'carol@example.com'])
  })
  it('with a note to say instead, reply and forward quote nothing of the original', () => {
    const v = view({ text: 'SECRET-quoted-back' })
    expect(replyBody(v)).toContain('> SECRET-quoted-back')
    for (const b of [replyBody(v, { omit: REWRAPPED_QUOTE_NOTE }), forwardBody(v, { omit: REWRAPPED_QUOTE_NOTE })]) {
      expect(b).toContain(REWRAPPED_QUOTE_NOTE)
      expect(b).not.toContain('SECRET')
      expect(b).not.toContain('>')
    }
  })
  it('builds References from the parent', () => {
    expect(replyReferences(view())).toEqual(['<m1@x>', '<m2@x>'])
  })
})
