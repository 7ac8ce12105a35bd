#!/usr/bin/env node
// cachet-smime: runs src/cli/main.ts through tsx, so it works on a fresh clone after
// `npm install` and from any working directory (paths resolve from this file).
import { register } from 'tsx/esm/api'

register()
const { run } = await import(new URL('../src/cli/main.ts', import.meta.url).href)
await run(process.argv.slice(2))
