import { activeLocale, t } from './index'

const SPECIAL = ['drafts', 'sent', 'trash', 'junk', 'archive', 'flagged', 'all'] as const
type Special = (typeof SPECIAL)[number]
const isSpecial = (s: string | null | undefined): s is Special => (SPECIAL as readonly (string | null | undefined)[]).includes(s)

/**
 * A folder's name for people. INBOX is "Inbox"; other folders by their last path segment,
 * except that in another language a special-use folder (RFC 6154) is named by its role
 * ("Entwürfe" for Drafts). In English the server's own name stays, as people set it up.
 */
export function folderName(m: { path: string; name: string; specialUse?: string | null }): string {
  if (m.path.toUpperCase() === 'INBOX') return t('folders.inbox')
  if (activeLocale() !== 'en' && isSpecial(m.specialUse)) return t(`folders.special.${m.specialUse}`)
  return m.name
}
