/**
 * The organisation's policy (GET /api/policy), fetched at sign-in and kept for the
 * session. Compose applies it (compose/policy.ts); Security shows it read-only. Until it
 * has loaded, compose applies no rule, and the bridge still enforces what it can.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { EMPTY_POLICY, type Policy } from '../../contract'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'

export const usePolicyStore = defineStore('policy', () => {
  const policy = ref<Policy>(EMPTY_POLICY)
  const state = ref<'idle' | 'loading' | 'done' | 'error'>('idle')
  const error = ref('')

  async function load(): Promise<void> {
    state.value = 'loading'
    try {
      policy.value = await bridge.getPolicy()
      state.value = 'done'
      error.value = ''
    } catch (e) {
      state.value = 'error'
      error.value = errorText(e)
    }
  }

  return { policy, state, error, load }
})
