/**
 * The CA, as the registration authority talks to it: a CFSSL server (cfssl serve).
 * Signing goes through `authsign` (CFSSL's authenticated signing API): the sign request
 * is sent as bytes with an HMAC-SHA256 token over them, keyed with the hex key of the
 * CA's auth_key (CA_AUTH_KEY), so only the bridge can make the CA sign with its
 * profiles. The CA's own certificate comes from `info` once and is kept.
 *
 * Nothing the CA says goes back to the browser but the certificates: CFSSL's error
 * messages are logged (warn) and the answer is a plain ca_refused. The issued certificate
 * is checked before anyone sees it: it carries the request's key, names exactly the
 * address the RA vouched for, and is signed by the CA's certificate.
 */
import { createHmac, X509Certificate } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { BridgeConfig } from '../config'
import { BridgeError } from '../errors'
import { certificateCommonName } from './asn1'
import type { Csr } from './csr'
import { pemToDer } from './pem'

export type CaConfig = NonNullable<BridgeConfig['ca']>

/** How long a sign request may take (the CA signs with its key; a few seconds at worst). */
export const CA_TIMEOUT_MS = 15_000
/** How long the enrolment info waits for the CA's name before showing its host instead. */
const NAME_TIMEOUT_MS = 3_000
const MAX_ANSWER_BYTES = 1024 * 1024

export interface Issued {
  /** The new certificate, DER. */
  certificate: Buffer
  /** The CA's certificate(s), DER, issuer first. */
  chain: Buffer[]
  profile: string
  serial: string
}

interface Log {
  warn(obj: object, msg: string): void
}

const unavailable = () => new BridgeError('ca_unavailable', 'The certificate authority cannot be reached right now. Try again in a few minutes.')
const tooSlow = () => new BridgeError('ca_unavailable', 'The certificate authority did not answer in time. Try again in a few minutes.', {}, 504)
const refused = () => new BridgeError('ca_refused', 'The certificate authority refused the request. Try again later; if it keeps refusing, ask your administrator (the reason is in the server log).')

/**
 * What CFSSL can sign, beyond what the RA checks: CFSSL (1.2.0) checks a request's
 * signature itself and knows RSASSA-PKCS1-v1_5 and ECDSA only, so an RSA-PSS request,
 * though its signature verifies, is refused here as csr_invalid (the client can act on
 * it) rather than by the CA as ca_refused.
 */
export function checkCfsslAccepts(csr: Csr): void {
  if (csr.signature === 'rsa-pss') {
    throw new BridgeError('csr_invalid', 'The certificate authority does not accept RSA-PSS-signed requests. Sign the request with RSASSA-PKCS1-v1_5 (or use an EC key).')
  }
}

export class CfsslClient {
  private caCertificate: Promise<Buffer> | null = null

  constructor(
    private readonly ca: CaConfig,
    private readonly o: { timeoutMs?: number } = {},
  ) {}

  /** The CA's display name: its certificate's CN, or its host while that is unknown. */
  async displayName(): Promise<string> {
    try {
      const cn = certificateCommonName(await this.caCert(false, Math.min(NAME_TIMEOUT_MS, this.timeout)))
      if (cn) return cn
    } catch {}
    return new URL(this.ca.url).hostname
  }

