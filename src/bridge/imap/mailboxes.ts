/** Mailbox listing and special-use lookup (RFC 6154) over one session connection. */
import type { ListResponse } from 'imapflow'
import type { Mailbox, SpecialUse } from '../../contract/index'
import { BridgeError } from '../errors'
import type { ImapSession } from './connection'

const ORDER: SpecialUse[] = ['inbox', 'drafts', 'sent', 'junk', 'trash', 'archive', 'all', 'flagged']

export function specialUseOf(entry: Pick<ListResponse, 'path' | 'specialUse'>): SpecialUse {
  if (entry.path.toUpperCase() === 'INBOX') return 'inbox'
  const su = (entry.specialUse ?? '').replace(/^\\/, '').toLowerCase()
  return (ORDER as string[]).includes(su) ? (su as SpecialUse) : null
}

export function toMailbox(e: ListResponse): Mailbox {
  return {
    path: e.path,
    name: e.path.toUpperCase() === 'INBOX' ? 'Inbox' : e.name,
    delimiter: e.delimiter || null,
    specialUse: specialUseOf(e),
    total: e.status?.messages ?? 0,
    unread: e.status?.unseen ?? 0,
    // imapflow leaves it out (not false) for a folder that is not subscribed, e.g. one made by
    // another client or by doveadm: the contract says boolean, and the app rejects anything else.
    subscribed: e.subscribed === true,
  }
}

export async function listMailboxes(imap: ImapSession): Promise<Mailbox[]> {
  const list = await imap.run(async (c) => {
    // STATUS of the selected mailbox comes from imapflow's cache; NOOP refreshes it first.
    if (c.mailbox) await c.noop()
    return c.list({ statusQuery: { messages: true, unseen: true } })
  })
  const rank = (m: Mailbox) => (m.specialUse ? ORDER.indexOf(m.specialUse) : ORDER.length)
  return list
    .filter((e) => !e.flags.has('\\Noselect') && !e.flags.has('\\NonExistent'))
    .map(toMailbox)
    .sort((a, b) => rank(a) - rank(b) || a.path.localeCompare(b.path))
}

/** Path of the folder with a special use (e.g. 'sent', 'trash'). */
export async function specialFolder(imap: ImapSession, use: 'sent' | 'trash' | 'drafts' | 'junk'): Promise<string> {
  const list = await imap.run((c) => c.list())
  const found = list.find((e) => specialUseOf(e) === use)
  if (!found) throw new BridgeError('not_found', `This account has no ${use} folder (special-use \\${use[0]!.toUpperCase()}${use.slice(1)}).`)
  return found.path
}
