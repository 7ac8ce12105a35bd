/*
 * Cachet's service worker (issue 14): it keeps the app's own files so that Cachet opens,
 * and says it is offline, without a network. It never keeps mail, keys or anything else
 * from the bridge's API: only same-origin GETs of the app shell (navigations → index.html)
 * and of /assets/ (named by their content's hash, so a kept copy is never stale), and only
 * answers that are plain 200s. Navigations go to the network first, so a new version is
 * picked up on the next visit; assets come from the cache first.
 *
 * Hand-written rather than generated (Workbox): a generated precache list would download
 * every chunk, the S/MIME engine included, on the first visit, which the bytes-on-the-wire
 * budget (issue 12) forbids; what is kept here is what the person actually loaded.
 */
const CACHE = 'cachet-app-v1'
const SHELL = ['/', '/favicon.svg', '/manifest.webmanifest', '/icon-192.png']
const MAX_ASSETS = 80

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)))).then(() => self.clients.claim()),
  )
})

/** Is this a request whose answer may be kept? Never the API, never another origin. */
function keepable(url) {
  if (url.origin !== self.location.origin) return false
  if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return false
  return url.pathname.startsWith('/assets/') || SHELL.includes(url.pathname) || url.pathname === '/icon-512.png' || url.pathname === '/icon-512-maskable.png'
}

async function put(request, response) {
  if (!response || response.status !== 200 || response.type !== 'basic') return
  const cache = await caches.open(CACHE)
  await cache.put(request, response)
  const keys = await cache.keys()
  const assets = keys.filter((k) => new URL(k.url).pathname.startsWith('/assets/'))
  // Oldest first (insertion order): old versions' chunks go once there are too many.
  for (const k of assets.slice(0, Math.max(0, assets.length - MAX_ASSETS))) await cache.delete(k)
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin || url.pathname === '/api' || url.pathname.startsWith('/api/')) return

  if (request.mode === 'navigate') {
    // Any page of the app is index.html (the bridge's SPA fallback does the same).
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) void put(new Request('/'), response.clone())
          return response
        })
        .catch(async () => (await caches.match('/')) ?? Response.error()),
    )
    return
  }
  if (!keepable(url)) return
  event.respondWith(
    caches.match(request).then(
      (hit) =>
        hit ??
        fetch(request).then((response) => {
          void put(request, response.clone())
          return response
        }),
    ),
  )
})