  /** Has the CA sign `csr` for `address` with the profile of its key type. */
  async sign(csr: Csr, address: string, log?: Log): Promise<Issued> {
    // The CA's certificate first (usually kept from before): a CA that cannot say who it
    // is fails the enrolment before it signs anything.
    let ca = await this.caCert(false, this.timeout, log)
    const profile = csr.keyType === 'ec' ? this.ca.profiles.ec : this.ca.profiles.rsa
    // The names are the proven address only, whatever the request says (it was checked
    // to say just that): hosts become the subjectAltName, subject.CN the CN.
    const request = Buffer.from(JSON.stringify({ certificate_request: csr.pem, hosts: [address], profile, subject: { CN: address } }))
    const token = createHmac('sha256', Buffer.from(this.ca.authKey, 'hex')).update(request).digest()
    const result = await this.call('/api/v1/cfssl/authsign', { token: token.toString('base64'), request: request.toString('base64') }, this.timeout, log)
    const der = pemToDer(String((result as { certificate?: unknown })?.certificate ?? ''), ['CERTIFICATE'])
    let issued: X509Certificate | null = null
    try {
      issued = der && new X509Certificate(der)
    } catch {}
    if (!der || !issued) {
      log?.warn({ ca: 'authsign' }, 'the CA answered success without a readable certificate')
      throw refused()
    }
    const problem = checkIssued(issued, csr, address)
    if (problem) {
      log?.warn({ ca: 'authsign', serial: issued.serialNumber, problem }, 'the CA issued a certificate the registration authority did not ask for; not handed out')
      throw refused()
    }
    if (!signedBy(issued, ca)) {
      // The CA's certificate may have changed since it was fetched (a new CA key).
      ca = await this.caCert(true, this.timeout, log)
      if (!signedBy(issued, ca)) {
        log?.warn({ ca: 'authsign', serial: issued.serialNumber }, "the issued certificate is not signed by the CA's certificate (info); not handed out")
        throw refused()
      }
    }
    return { certificate: der, chain: [ca], profile, serial: issued.serialNumber }
  }

  private get timeout(): number {
    return this.o.timeoutMs ?? CA_TIMEOUT_MS
  }

  private caCert(refresh: boolean, timeoutMs: number, log?: Log): Promise<Buffer> {
    if (refresh || !this.caCertificate) {
      const p = this.call('/api/v1/cfssl/info', {}, timeoutMs, log).then((result) => {
        const der = pemToDer(String((result as { certificate?: unknown })?.certificate ?? ''), ['CERTIFICATE'])
        if (!der) {
          log?.warn({ ca: 'info' }, "the CA's info has no readable certificate")
          throw refused()
        }
        return der
      })
      this.caCertificate = p
      // A failure is not kept: the next request asks again.
      p.catch(() => {
        if (this.caCertificate === p) this.caCertificate = null
      })
    }
    return this.caCertificate!
  }

  /** POSTs JSON to the CA and returns CFSSL's `result` when `success`; else ca_refused / ca_unavailable. */
  private async call(path: string, body: unknown, timeoutMs: number, log?: Log): Promise<unknown> {
    const { status, text } = await post(new URL(this.ca.url + path), JSON.stringify(body), timeoutMs)
    const answer = parseAnswer(text)
    if (status === 200 && answer?.success === true) return answer.result
    const errors = Array.isArray(answer?.errors) ? answer.errors.slice(0, 3).map((e) => `${String(e?.code)}: ${String(e?.message).slice(0, 200)}`) : []
    log?.warn({ ca: path, status, errors }, 'the CA refused')
    throw refused()
  }
}

interface CfsslAnswer {
  success?: unknown
  result?: unknown
  errors?: { code?: unknown; message?: unknown }[]
}

function parseAnswer(text: string): CfsslAnswer | null {
  try {
    const v: unknown = JSON.parse(text)
    return v && typeof v === 'object' ? (v as CfsslAnswer) : null
  } catch {
    return null
  }
}

/** Why an issued certificate is not what was asked for, or null when it is. */
function checkIssued(cert: X509Certificate, csr: Csr, address: string): string | null {
  if (!cert.publicKey.export({ type: 'spki', format: 'der' }).equals(csr.spki)) return 'another public key than the request'
  const names = (cert.subjectAltName ?? '').split(/,\s*/).filter(Boolean)
  if (names.length === 0 || names.some((n) => n.toLowerCase() !== `email:${address.toLowerCase()}`)) return `subjectAltName is not just email:<the address> (${names.length} names)`
  if (cert.ca) return 'a CA certificate'
  return null
}

function signedBy(cert: X509Certificate, caDer: Buffer): boolean {
  try {
    const ca = new X509Certificate(caDer)
    return cert.checkIssued(ca) && cert.verify(ca.publicKey)
  } catch {
    return false
  }
}

function post(url: URL, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Cachet-RA' } },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_ANSWER_BYTES) {
            res.destroy()
            reject(refused())
          } else chunks.push(c)
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', () => reject(unavailable()))
      },
    )
    const timer = setTimeout(() => {
      req.destroy()
      reject(tooSlow())
    }, timeoutMs)
    req.on('close', () => clearTimeout(timer))
    req.on('error', () => reject(unavailable()))
    req.end(body)
  })
}
