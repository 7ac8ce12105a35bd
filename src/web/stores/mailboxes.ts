/** Folders with unread counts, in the order people expect them. */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Mailbox, SpecialUse } from '../../contract'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { t } from '../i18n'
import { useAnnouncerStore } from './announcer'

const ROLE_ORDER: NonNullable<SpecialUse>[] = ['inbox', 'drafts', 'sent', 'trash', 'junk', 'archive', 'flagged', 'all']

const inboxOf = (list: readonly Mailbox[]) => list.find((m) => m.path.toUpperCase() === 'INBOX')

function roleRank(m: Mailbox): number {
  if (m.path.toUpperCase() === 'INBOX') return 0
  const i = m.specialUse ? ROLE_ORDER.indexOf(m.specialUse) : -1
  return i >= 0 ? i : ROLE_ORDER.length
}

export const useMailboxesStore = defineStore('mailboxes', () => {
  const list = ref<Mailbox[]>([])
  const error = ref('')
  const loaded = ref(false)

  /** Inbox, Drafts, Sent, Trash, Junk first, then user folders by path. */
  const ordered = computed(() =>
    [...list.value].sort((a, b) => roleRank(a) - roleRank(b) || a.path.localeCompare(b.path, undefined, { sensitivity: 'base' })),
  )

  function byRole(role: NonNullable<SpecialUse>): Mailbox | undefined {
    if (role === 'inbox') return list.value.find((m) => m.path.toUpperCase() === 'INBOX' || m.specialUse === 'inbox')
    return list.value.find((m) => m.specialUse === role)
  }

  function byPath(path: string): Mailbox | undefined {
    return list.value.find((m) => m.path === path)
  }

  async function refresh() {
    try {
      const before = loaded.value ? inboxOf(list.value) : null
      list.value = (await bridge.listMailboxes()).mailboxes
      const after = inboxOf(list.value)
      // New mail, for screen readers (issue 14): more messages in the Inbox, more of them unread.
      if (before && after && after.total > before.total && after.unread > before.unread) {
        const n = after.unread - before.unread
        useAnnouncerStore().say(t('announce.newMail', { n }, n))
      }
      error.value = ''
      loaded.value = true
    } catch (e) {
      error.value = errorText(e)
    }
  }

  /** Adjust an unread count locally (after marking read/unread) before the next refresh. */
  function adjustUnread(path: string, delta: number) {
    const m = byPath(path)
    if (m) m.unread = Math.max(0, m.unread + delta)
  }

  return { list, ordered, error, loaded, byRole, byPath, refresh, adjustUnread }
})
