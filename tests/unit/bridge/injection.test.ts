import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressList, readHeaders } from '../../../src/bridge/mime-headers'
import { rawMessage, signIn, startHarness, type Client, type Harness } from './harness'

let h: Harness
let alice: Client
beforeAll(async () => {
  h = await startHarness()
  alice = await signIn(h.app, 'alice@example.com')
})
afterAll(async () => h?.stop())

const expectBadRequest = (res: { statusCode: number; json(): unknown }) => {
  expect(res.statusCode).toBe(400)
  expect(res.json()).toMatchObject({ code: 'bad_request' })
}

describe('CRLF / command injection is refused by the schemas', () => {
  it('in folder names (list, create, move, append)', async () => {
    const evil = 'INBOX\r\nA1 DELETE INBOX'
    expectBadRequest(await alice.get(`/api/messages?mailbox=${encodeURIComponent(evil)}`))
    expectBadRequest(await alice.post('/api/mailboxes', { path: 'x\r\ny' }))
    expectBadRequest(await alice.post('/api/mailboxes', { path: 'x\u0000y' }))
    expectBadRequest(await alice.post('/api/mailboxes', { path: 'wild*' }))
    expectBadRequest(await alice.post('/api/messages/move', { mailbox: 'INBOX', uids: [1], destination: 'Trash\r\nA2 LOGOUT' }))
    expectBadRequest(await alice.raw(`/api/messages/append?mailbox=${encodeURIComponent('Drafts\nX')}`, rawMessage({ from: 'a@example.com', to: 'b@example.com', subject: 's' })))
    // the folder list is unchanged
    const names = (await alice.get('/api/mailboxes')).json().mailboxes.map((m: { path: string }) => m.path)
    expect(names).toEqual(['INBOX', 'Drafts', 'Sent', 'Junk', 'Trash'])
  })

  it('in search terms', async () => {
    expectBadRequest(await alice.get(`/api/search?mailbox=INBOX&q=${encodeURIComponent('x"\r\nA1 LOGOUT')}`))
    expectBadRequest(await alice.get('/api/search?mailbox=INBOX&q=x&field=header'))
    expectBadRequest(await alice.get('/api/search?mailbox=INBOX&q='))
  })

  it('in envelope addresses and flags', async () => {
    const msg = rawMessage({ from: 'alice@example.com', to: 'bob@example.com', subject: 's' })
    expectBadRequest(await alice.raw(`/api/send?envelopeTo=${encodeURIComponent('bob@example.com>\r\nRCPT TO:<x@evil.test')}`, msg))
    expectBadRequest(await alice.raw(`/api/send?envelopeTo=${encodeURIComponent('bob@example.com, carol@example.com')}`, msg))
    expectBadRequest(await alice.raw(`/api/send?envelopeFrom=${encodeURIComponent('alice@example.com\r\nDATA')}`, msg))
    expectBadRequest(await alice.post('/api/messages/flags', { mailbox: 'INBOX', uids: [1], add: ['\\Seen)\r\nA1 EXPUNGE'] }))
    expectBadRequest(await alice.post('/api/messages/flags', { mailbox: 'INBOX', uids: [0], add: ['\\Seen'] }))
  })

  it('refuses header recipients that are not plain addresses', async () => {
    const msg = rawMessage({ from: 'alice@example.com', to: '"x" <bob@example.com\u0001>', subject: 's' })
    expectBadRequest(await alice.raw('/api/send', msg))
  })

  it('refuses sign-in fields with control characters or no @', async () => {
    expectBadRequest(await h.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'alice@example.com\r\nA1 LOGOUT', password: 'demo' } }))
    expectBadRequest(await h.app.inject({ method: 'POST', url: '/api/session', payload: { email: 'alice', password: 'demo' } }))
  })

  it('refuses raw routes without a raw body', async () => {
    const res = await alice.post('/api/send', { not: 'raw' })
    expect(res.statusCode).toBe(400)
  })
})

describe('header reading for the envelope', () => {
  it('reads folded headers up to the first empty line only', () => {
    const f = readHeaders(Buffer.from('To: a@example.com,\r\n  b@example.com\r\nSubject: x\r\n\r\nTo: c@evil.test\r\n'))
    expect(f.filter((x) => x.name === 'to').map((x) => x.value)).toEqual(['a@example.com, b@example.com'])
  })

  it('extracts addr-specs from names with commas, comments and groups', () => {
    expect(addressList('"Doe, John" <john@example.com>, (boss) jane@example.com, Team: a@example.com, b@example.com;')).toEqual([
      'john@example.com',
      'jane@example.com',
      'a@example.com',
      'b@example.com',
    ])
    expect(addressList('undisclosed-recipients:;')).toEqual([])
  })
})
