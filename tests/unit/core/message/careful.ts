/**
 * Messages for the issue 16 tests, made by OpenSSL during the test over the fixture's PKI:
 * exactly the bytes given (no canonicalisation by the harness), its legacy provider loaded
 * for RC2 and DES.
 */
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import type { LayerReport, SignerReport } from '../../../../src/core/message/report'
import type { Envelope } from '../../../interop/harness/eml'
import { openssl } from '../../../interop/harness/run'
import type { Leaf } from '../../../interop/harness/pki'
import type { Fixture } from './fixture'

let seq = 0

export const TEXT = 'Pay 100 EUR to Bob.\r\nThanks, Alice\r\n'
/** A 7-bit text entity whose words are in the clear (so a tamper is one character). */
export const plainEntity = (text = TEXT, cte = '7bit') => Buffer.from(`Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: ${cte}\r\n\r\n${text}`)
export const envOf = (from: Leaf, to: Leaf): Envelope => ({ from: `<${from.email}>`, to: to.email, subject: 'Careful' })
/** Every CRLF to a bare LF: the message as saved on a Unix disk. */
export const lf = (b: Uint8Array) => Buffer.from(Buffer.from(b).toString('latin1').replace(/\r\n/g, '\n'), 'latin1')
export const signersOf = (layers: LayerReport[]): SignerReport[] => layers.flatMap((l) => (l.kind === 'signed' ? l.signers : []))

async function tmp(f: Fixture, data: Uint8Array): Promise<string> {
  const p = join(f.pki.dir, `careful-${process.pid}-${seq++}.bin`)
  await writeFile(p, data)
  return p
}

/** `openssl cms -sign -binary` over exactly these bytes. */
export async function signExact(f: Fixture, leaf: Leaf, content: Uint8Array): Promise<Buffer> {
  return openssl(['cms', '-sign', '-binary', '-in', await tmp(f, content), '-signer', leaf.certPath, '-inkey', leaf.keyPath, '-certfile', leaf.chainPath])
}

/** `openssl cms -encrypt -binary` of exactly these bytes, with the legacy provider's ciphers available. */
export async function encryptExact(f: Fixture, to: Leaf[], content: Uint8Array, cipher = 'aes-256-cbc'): Promise<Buffer> {
  return openssl(['cms', '-encrypt', '-binary', '-provider', 'legacy', '-provider', 'default', `-${cipher}`, '-in', await tmp(f, content), ...to.map((l) => l.certPath)])
}
