import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The app is one static bundle that the bridge serves from dist/ on the same origin as
// its /api routes. Production CSP forbids inline scripts, so nothing here may emit one:
// the module-preload polyfill is off (it is the only inline script Vite can add).
export default defineConfig({
  root: '.',
  publicDir: 'public',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      // The bridge; SSE needs no buffering, which Vite's proxy does not do.
      '/api': { target: 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
})
