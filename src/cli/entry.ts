/** The compiled `cachet-smime` (dist-cli/cachet-smime.mjs, vite.cli.config.ts) starts here. */
import { run } from './main'

await run(process.argv.slice(2))
