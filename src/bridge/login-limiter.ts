/**
 * Sign-in rate limits (OWASP authentication guidance): attempts per client IP, and
 * failed attempts per account, in a sliding window. A success clears the account's
 * failures. Limits are checked before the IMAP LOGIN, so a limited client costs the
 * mail server nothing.
 */
export class LoginLimiter {
  private readonly ip = new Map<string, number[]>()
  private readonly account = new Map<string, number[]>()

  constructor(private readonly o: { windowMs: number; perIp: number; perAccountFailures: number }) {}

  /** Seconds to wait when limited, else 0. Counts this attempt against the IP. */
  check(ip: string, email: string): number {
    const now = Date.now()
    const ipHits = this.prune(this.ip, ip, now)
    const accHits = this.prune(this.account, email, now)
    if (ipHits.length >= this.o.perIp) return this.retryAfter(ipHits, now)
    if (accHits.length >= this.o.perAccountFailures) return this.retryAfter(accHits, now)
    ipHits.push(now)
    this.ip.set(ip, ipHits)
    return 0
  }

  failed(email: string): void {
    const hits = this.prune(this.account, email, Date.now())
    hits.push(Date.now())
    this.account.set(email, hits)
  }

  succeeded(email: string): void {
    this.account.delete(email)
  }

  private prune(m: Map<string, number[]>, key: string, now: number): number[] {
    const hits = (m.get(key) ?? []).filter((t) => now - t < this.o.windowMs)
    if (hits.length) m.set(key, hits)
    else m.delete(key)
    return hits
  }

  private retryAfter(hits: number[], now: number): number {
    return Math.max(1, Math.ceil((hits[0]! + this.o.windowMs - now) / 1000))
  }
}
