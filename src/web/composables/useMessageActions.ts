/**
 * What the user can do with the open message, shared by the reading pane's buttons and
 * the keyboard shortcuts so both do exactly the same thing.
 */
import { computed, ref } from 'vue'
import { useRouter } from 'vue-router'
import { errorText } from '../api/client'
import { useComposeStore } from '../stores/compose'
import { useMailboxesStore } from '../stores/mailboxes'
import { useMessagesStore } from '../stores/messages'
import { useReaderStore } from '../stores/reader'

/** Last action error, shown in the reading pane's toolbar area. */
const actionError = ref('')

export function useMessageActions() {
  const router = useRouter()
  const reader = useReaderStore()
  const messages = useMessagesStore()
  const mailboxes = useMailboxesStore()
  const compose = useComposeStore()

  /** Seen/flagged of the open message: from the list when it shows it, else the reader's copy. */
  const summary = computed(() => {
    const inList = reader.uid !== null && messages.mailbox === reader.mailbox ? messages.find(reader.uid) : null
    if (inList) return { uid: inList.uid, seen: inList.seen, flagged: inList.flagged }
    return reader.uid !== null && reader.flags ? { uid: reader.uid, ...reader.flags } : null
  })
  const canAct = computed(() => reader.state === 'done' && reader.uid !== null)
  const inDrafts = computed(() => mailboxes.byPath(reader.mailbox)?.specialUse === 'drafts')

  function go(uid: number | null) {
    void router.push(uid === null ? { name: 'mail', params: { mailbox: messages.mailbox } } : { name: 'mail', params: { mailbox: messages.mailbox, uid } })
  }

  async function run(fn: () => Promise<unknown>) {
    actionError.value = ''
    try {
      await fn()
    } catch (e) {
      actionError.value = errorText(e)
    }
  }

  const reply = () => reader.view && compose.fromView(reader.view, 'reply')
  const replyAll = () => reader.view && compose.fromView(reader.view, 'reply-all')
  const forward = () => reader.view && compose.fromView(reader.view, 'forward')

  function editDraft() {
    if (reader.raw && reader.uid !== null) void compose.openDraft(reader.mailbox, reader.uid, reader.raw)
  }

  const remove = () =>
    run(async () => {
      if (reader.uid === null) return
      const next = await messages.remove(reader.uid, null)
      reader.close()
      go(next?.uid ?? null)
    })

  const moveTo = (destination: string) =>
    run(async () => {
      if (reader.uid === null || destination === reader.mailbox) return
      const next = await messages.remove(reader.uid, destination)
      reader.close()
      go(next?.uid ?? null)
    })

  const toggleSeen = () =>
    run(async () => {
      const s = summary.value
      if (!s) return
      await messages.setSeen(s.uid, !s.seen)
      if (reader.flags) reader.flags.seen = !s.seen
    })
  const toggleFlag = () =>
    run(async () => {
      const s = summary.value
      if (!s) return
      await messages.setFlagged(s.uid, !s.flagged)
      if (reader.flags) reader.flags.flagged = !s.flagged
    })

  /** j/k: the next or previous message of the whole folder, loading its rows when they are not yet. */
  async function step(delta: 1 | -1) {
    const n = await messages.step(delta)
    if (n) go(n.uid)
  }

  return { summary, canAct, inDrafts, actionError, reply, replyAll, forward, editDraft, remove, moveTo, toggleSeen, toggleFlag, step }
}
