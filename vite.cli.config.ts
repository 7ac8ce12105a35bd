import { defineConfig } from 'vite'

// `cachet-smime` compiled to plain JavaScript for Node (issue 12): one module per command
// (main.ts imports each command when it runs), every dependency bundled in, so the bin
// starts without compiling TypeScript and an installed package needs nothing else.
export default defineConfig({
  publicDir: false,
  build: {
    ssr: 'src/cli/entry.ts',
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: false,
    minify: false,
    rollupOptions: {
      output: { format: 'es', entryFileNames: 'cachet-smime.mjs', chunkFileNames: 'chunks/[name]-[hash].mjs' },
    },
  },
  ssr: { noExternal: true, target: 'node' },
})
