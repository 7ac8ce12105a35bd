/**
 * A modal dialog keeps the keyboard (issue 14, WCAG 2.4.3): while `target` is in the page,
 * Tab and Shift+Tab cycle through its controls, focus moves into it when it opens (unless
 * it already placed focus itself), and when it goes, focus returns to where it was before
 * (the button that opened it), so a keyboard user never lands at the top of the page.
 */
import { nextTick, onBeforeUnmount, watch, type Ref } from 'vue'

const FOCUSABLE = 'a[href], button:not(:disabled), input:not(:disabled):not([type=hidden]), select:not(:disabled), textarea:not(:disabled), [tabindex]:not([tabindex="-1"])'

function focusables(root: HTMLElement): HTMLElement[] {
  // tabIndex -1: focusable by script only (a hidden file input behind its button), not by Tab.
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.tabIndex >= 0 && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden')
}

// The last element focused outside any modal dialog: a dialog that focuses its own first
// control as it mounts has already taken focus by the time the trap starts.
let lastOutside: HTMLElement | null = null
let tracking = false
function track() {
  if (tracking || typeof document === 'undefined') return
  tracking = true
  document.addEventListener('focusin', (e) => {
    if (e.target instanceof HTMLElement && !e.target.closest('[aria-modal="true"]')) lastOutside = e.target
  })
}

export function useFocusTrap(target: Readonly<Ref<HTMLElement | null>>): void {
  track()
  let returnTo: HTMLElement | null = null
  let root: HTMLElement | null = null

  function onKeydown(e: KeyboardEvent) {
    if (e.key !== 'Tab' || !root) return
    // A dialog opened on top of this one (inside it) keeps its own cycle.
    const inner = e.target instanceof Element ? e.target.closest('[aria-modal="true"]') : null
    if (inner && inner !== root) return
    const list = focusables(root)
    if (!list.length) {
      e.preventDefault()
      return
    }
    const first = list[0]!
    const last = list[list.length - 1]!
    const active = document.activeElement
    if (e.shiftKey && (active === first || !root.contains(active))) {
      e.preventDefault()
      last.focus()
    } else if (!e.shiftKey && (active === last || !root.contains(active))) {
      e.preventDefault()
      first.focus()
    }
  }

  function release() {
    root?.removeEventListener('keydown', onKeydown)
    root = null
    const back = returnTo
    returnTo = null
    if (back?.isConnected) back.focus()
  }

  watch(
    target,
    (el) => {
      if (el === root) return
      if (root) release()
      if (!el) return
      root = el
      const active = document.activeElement
      returnTo = active instanceof HTMLElement && active !== document.body && !el.contains(active) ? active : lastOutside
      el.addEventListener('keydown', onKeydown)
      void nextTick(() => {
        if (root === el && !el.contains(document.activeElement)) focusables(el)[0]?.focus()
      })
    },
    { flush: 'post', immediate: true },
  )
  onBeforeUnmount(release)
}
