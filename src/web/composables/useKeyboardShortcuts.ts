/**
 * Mail shortcuts (Gmail/Thunderbird habits): c compose, r reply, a reply all, f forward,
 * j/k next/previous, / search, Delete delete. Never while the user types (inputs,
 * textareas, selects, contenteditable) or while a dialog is open, and never with
 * Ctrl/Alt/Meta (those belong to the browser).
 */
import { onBeforeUnmount, onMounted } from 'vue'

export type ShortcutMap = Partial<Record<'c' | 'r' | 'a' | 'f' | 'j' | 'k' | '/' | 'Delete', () => void>>

function isTyping(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false
  if (t.isContentEditable) return true
  const tag = t.tagName
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT'
}

export function useKeyboardShortcuts(map: ShortcutMap, enabled: () => boolean) {
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.ctrlKey || e.altKey || e.metaKey || !enabled() || isTyping(e.target)) return
    if (document.querySelector('[aria-modal="true"]')) return
    const key = e.key === 'Delete' ? 'Delete' : e.key.length === 1 ? e.key.toLowerCase() : null
    if (key === null || e.shiftKey && key !== '/') return
    const fn = map[key as keyof ShortcutMap]
    if (!fn) return
    e.preventDefault()
    fn()
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey))
}
