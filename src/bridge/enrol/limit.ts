/**
 * Enrolments per account in a sliding window: each one makes the CA sign, so an account
 * (not a session: signing in again does not reset it) gets `max` per window. Kept in
 * this process's memory; behind a load balancer each instance counts its own.
 */
import { BridgeError } from '../errors'

export interface EnrolLimitOptions {
  windowMs: number
  max: number
  /** The 429's words for a wait of `seconds` (default: about certificate requests). */
  refusal?: (seconds: number) => string
}

export class EnrolLimits {
  private readonly hits = new Map<string, number[]>()
  private lastSweep: number

  constructor(
    private readonly o: EnrolLimitOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.lastSweep = now()
  }

  /**
   * Counts an enrolment of `account`, or throws 429 rate_limited with Retry-After.
   * Returns `release`, for an enrolment that never reached the CA (it then does not count).
   */
  take(account: string): () => void {
    const now = this.now()
    this.sweep(now)
    const live = (this.hits.get(account) ?? []).filter((t) => now - t < this.o.windowMs)
    if (live.length >= this.o.max) {
      this.hits.set(account, live)
      const wait = Math.max(1, Math.ceil((live[0]! + this.o.windowMs - now) / 1000))
      const text = this.o.refusal?.(wait) ?? `Too many certificate requests for this account. Wait ${Math.ceil(wait / 60)} minute(s) and try again.`
      throw new BridgeError('rate_limited', text, {
        'retry-after': String(wait),
      })
    }
    live.push(now)
    this.hits.set(account, live)
    return () => {
      const list = this.hits.get(account)
      const i = list?.indexOf(now) ?? -1
      if (list && i >= 0) list.splice(i, 1)
    }
  }

  /** Accounts held, for tests of the sweep. */
  get size(): number {
    return this.hits.size
  }

  /** Once per window, forgets accounts whose enrolments all left it. */
  private sweep(now: number): void {
    if (now - this.lastSweep < this.o.windowMs) return
    this.lastSweep = now
    for (const [account, list] of this.hits) if (!list.some((t) => now - t < this.o.windowMs)) this.hits.delete(account)
  }
}
