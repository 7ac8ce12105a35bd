/**
 * Drafts for `cachet-smime seal`, written by nodemailer (an independent MIME writer),
 * so the sealer is fed what another program produces, not what our builder produces.
 */
import nodemailer from 'nodemailer'

export interface DraftSpec {
  from: string
  to: string[]
  subject: string
  text: string
  attachments?: { filename: string; contentType: string; content: Uint8Array }[]
  headers?: Record<string, string>
}

export async function makeDraft(d: DraftSpec): Promise<Buffer> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' })
  const info = await transport.sendMail({
    from: d.from,
    to: d.to,
    subject: d.subject,
    text: d.text,
    headers: d.headers,
    attachments: (d.attachments ?? []).map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.content) })),
  })
  return info.message as Buffer
}

/** Deterministic pseudo-random bytes (incompressible enough, cheap for 25 MB). */
export function pseudoRandom(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}
