/**
 * Routes: sign-in, the mail screen addressed by folder and (optionally) message UID, and
 * /compose (the mail screen with compose open, filled in from to/cc/subject/body in the
 * query: where mailto: links in received mail lead, see mail/mailto.ts).
 */
import { createRouter, createWebHistory } from 'vue-router'
import { useSessionStore } from './stores/session'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', redirect: { name: 'mail', params: { mailbox: 'INBOX' } } },
    { path: '/signin', name: 'signin', component: () => import('./views/SignInView.vue'), meta: { public: true } },
    { path: '/mail/:mailbox/:uid(\\d+)?', name: 'mail', component: () => import('./views/MailView.vue') },
    { path: '/compose', name: 'compose', component: () => import('./views/ComposeView.vue') },
    { path: '/settings/security', name: 'security', component: () => import('./views/SecurityView.vue') },
    { path: '/contacts', name: 'contacts', component: () => import('./views/ContactsView.vue') },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  if (session.status === 'unknown') await session.restore()
  if (!to.meta.public && session.status !== 'signed-in') return { name: 'signin', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  if (to.name === 'signin' && session.status === 'signed-in') return { name: 'mail', params: { mailbox: 'INBOX' } }
  return true
})
