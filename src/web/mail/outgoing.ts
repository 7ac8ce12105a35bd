/**
 * Pure decisions for sending S/MIME (issue 4, Compose), kept out of the store so they are
 * unit tested: who must be encrypted for, and what the Sign / Encrypt boxes default to.
 */
import { parseAddressList } from '../../core/mime/headers'

/** Addresses in To/Cc/Bcc fields, lower-cased, unique, in order; unparsable text is skipped. */
export function addressesIn(fields: readonly string[]): string[] {
  const out: string[] = []
  for (const f of fields) {
    if (!f.trim()) continue
    let list: { address: string }[]
    try {
      list = parseAddressList(f)
    } catch {
      continue
    }
    for (const a of list) {
      const e = a.address.trim().toLowerCase()
      if (e.includes('@') && !out.includes(e)) out.push(e)
    }
  }
  return out
}

/**
 * Whom the message is encrypted for besides the sender (who is always a recipient, so the
 * Sent copy opens): every To, Cc and Bcc address except the sender's own.
 */
export function encryptFor(recipients: readonly string[], me: string): string[] {
  const mine = me.trim().toLowerCase()
  return recipients.filter((e) => e !== mine)
}

export interface SecureDefaults {
  signAll: boolean
  encryptWhenPossible: boolean
  /** An identity (certificate + key) exists for the From address. */
  hasIdentity: boolean
}

/** "Sign all outgoing mail" applies only when there is something to sign with. */
export const defaultSign = (d: SecureDefaults): boolean => d.signAll && d.hasIdentity

/**
 * "Encrypt whenever every recipient has a certificate": on when there is at least one
 * recipient and each one has a usable certificate (and we have our own, for the Sent copy).
 */
export function defaultEncrypt(d: SecureDefaults, recipients: readonly string[], hasCertificate: Readonly<Record<string, boolean>>): boolean {
  return d.encryptWhenPossible && d.hasIdentity && recipients.length > 0 && recipients.every((e) => hasCertificate[e] === true)
}

/** True when the raw message's root is S/MIME encrypted (application/pkcs7-mime, not signed-data). */
export function looksEncrypted(raw: Uint8Array): boolean {
  const head = new TextDecoder('latin1').decode(raw.subarray(0, 64 * 1024)).split(/\r?\n\r?\n/, 1)[0] ?? ''
  const ct = /^content-type:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)/im.exec(head)?.[1] ?? ''
  return /application\/(x-)?pkcs7-mime/i.test(ct) && !/smime-type\s*=\s*"?signed-data/i.test(ct)
}
