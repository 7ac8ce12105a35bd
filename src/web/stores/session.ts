/** Who is signed in; holds the CSRF token for the API client. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { ApiError, errorText, onUnauthorized, setCsrfToken } from '../api/client'
import * as bridge from '../api/bridge'
import { useKeystoreStore } from './keystore'

export type SessionStatus = 'unknown' | 'signed-out' | 'signed-in'

export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus>('unknown')
  const email = ref('')
  const error = ref('')
  const busy = ref(false)

  function signedOut(message = '') {
    // Whoever uses this browser next must not find the keys unlocked in the crypto worker.
    if (status.value === 'signed-in') void useKeystoreStore().lock().catch(() => {})
    status.value = 'signed-out'
    email.value = ''
    setCsrfToken(null)
    error.value = message
  }

  onUnauthorized(() => {
    if (status.value === 'signed-in') signedOut('Your session has ended. Sign in again.')
  })

  /** On load: is there a session already (cookie)? */
  async function restore() {
    try {
      const s = await bridge.currentSession()
      setCsrfToken(s.csrfToken)
      email.value = s.email
      status.value = 'signed-in'
    } catch (e) {
      signedOut(e instanceof ApiError && e.code === 'unauthorized' ? '' : errorText(e))
    }
  }

  async function signIn(address: string, password: string): Promise<boolean> {
    busy.value = true
    error.value = ''
    try {
      const s = await bridge.login(address.trim(), password)
      setCsrfToken(s.csrfToken)
      email.value = s.email
      status.value = 'signed-in'
      return true
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid_credentials') error.value = 'Wrong email or password. Check both and try again.'
      else if (e instanceof ApiError && e.code === 'bad_request') error.value = 'Enter your full email address (like alice@example.com) and your password.'
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

  return { status, email, error, busy, restore, signIn, signOut }
})
