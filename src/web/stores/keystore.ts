/**
 * The key store as the page sees it: locked or unlocked, idle minutes, "remember on this
 * device", and the security settings (sign all, encrypt when possible, auto-collect).
 * Passphrases go from here to the worker and nowhere else; nothing secret comes back.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { DEFAULT_SETTINGS, type Settings } from '../storage/db'
import { getSettings, updateSettings } from '../storage/settings'
import { cryptoWorker, type KeystoreStatus } from '../workers/client'

export const useKeystoreStore = defineStore('keystore', () => {
  const status = ref<KeystoreStatus | null>(null)
  const settings = ref<Settings>({ ...DEFAULT_SETTINGS })
  const loaded = ref(false)
  /** Set while some screen waits for the user to unlock (the UnlockDialog shows then). */
  const unlockRequested = ref(false)
  let waiters: ((ok: boolean) => void)[] = []
  let unsubscribe: (() => void) | null = null

  async function init(): Promise<void> {
    if (!unsubscribe) unsubscribe = cryptoWorker().onStatus((s) => (status.value = s))
    const [s, st] = await Promise.all([getSettings(), cryptoWorker().call('status', {})])
    settings.value = s
    status.value = st
    loaded.value = true
  }

  async function unlock(passphrase: string): Promise<void> {
    status.value = await cryptoWorker().call('unlock', { passphrase })
    unlockRequested.value = false
    for (const w of waiters) w(true)
    waiters = []
  }

  async function lock(): Promise<void> {
    status.value = await cryptoWorker().call('lock', {})
  }

  /**
   * Ask the user to unlock (shows the UnlockDialog wherever it is mounted); resolves true
   * once unlocked, false if the user cancelled. The reading pane calls this on 'key-locked'.
   */
  function requestUnlock(): Promise<boolean> {
    if (status.value?.unlocked) return Promise.resolve(true)
    unlockRequested.value = true
    return new Promise((resolve) => waiters.push(resolve))
  }

  function cancelUnlock(): void {
    unlockRequested.value = false
    for (const w of waiters) w(false)
    waiters = []
  }

  async function setIdleMinutes(minutes: number): Promise<void> {
    status.value = await cryptoWorker().call('configure', { idleMinutes: minutes })
    settings.value = await updateSettings({ lockIdleMinutes: status.value.idleMinutes })
  }

  async function setRemember(remember: boolean, passphrase?: string): Promise<void> {
    status.value = await cryptoWorker().call('setRemember', { remember, ...(passphrase !== undefined ? { passphrase } : {}) })
    settings.value = await updateSettings({ rememberOnDevice: remember })
  }

  async function update(patch: Partial<Pick<Settings, 'signAll' | 'encryptWhenPossible' | 'autoCollectCertificates'>>): Promise<void> {
    settings.value = await updateSettings(patch)
  }

  async function refresh(): Promise<void> {
    status.value = await cryptoWorker().call('status', {})
  }

  return {
    status,
    settings,
    loaded,
    unlockRequested,
    init,
    refresh,
    unlock,
    lock,
    requestUnlock,
    cancelUnlock,
    setIdleMinutes,
    setRemember,
    update,
  }
})
