/**
 * `cachet-smime`: a Node command line over core (DESIGN.md "cli"), for scripting and
 * the interop tests. Its arguments, JSON and exit statuses are a public contract
 * (issues #5 and #6). Subcommands: inspect, seal, pfx-info.
 */
import { UsageError } from './args'
import { nodeIo, type Io } from './io'
import { InputError } from './keyring'
import { INSPECT_USAGE } from './commands/inspect'
import { SEAL_USAGE } from './commands/seal-usage'
import { PFX_INFO_USAGE } from './commands/pfx-info'
import { PASSWORD_USAGE } from './secrets'
import type { CryptoLike } from '../core/crypto'
import { isCoreError } from '../core/errors'

const USAGE = `cachet-smime: S/MIME from the command line.

${INSPECT_USAGE}${SEAL_USAGE}${PFX_INFO_USAGE}
${PASSWORD_USAGE}`

export async function main(argv: readonly string[], io: Io, crypto: CryptoLike = globalThis.crypto): Promise<number> {
  const [cmd, ...rest] = argv
  try {
    switch (cmd) {
      case 'inspect': {
        const { inspect } = await import('./commands/inspect')
        return await inspect(rest, io, crypto)
      }
      case 'seal': {
        const { seal } = await import('./commands/seal')
        return await seal(rest, io, crypto)
      }
      case 'pfx-info': {
        const { pfxInfo } = await import('./commands/pfx-info')
        return await pfxInfo(rest, io, crypto)
      }
      case '--help':
      case '-h':
      case 'help':
        io.stdout(USAGE)
        return 0
      default:
        io.stderr(cmd === undefined ? USAGE : `Unknown command "${cmd}".\n\n${USAGE}`)
        return 2
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`${e.message}\n\n${USAGE}`)
      return 2
    }
    if (e instanceof InputError) {
      io.stderr(`error (${e.code}): ${e.message}\n`)
      return 2
    }
    if (isCoreError(e)) {
      io.stderr(`error (${e.code}): ${e.message}\n`)
      return 2
    }
    io.stderr(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    return 2
  }
}

/** Entry point used by bin/cachet-smime.js. */
export async function run(argv: readonly string[]): Promise<void> {
  const code = await main(argv, nodeIo)
  process.exitCode = code
}
