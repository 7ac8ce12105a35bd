/**
 * What a screen reader should hear without moving focus (issue 14): new mail, the result
 * of a send, the security verdict of the message just opened. One polite and one
 * assertive live region (components/common/LiveAnnouncer.vue) read these; the same text
 * twice is announced twice (the region is cleared first).
 */
import { defineStore } from 'pinia'
import { nextTick, ref } from 'vue'

export const useAnnouncerStore = defineStore('announcer', () => {
  const polite = ref('')
  const assertive = ref('')

  function say(text: string, urgency: 'polite' | 'assertive' = 'polite'): void {
    const region = urgency === 'assertive' ? assertive : polite
    region.value = ''
    void nextTick(() => {
      region.value = text
    })
  }

  return { polite, assertive, say }
})
