import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { applyLocale, i18n, preferredLocale } from './i18n'
import { router } from './router'
import './styles/app.css'

// The chosen language's words before the first screen (and <html lang>, which screen
// readers pronounce by).
await applyLocale(preferredLocale())
createApp(App).use(createPinia()).use(i18n).use(router).mount('#app')

// Installable, and opens without a network (issue 14): public/sw.js keeps the app's own
// files only. Not in the dev server (import.meta.hot), whose modules are not the built
// files. Not import.meta.env.PROD: that follows the NODE_ENV of whoever ran the build
// (a build started from a test runner, NODE_ENV=test, would ship without the worker).
if (!import.meta.hot && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch(() => {
      // Without it Cachet works the same online; nothing to tell the person.
    })
  })
}
