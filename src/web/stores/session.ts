/** Who is signed in; holds the CSRF token for the API client. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError, errorText, onReachability, onUnauthorized, setCsrfToken } from '../api/client'
import * as bridge from '../api/bridge'
import { setDbAccount } from '../storage/db'
import { endCryptoWorker } from '../workers/client'
import { t } from '../i18n'
import { usePolicyStore } from './policy'

export type SessionStatus = 'unknown' | 'signed-out' | 'signed-in'

const ENDED = () => t('signin.ended')

export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>('unknown')
  const email = ref('')
  const error = ref('')
  const busy = ref(false)
  /** Did the bridge answer the last request (false: the network or the bridge is down)? */
  const reachable = ref(typeof navigator === 'undefined' || navigator.onLine !== false)
  onReachability((r) => {
    reachable.value = r
  })

  function signedIn(address: string, csrfToken: string) {
    setCsrfToken(csrfToken)
    setDbAccount(address)
    email.value = address
    status.value = 'signed-in'
    // The organisation's rules, for compose and Security, once per sign-in.
    void usePolicyStore().load()
  }

  /**
   * Whoever uses this browser next must find nothing of this account: the crypto worker
   * ends (with every key it had unlocked), its database is closed, and the page reloads so
   * no store keeps the previous account's identities, contacts, trust or messages.
   */
  function signedOut(message = '') {
    const was = status.value === 'signed-in'
    status.value = 'signed-out'
    email.value = ''
    setCsrfToken(null)
    error.value = message
    if (!was) return
    endCryptoWorker()
    setDbAccount(null)
    window.location.assign(message ? `/signin?ended=1` : '/signin')
  }

  onUnauthorized(() => {
    if (status.value === 'signed-in') signedOut(ENDED())
  })

  /** On load: is there a session already (cookie)? */
  async function restore() {
    const ended = new URLSearchParams(window.location.search).has('ended')
    try {
      const s = await bridge.currentSession()
      signedIn(s.email, s.csrfToken)
    } catch (e) {
      signedOut(e instanceof ApiError && e.code === 'unauthorized' ? (ended ? ENDED() : '') : errorText(e))
    }
  }

  /** Is the bridge there again? (Answers update `reachable`; a 401 ends the session as usual.) */
  async function check(): Promise<void> {
    try {
      await bridge.currentSession()
    } catch {
      // `reachable` already says what happened.
    }
  }

  async function signIn(address: string, password: string): Promise<boolean> {
    busy.value = true
    error.value = ''
    try {
      const s = await bridge.login(address.trim(), password)
      signedIn(s.email, s.csrfToken)
      return true
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid_credentials') error.value = t('signin.wrong')
      else if (e instanceof ApiError && e.code === 'bad_request') error.value = t('signin.badRequest')
      else error.value = errorText(e)
      return false
    } finally {
      busy.value = false
    }
  }

  async function signOut() {
    try {
      await bridge.logout()
    } catch {}
    signedOut()
  }

  return { status, email, error, busy, reachable, restore, check, signIn, signOut }
})
