import type { ListResponse } from 'imapflow'
import { describe, expect, it } from 'vitest'
import { Mailbox } from '../../../src/contract/mailboxes'
import { toMailbox } from '../../../src/bridge/imap/mailboxes'

const entry = (extra: Partial<ListResponse>): ListResponse =>
  ({ path: 'Big', name: 'Big', delimiter: '/', flags: new Set<string>(), specialUse: '', listed: true, parentPath: '', parent: [], status: { path: 'Big', messages: 3, unseen: 1 }, ...extra }) as unknown as ListResponse

describe('toMailbox', () => {
  it('says false for a folder imapflow lists without a subscribed flag (made by doveadm or another client), so the app accepts the list', () => {
    const m = toMailbox(entry({}))
    expect(m.subscribed).toBe(false)
    expect(Mailbox.safeParse(m).success).toBe(true)
  })

  it('says true for a subscribed folder', () => {
    expect(toMailbox(entry({ subscribed: true })).subscribed).toBe(true)
  })
})
