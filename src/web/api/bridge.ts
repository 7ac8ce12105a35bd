/**
 * The typed bridge client: one function per route of contract/routes.ts. Only stores
 * call these (views and components reach data through stores; ESLint enforces it).
 */
import {
  AppendResponse,
  DirectoryLookupResponse,
  EnrolmentInfo,
  EnrolResponse,
  MailboxList,
  MailEvent,
  MAIL_EVENT_TYPES,
  MessagePage,
  MoveResponse,
  OkResponse,
  PolicyResponse,
  SendResponse,
  SessionInfo,
  routePath,
  routes,
  type FlagsRequest,
  type SearchField,
} from '../../contract'
import { requestBytes, requestJson, uploadBytes } from './client'

export function login(email: string, password: string): Promise<SessionInfo> {
  return requestJson(SessionInfo, { method: 'POST', path: routes.login.path, json: { email, password } })
}

export function currentSession(): Promise<SessionInfo> {
  return requestJson(SessionInfo, { method: 'GET', path: routes.me.path })
}

export function logout(): Promise<OkResponse> {
  return requestJson(OkResponse, { method: 'DELETE', path: routes.logout.path, csrf: true })
}

export function listMailboxes(): Promise<MailboxList> {
  return requestJson(MailboxList, { method: 'GET', path: routes.mailboxes.path })
}

export function listMessages(mailbox: string, page: number, pageSize: number, signal?: AbortSignal): Promise<MessagePage> {
  return requestJson(MessagePage, { method: 'GET', path: routes.messages.path, query: { mailbox, page, pageSize }, signal })
}

export function search(mailbox: string, q: string, field: SearchField, page: number, pageSize: number, signal?: AbortSignal): Promise<MessagePage> {
  return requestJson(MessagePage, { method: 'GET', path: routes.search.path, query: { mailbox, q, field, page, pageSize }, signal })
}

/** The stored bytes of one message, exactly as the IMAP server has them. */
export function fetchRaw(
  mailbox: string,
  uid: number,
  opts: { signal?: AbortSignal; onProgress?: (loaded: number, total: number | null) => void } = {},
): Promise<Uint8Array> {
  return requestBytes({ method: 'GET', path: routePath(routes.raw.path, { uid }), query: { mailbox }, signal: opts.signal }, opts.onProgress)
}

export function setFlags(req: FlagsRequest): Promise<OkResponse> {
  return requestJson(OkResponse, { method: 'POST', path: routes.flags.path, json: req, csrf: true })
}

export function moveMessages(mailbox: string, uids: number[], destination: string): Promise<MoveResponse> {
  return requestJson(MoveResponse, { method: 'POST', path: routes.move.path, json: { mailbox, uids, destination }, csrf: true })
}

export function deleteMessages(mailbox: string, uids: number[]): Promise<MoveResponse> {
  return requestJson(MoveResponse, { method: 'POST', path: routes.delete.path, json: { mailbox, uids }, csrf: true })
}

export function appendMessage(mailbox: string, raw: Uint8Array, flags: string[], onProgress?: (sent: number, total: number) => void): Promise<AppendResponse> {
  return uploadBytes(AppendResponse, routes.append.path, { mailbox, flags }, raw, onProgress)
}

/** Send raw bytes; the envelope lists every recipient (To + Cc + Bcc: Bcc is not in the bytes). */
export function sendMessage(raw: Uint8Array, envelope: { from: string; to: string[] }, onProgress?: (sent: number, total: number) => void): Promise<SendResponse> {
  return uploadBytes(SendResponse, routes.send.path, { envelopeFrom: envelope.from, envelopeTo: envelope.to }, raw, onProgress)
}

/**
 * Subscribe to new-mail events (SSE fed by IMAP IDLE). EventSource reconnects by itself
 * after a dropped connection, but not after an error answer (a 503 imap_busy or
 * too_many_streams from a busy server): then this opens a new one after a back-off (5 s,
 * doubling to 2 min), until the returned function is called. `onState` reports whether
 * the stream is live so the UI can say when it is not.
 */
export function subscribeEvents(mailbox: string, onEvent: (e: MailEvent) => void, onState: (live: boolean) => void): () => void {
  let es: EventSource | null = null
  let stopped = false
  let retry: ReturnType<typeof setTimeout> | null = null
  let delay = 5_000
  const connect = () => {
    const source = new EventSource(`${routes.events.path}?${new URLSearchParams({ mailbox })}`, { withCredentials: true })
    es = source
    for (const type of MAIL_EVENT_TYPES) {
      source.addEventListener(type, (ev) => {
        try {
          const parsed = MailEvent.safeParse(JSON.parse((ev as MessageEvent<string>).data))
          if (parsed.success) onEvent(parsed.data)
        } catch {}
      })
    }
    source.onopen = () => {
      delay = 5_000
      onState(true)
    }
    source.onerror = () => {
      onState(source.readyState === EventSource.OPEN)
      if (source.readyState !== EventSource.CLOSED || stopped || retry) return
      retry = setTimeout(() => {
        retry = null
        if (!stopped) connect()
      }, delay)
      delay = Math.min(delay * 2, 120_000)
    }
  }
  connect()
  return () => {
    stopped = true
    if (retry) clearTimeout(retry)
    es?.close()
  }
}

/** Whether the bridge can send requests to the organisation's CA (CA_URL). */
export function enrolmentInfo(): Promise<EnrolmentInfo> {
  return requestJson(EnrolmentInfo, { method: 'GET', path: routes.enrolment.path })
}

/** Send a PKCS#10 request (PEM) to the organisation's CA through the bridge (the registration authority). */
export function enrol(csr: string): Promise<EnrolResponse> {
  return requestJson(EnrolResponse, { method: 'POST', path: routes.enrol.path, json: { csr }, csrf: true })
}

/** Certificates the directory publishes for these addresses (public data; the app validates them). */
export function lookupDirectory(addresses: string[]): Promise<DirectoryLookupResponse> {
  return requestJson(DirectoryLookupResponse, { method: 'POST', path: routes.directory.path, json: { addresses }, csrf: true })
}

/** The organisation's rules (POLICY_FILE on the bridge; none when unset). */
export function getPolicy(): Promise<PolicyResponse> {
  return requestJson(PolicyResponse, { method: 'GET', path: routes.policy.path })
}
