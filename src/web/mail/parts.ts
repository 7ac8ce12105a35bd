/**
 * The displayable body parts of a message, each kept on its own (issue 3, EFAIL direct
 * exfiltration, Poddebniak et al. 2018 §4): postal-mime joins every inline text and HTML
 * part into ONE HTML document, so an HTML part that opens `<img src="http://evil/` and a
 * later part that closes it would form one URL around whatever lies between. Here each
 * inline text/plain and text/html leaf becomes its own part, so the reading pane renders
 * every HTML part in its own sandboxed frame and nothing is stitched together.
 *
 * Structure rules (RFC 2046 §5.1): multipart/alternative shows its last displayable
 * alternative; multipart/related shows its root (the first part, or `start`), the rest
 * are resources; every other multipart shows its children in order. Attachments, and
 * parts that are not text, are not display parts (they are listed by the attachment view).
 */
import { bodyText, header, isAttachment, parseMime, type MimeEntity } from '../../core/mime'

export type DisplayPart = { kind: 'text'; text: string } | { kind: 'html'; html: string }

/** Bounds for hostile structures (issue 3, resource abuse). */
const MAX_PARTS = 200
const MAX_DEPTH = 32

const mediaType = (e: MimeEntity) => `${e.contentType.type}/${e.contentType.subtype}`.toLowerCase()

function displayable(e: MimeEntity): boolean {
  const t = mediaType(e)
  if (e.contentType.type.toLowerCase() === 'multipart') return true
  return !isAttachment(e) && (t === 'text/html' || t === 'text/plain')
}

function relatedRoot(e: MimeEntity): MimeEntity | undefined {
  const start = e.contentType.params.start?.trim()
  if (start) {
    const byId = e.children.find((c) => header(c, 'content-id')?.trim() === start)
    if (byId) return byId
  }
  return e.children[0]
}

/**
 * Every inline text/HTML leaf of the entity `bytes` (headers + body), in display order,
 * when there are at least two; [] for one or none; null if it does not parse.
 */
export function displayParts(bytes: Uint8Array): DisplayPart[] | null {
  let root: MimeEntity
  try {
    root = parseMime(bytes)
  } catch {
    return null
  }
  const leaves: MimeEntity[] = []
  const walk = (e: MimeEntity, depth: number): void => {
    if (leaves.length >= MAX_PARTS || depth > MAX_DEPTH) return
    if (e.contentType.type.toLowerCase() === 'multipart') {
      const sub = e.contentType.subtype.toLowerCase()
      if (sub === 'alternative') {
        const pick = [...e.children].reverse().find(displayable)
        if (pick) walk(pick, depth + 1)
      } else if (sub === 'related') {
        const r = relatedRoot(e)
        if (r) walk(r, depth + 1)
      } else {
        for (const c of e.children) walk(c, depth + 1)
      }
      return
    }
    if (displayable(e)) leaves.push(e)
  }
  walk(root, 0)
  // One part or none: the caller keeps its own parse; decode nothing (a 60 MB body stays undecoded here).
  if (leaves.length < 2) return []
  return leaves.map((e): DisplayPart => (mediaType(e) === 'text/html' ? { kind: 'html', html: bodyText(e) } : { kind: 'text', text: bodyText(e) }))
}
