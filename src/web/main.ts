import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { activeLocale, applyLocale, i18n } from './i18n'
import { router } from './router'
import './styles/app.css'

// <html lang> says which language the page speaks (screen readers pronounce by it).
applyLocale(activeLocale())
createApp(App).use(createPinia()).use(i18n).use(router).mount('#app')

// Installable, and opens without a network (issue 14): public/sw.js keeps the app's own
// files only. Not in the dev server, whose modules are not the built files.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it Cachet works the same online; nothing to tell the person.
    })
  })
}
