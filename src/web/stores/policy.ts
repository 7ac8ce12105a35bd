/**
 * The organisation's policy (GET /api/policy), fetched at sign-in and kept for the
 * session, and this account's personal rules (settings in this browser's per-account
 * database). Compose applies both (compose/policy.ts); Security shows the organisation's
 * read-only and lets the user add or remove their own. Until the policy has loaded,
 * compose applies no organisation rule, and the bridge still enforces what it can.
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { EMPTY_POLICY, type Policy, type PolicyRule } from '../../contract'
import * as bridge from '../api/bridge'
import { errorText } from '../api/client'
import { checkPersonalRule, withPersonalRules } from '../compose/policy'
import { getSettings, updateSettings } from '../storage/settings'

export const usePolicyStore = defineStore('policy', () => {
  const policy = ref<Policy>(EMPTY_POLICY)
  const personal = ref<PolicyRule[]>([])
  const state = ref<'idle' | 'loading' | 'done' | 'error'>('idle')
  const error = ref('')
  /** What compose applies: the organisation's rules, then the user's. */
  const effective = computed(() => withPersonalRules(policy.value, personal.value))

  async function load(): Promise<void> {
    state.value = 'loading'
    void getSettings()
      .then((s) => (personal.value = s.personalRules))
      .catch(() => {})
    try {
      policy.value = await bridge.getPolicy()
      state.value = 'done'
      error.value = ''
    } catch (e) {
      state.value = 'error'
      error.value = errorText(e)
    }
  }

  /** Add a personal rule (throws words when it is not valid or its name is taken). */
  async function addPersonal(input: unknown): Promise<void> {
    const rule = checkPersonalRule(input, policy.value, personal.value)
    personal.value = (await updateSettings({ personalRules: [...personal.value, rule] })).personalRules
  }

  async function removePersonal(name: string): Promise<void> {
    personal.value = (await updateSettings({ personalRules: personal.value.filter((r) => r.name !== name) })).personalRules
  }

  return { policy, personal, effective, state, error, load, addPersonal, removePersonal }
})
