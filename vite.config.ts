import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|webmanifest|txt)$/

/**
 * Writes `file.br` and `file.gz` next to every text file of the build, compressed once
 * at their best settings (the bridge serves them chosen by Accept-Encoding, see
 * src/bridge/plugins/static.ts, instead of compressing on every request or not at all).
 * A variant that would not be smaller than the file is not written. Source maps are
 * left alone: only developer tools fetch them.
 */
function precompress(): Plugin {
  let outDir = 'dist'
  const br = promisify(brotliCompress)
  const gz = promisify(gzip)
  return {
    name: 'cachet:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    async closeBundle() {
      const files = (await readdir(outDir, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile() && COMPRESSIBLE.test(e.name))
        .map((e) => join(e.parentPath, e.name))
      await Promise.all(
        files.map(async (file) => {
          const raw = await readFile(file)
          const [b, g] = await Promise.all([
            br(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } }),
            gz(raw, { level: constants.Z_BEST_COMPRESSION }),
          ])
          if (b.length < raw.length) await writeFile(`${file}.br`, b)
          if (g.length < raw.length) await writeFile(`${file}.gz`, g)
        }),
      )
    },
  }
}

// The app is one static bundle that the bridge serves from dist/ on the same origin as
// its /api routes. Production CSP forbids inline scripts, so nothing here may emit one:
// the module-preload polyfill is off (it is the only inline script Vite can add).
export default defineConfig({
  root: '.',
  publicDir: 'public',
  plugins: [vue(), precompress()],
  // vue-i18n in composition mode only: no legacy API, no devtools hooks in the bundle.
  // Its messages are compiled to an AST and interpreted (no eval: the CSP forbids it).
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
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
