/**
 * The view model of the innermost message (step 4 of the pipeline): its text, HTML
 * and attachments, extracted from the parsed MIME tree. Only the innermost entity
 * reached by unwrapping the ROOT is used; parts of an unprotected multipart are
 * never joined with decrypted content (EFAIL).
 */
import type { CryptoLike } from '../crypto'
import type { MimeEntity } from '../mime'
import { bodyText, decodeBody, filename, isAttachment } from '../mime'
import { toHex } from '../util/bytes'
import type { AttachmentReport } from './report'

export interface AttachmentView extends AttachmentReport {
  /** Index path from the innermost root, for the app to fetch the part's bytes. */
  path: number[]
}

export interface BodyView {
  /** The decoded text/plain body (first one that is not an attachment), or null. */
  text: string | null
  /** The decoded text/html body, raw: the app must sanitize it before display. */
  html: string | null
  attachments: AttachmentView[]
}

function mediaType(e: MimeEntity): string {
  return `${e.contentType.type}/${e.contentType.subtype}`.toLowerCase()
}

interface Leaf {
  entity: MimeEntity
  path: number[]
}

function leaves(root: MimeEntity): Leaf[] {
  const out: Leaf[] = []
  const walk = (e: MimeEntity, path: number[]) => {
    if (e.contentType.type.toLowerCase() === 'multipart' && e.children.length > 0) {
      e.children.forEach((c, i) => walk(c, [...path, i]))
      return
    }
    out.push({ entity: e, path })
  }
  walk(root, [])
  return out
}

/** Pick text, HTML and attachments from the innermost message. */
export async function extractBody(root: MimeEntity, crypto: CryptoLike): Promise<BodyView> {
  let text: string | null = null
  let html: string | null = null
  const attachments: AttachmentView[] = []
  for (const { entity, path } of leaves(root)) {
    const t = mediaType(entity)
    const attached = isAttachment(entity)
    if (!attached && t === 'text/plain' && text === null) {
      text = bodyText(entity)
      continue
    }
    if (!attached && t === 'text/html' && html === null) {
      html = bodyText(entity)
      continue
    }
    if (!attached && entity.contentType.type.toLowerCase() === 'text') continue
    if (!attached && t === 'multipart/mixed') continue // empty multipart
    const data = decodeBody(entity)
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data as BufferSource))
    attachments.push({ filename: filename(entity), contentType: t, size: data.length, sha256: toHex(digest), path })
  }
  return { text, html, attachments }
}
