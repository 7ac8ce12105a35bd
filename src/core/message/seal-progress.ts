/**
 * Progress of sealMessage, for a bar that moves steadily from 0 to 1 on a large message
 * (issue #4: "sealing runs in the worker with progress shown").
 *
 * Sealing is a fixed sequence of steps known before the first byte is touched (prepare
 * the entity; hash it to sign; encrypt and base64-encode it). Each step gets a budget of
 * work units: its bytes times what a byte costs in that step, so a step that takes a third
 * of the time fills a third of the bar. Reports are cumulative over all steps (`done`
 * never decreases, `total` never changes, the last report has done === total), and come
 * at a bounded rate: at each step's start, then at most once per REPORT_EVERY of the
 * total, never per cipher block. A step that is one native call (WebCrypto digest, AES-GCM)
 * can only be reported at its start and end; the budgets keep the bar honest about it.
 */

/** What the seal is doing now, for the words next to the bar. */
export type SealPhase = 'preparing' | 'signing' | 'encrypting' | 'encoding'

export interface SealProgress {
  phase: SealPhase
  /** Work units done so far (bytes weighted by their step's cost); never decreases. */
  done: number
  /** Work units of the whole seal; the same in every report. */
  total: number
}

export type SealProgressListener = (p: SealProgress) => void

/**
 * Relative cost of one byte in each step, from a 20–25 MiB attachment sealed in
 * Chromium's crypto worker (the app's path; the e2e test prints the timeline):
 * canonicalizing the draft (splitDraft) and checking recipients ≈ 4, SHA-256 ≈ 1.5,
 * AES-CBC in 2 MiB slices ≈ 6, AES-GCM in one call ≈ 3, base64 into lines ≈ 3.
 * Node spends relatively more on preparing and less on encrypting; the bar there
 * still moves, a little less evenly.
 */
export const SEAL_COST = { prepare: 4, hash: 1.5, cbc: 6, gcm: 3, base64: 3 } as const

/** Reports within a step come at most once per this fraction of the total. */
const REPORT_EVERY = 1 / 200

export interface SealStep {
  phase: SealPhase
  /** Budget in work units (bytes × cost). */
  work: number
}

/**
 * Turns "step k is x of y along" into cumulative, rate-bounded reports. Steps are
 * entered in order with next(); a step left early still counts as complete.
 */
export class SealMeter {
  readonly total: number
  private readonly budgets: number[]
  private step = -1
  private base = 0
  private last = 0
  private readonly every: number

  constructor(
    private readonly steps: readonly SealStep[],
    private readonly listener: SealProgressListener,
  ) {
    this.budgets = steps.map((s) => Math.max(1, Math.round(s.work)))
    this.total = this.budgets.reduce((a, b) => a + b, 0)
    this.every = Math.max(1, Math.floor(this.total * REPORT_EVERY))
  }

  /** Enter the next step (the previous one counts as done) and report its start. */
  next(): void {
    if (this.step >= 0) this.base += this.budgets[this.step]!
    this.step++
    if (this.step >= this.steps.length) throw new RangeError('SealMeter: more steps than planned')
    this.emit(this.base)
  }

  /** Within the current step: `done` of `of` (in the step's own unit, e.g. bytes). */
  within(done: number, of: number): void {
    const budget = this.budgets[this.step]!
    const at = this.base + (of > 0 ? Math.floor((budget * Math.min(done, of)) / of) : budget)
    if (at - this.last >= this.every) this.emit(at)
  }

  /** Everything done: the final report, done === total. */
  end(): void {
    this.step = this.steps.length - 1
    this.emit(this.total)
  }

  private emit(done: number): void {
    // Never backwards, whatever the caller does.
    if (done < this.last) done = this.last
    this.last = done
    this.listener({ phase: this.steps[this.step]!.phase, done, total: this.total })
  }
}

/** Feed `bytes` to `write` in pieces of at most `piece` bytes, reporting after each. */
export function writeInPieces(bytes: Uint8Array, write: (b: Uint8Array) => void, after: (n: number) => void, piece = 1024 * 1024): void {
  for (let o = 0; o < bytes.length; o += piece) {
    const end = Math.min(o + piece, bytes.length)
    write(bytes.subarray(o, end))
    after(end - o)
  }
}
