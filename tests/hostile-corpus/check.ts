/** What an opened message exposes, for leak checks shared by the engine and browser suites. */
import type { OpenResult } from '../../src/core/message'

/** Everything the app could show or quote from an open result, as one string. */
export function everythingVisible(r: OpenResult): string {
  const inner = new TextDecoder('latin1').decode(r.inner)
  return [JSON.stringify(r.report), r.view.text ?? '', r.view.html ?? '', inner, JSON.stringify(r.view.attachments)].join('\n')
}
