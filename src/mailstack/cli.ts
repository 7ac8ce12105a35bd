/**
 * `npx tsx src/mailstack/cli.ts [--data-dir DIR] [--imap-port N] [--smtp-port N] [--lmtp-port N]
 *   [--ca-port N] [--crl-port N] [--directory-port N] [--seed]`
 * Runs the demo mail stack (with the CA and the directory) in the foreground until Ctrl-C.
 */
import { parseArgs } from 'node:util'
import { startMailstack } from './index'

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'imap-port': { type: 'string' },
    'smtp-port': { type: 'string' },
    'lmtp-port': { type: 'string' },
    'ca-port': { type: 'string' },
    'crl-port': { type: 'string' },
    'directory-port': { type: 'string' },
    seed: { type: 'boolean', default: false },
  },
})
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s))
const ms = await startMailstack({
  dataDir: values['data-dir'],
  imapPort: num(values['imap-port']),
  smtpPort: num(values['smtp-port']),
  lmtpPort: num(values['lmtp-port']),
  caPort: num(values['ca-port']),
  crlPort: num(values['crl-port']),
  directoryPort: num(values['directory-port']),
  seed: values.seed,
})
console.log(`IMAP 127.0.0.1:${ms.imapPort}  SMTP 127.0.0.1:${ms.smtpPort}  LMTP 127.0.0.1:${ms.lmtpPort}  data ${ms.dataDir}`)
if (ms.ca) console.log(`CA ${ms.ca.url} (CFSSL authsign, profiles ${ms.ca.profiles.rsa} / ${ms.ca.profiles.ec}; auth key in ${ms.pki?.dir}/ca-auth.key)  CRL ${ms.ca.crlUrl}`)
if (ms.directory) console.log(`Directory ${ms.directory.url} base ${ms.directory.base} (writer ${ms.directory.bindDn}, password in ${ms.dataDir}/directory/bridge.secret)`)
const stop = () =>
  void ms
    .stop()
    .catch((e) => console.error(e))
    .finally(() => process.exit(0))
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
