#!/usr/bin/env node
// cachet-smime. Runs the compiled CLI (dist-cli/, written by `npm run build:cli`, by
// `npm install` in a clone through "prepare", and shipped in the package) so it starts
// without compiling TypeScript. In a clone whose src/cli or src/core changed since that
// build, it runs the sources through tsx instead, so a developer never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const bundle = fileURLToPath(new URL('../dist-cli/cachet-smime.mjs', import.meta.url))
const sources = ['../src/cli/', '../src/core/'].map((p) => fileURLToPath(new URL(p, import.meta.url)))

/** Is any file under these folders newer than `t` (ms)? Stops at the first. */
function newerThan(dirs, t) {
  const stack = dirs.filter((d) => existsSync(d))
  while (stack.length) {
    const d = stack.pop()
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = `${d}/${e.name}`
      if (e.isDirectory()) stack.push(p)
      else if (statSync(p).mtimeMs > t) return true
    }
  }
  return false
}

if (existsSync(bundle) && !newerThan(sources, statSync(bundle).mtimeMs)) {
  await import(new URL('../dist-cli/cachet-smime.mjs', import.meta.url).href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  const { run } = await import(new URL('../src/cli/main.ts', import.meta.url).href)
  await run(process.argv.slice(2))
}
