/**
 * Failed CRL fetches, remembered per URL with an exponential back-off (1 min, doubling,
 * at most 1 h): a CRL server that is down (or a URL that never was one) is not asked
 * again on every open of every message that names it, by every user. Shared by all
 * sessions of this bridge; a success forgets the URL.
 */
import { BridgeError } from '../errors'

const FIRST_MS = 60_000
const MAX_MS = 3_600_000
const MAX_URLS = 10_000

export class CrlBackoff {
  private failures = new Map<string, { count: number; until: number; error: BridgeError }>()
  constructor(private readonly now: () => number = Date.now) {}

  /** Throws the last failure again while the URL is backing off. */
  check(url: string): void {
    const f = this.failures.get(url)
    if (f && this.now() < f.until) throw new BridgeError(f.error.code, `${f.error.message} (not asked again for ${Math.ceil((f.until - this.now()) / 1000)} s)`)
  }

  failed(url: string, error: BridgeError): void {
    const count = (this.failures.get(url)?.count ?? 0) + 1
    if (!this.failures.has(url) && this.failures.size >= MAX_URLS) this.failures.delete(this.failures.keys().next().value!)
    this.failures.set(url, { count, until: this.now() + Math.min(MAX_MS, FIRST_MS * 2 ** (count - 1)), error })
  }

  succeeded(url: string): void {
    this.failures.delete(url)
  }
}
