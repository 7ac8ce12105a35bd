/**
 * `npx tsx src/mailstack/cli.ts [--data-dir DIR] [--imap-port N] [--smtp-port N] [--lmtp-port N] [--seed]`
 * Runs the demo mail stack in the foreground until Ctrl-C.
 */
import { parseArgs } from 'node:util'
import { startMailstack } from './index'

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'imap-port': { type: 'string' },
    'smtp-port': { type: 'string' },
    'lmtp-port': { type: 'string' },
    seed: { type: 'boolean', default: false },
  },
})
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s))
const ms = await startMailstack({
  dataDir: values['data-dir'],
  imapPort: num(values['imap-port']),
  smtpPort: num(values['smtp-port']),
  lmtpPort: num(values['lmtp-port']),
  seed: values.seed,
})
console.log(`IMAP 127.0.0.1:${ms.imapPort}  SMTP 127.0.0.1:${ms.smtpPort}  LMTP 127.0.0.1:${ms.lmtpPort}  data ${ms.dataDir}`)
const stop = () => void ms.stop().then(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
