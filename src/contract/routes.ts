/**
 * Every bridge route in one table: method, path and the schemas of its parts. The bridge
 * registers from it and the app's client calls from it, so both sides agree by
 * construction. `body: 'raw'` means the request body is a raw message
 * (`message/rfc822` or `application/octet-stream`); `response: 'raw'` means bytes back;
 * `response: 'sse'` is an event stream. State-changing routes (`csrf: true`) need the
 * `x-csrf-token` header; `auth: false` routes need no session.
 */
import { CreateMailboxRequest, Mailbox, MailboxList } from './mailboxes'
import {
  AppendQuery,
  AppendResponse,
  DeleteRequest,
  FlagsRequest,
  MessageListQuery,
  MessagePage,
  MoveRequest,
  MoveResponse,
  RawParams,
  RawQuery,
} from './messages'
import { LoginRequest, SessionInfo } from './session'
import { SendQuery, SendResponse } from './send'
import { SearchQuery } from './search'
import { EventsQuery } from './events'
import { CrlQuery } from './crl'
import { OcspRelayRequest } from './ocsp'
import { DirectoryLookupRequest, DirectoryLookupResponse, EnrolmentInfo, EnrolRequest, EnrolResponse } from './certificates'
import { OkResponse } from './errors'
import { PolicyResponse } from './policy'

export const routes = {
  /** Sign in (IMAP LOGIN). Sets the session cookie (rotated). 401 invalid_credentials, 429 rate_limited. */
  login: { method: 'POST', path: '/api/session', auth: false, csrf: false, body: LoginRequest, response: SessionInfo },
  /** Current session (the app calls it on load to get the CSRF token). 401 when signed out. */
  me: { method: 'GET', path: '/api/session', auth: true, csrf: false, response: SessionInfo },
  /** Sign out: closes the IMAP connection, clears the cookie. */
  logout: { method: 'DELETE', path: '/api/session', auth: true, csrf: true, response: OkResponse },

  mailboxes: { method: 'GET', path: '/api/mailboxes', auth: true, csrf: false, response: MailboxList },
  createMailbox: { method: 'POST', path: '/api/mailboxes', auth: true, csrf: true, body: CreateMailboxRequest, response: Mailbox },

  messages: { method: 'GET', path: '/api/messages', auth: true, csrf: false, query: MessageListQuery, response: MessagePage },
  raw: { method: 'GET', path: '/api/messages/:uid/raw', auth: true, csrf: false, params: RawParams, query: RawQuery, response: 'raw' },
  flags: { method: 'POST', path: '/api/messages/flags', auth: true, csrf: true, body: FlagsRequest, response: OkResponse },
  move: { method: 'POST', path: '/api/messages/move', auth: true, csrf: true, body: MoveRequest, response: MoveResponse },
  delete: { method: 'POST', path: '/api/messages/delete', auth: true, csrf: true, body: DeleteRequest, response: MoveResponse },
  append: { method: 'POST', path: '/api/messages/append', auth: true, csrf: true, query: AppendQuery, body: 'raw', response: AppendResponse },

  send: { method: 'POST', path: '/api/send', auth: true, csrf: true, query: SendQuery, body: 'raw', response: SendResponse },
  search: { method: 'GET', path: '/api/search', auth: true, csrf: false, query: SearchQuery, response: MessagePage },
  events: { method: 'GET', path: '/api/events', auth: true, csrf: false, query: EventsQuery, response: 'sse' },
  crl: { method: 'GET', path: '/api/crl', auth: true, csrf: false, query: CrlQuery, response: 'raw' },
  /** Relays an OCSP request to the responder a trusted CA names (ocsp.ts); the answer's bytes. */
  ocsp: { method: 'POST', path: '/api/ocsp', auth: true, csrf: true, body: OcspRelayRequest, response: 'raw' },

  /** Whether the bridge enrols at a CA (CA_URL), and the CA's display name. See certificates.ts. */
  enrolment: { method: 'GET', path: '/api/certificates/enrolment', auth: true, csrf: false, response: EnrolmentInfo },
  /** A PKCS#10 request for the signed-in address → the CA's certificate. 400 csr_invalid, 403 csr_address_mismatch, 429, 502/503/504. */
  enrol: { method: 'POST', path: '/api/certificates/enrol', auth: true, csrf: true, body: EnrolRequest, response: EnrolResponse },
  /** Published certificates of up to 100 addresses (LDAP, DIRECTORY_URL). 400 too_many_addresses, 503. */
  directory: { method: 'POST', path: '/api/directory/lookup', auth: true, csrf: true, body: DirectoryLookupRequest, response: DirectoryLookupResponse },
  /** The organisation's rules (POLICY_FILE; none when unset), as validated at start. See policy.ts. */
  policy: { method: 'GET', path: '/api/policy', auth: true, csrf: false, response: PolicyResponse },
} as const

export type RouteName = keyof typeof routes

/** `/api/messages/:uid/raw` → `/api/messages/42/raw`. */
export function routePath(path: string, params: Record<string, string | number> = {}): string {
  return path.replace(/:([A-Za-z]+)/g, (_, k: string) => encodeURIComponent(String(params[k])))
}
