/**
 * The arithmetic and bookkeeping of a windowed message list (issue 12, big folders): a
 * folder is a sequence of `total` rows, newest first, cut into fixed blocks of
 * `BLOCK_SIZE` rows. Block b is exactly the bridge's page b + 1 of that page size
 * (contract/messages.ts: page 1 holds the newest), so the list route needs no range
 * parameter of its own, and search pages the same way.
 *
 * Only the blocks near what is on screen are kept (a bounded LRU cache), and only the
 * blocks still wanted are fetched: a block scrolled past before its turn is never asked
 * for, and one in flight when it stops being wanted is aborted. Pure TypeScript, no Vue:
 * the store wraps it in a shallowRef so that 50,000 rows never become reactive objects.
 */

/** Rows per block: one bridge page (the same size as the first page has always been). */
export const BLOCK_SIZE = 50
/** Blocks kept at most (2,000 rows); the ones on screen and the selected one always stay. */
export const CACHE_BLOCKS = 40
/** Requests in flight at most: the session has one IMAP connection, which answers in turn. */
export const CONCURRENCY = 2

/** Inclusive range of row indexes (0 = newest). */
export interface RowRange {
  first: number
  last: number
}

export const blockOf = (row: number, size = BLOCK_SIZE): number => Math.floor(row / size)

/** The 1-based bridge page that holds block `b`. */
export const pageOfBlock = (b: number): number => b + 1

/**
 * Rows to draw for a scroll position: those that intersect the viewport, plus `margin`
 * rows either side, clamped to the folder. Null for an empty folder or before the row
 * height is known.
 */
export function rowsInView(scrollTop: number, viewport: number, rowHeight: number, total: number, margin = 0): RowRange | null {
  if (total <= 0 || rowHeight <= 0) return null
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight)
  const last = Math.ceil((Math.max(0, scrollTop) + Math.max(viewport, rowHeight)) / rowHeight) - 1
  const lo = Math.min(total - 1, Math.max(0, first - margin))
  const hi = Math.min(total - 1, Math.max(lo, last + margin))
  return { first: lo, last: hi }
}

/**
 * Blocks holding the rows of `range`, nearest the middle of the range first (the order to
 * fetch them in: what is on screen before the margin).
 */
export function blocksFor(range: RowRange | null, total: number, size = BLOCK_SIZE): number[] {
  if (!range || total <= 0) return []
  const first = Math.max(0, Math.min(range.first, total - 1))
  const last = Math.max(first, Math.min(range.last, total - 1))
  const mid = (first + last) / 2 / size
  const out: number[] = []
  for (let b = blockOf(first, size); b <= blockOf(last, size); b++) out.push(b)
  return out.sort((a, b) => Math.abs(a + 0.5 - mid) - Math.abs(b + 0.5 - mid) || a - b)
}

/**
 * scrollTop that brings `row` into view with the least movement (like scrollIntoView's
 * block: 'nearest'); the same scrollTop when it is already fully visible.
 */
export function scrollToShow(row: number, scrollTop: number, viewport: number, rowHeight: number): number {
  const top = row * rowHeight
  const bottom = top + rowHeight
  if (top < scrollTop) return top
  if (bottom > scrollTop + viewport) return Math.max(0, bottom - viewport)
  return scrollTop
}

/**
 * Loaded blocks, least recently used first out. A block is `stale` after the folder
 * changed (new mail shifts every row by one): its rows are still drawn, so nothing
 * flickers, but it counts as not loaded until its fresh copy replaces it.
 */
export class BlockCache<T> {
  private blocks = new Map<number, { rows: readonly T[]; stale: boolean }>()

  constructor(
    readonly max = CACHE_BLOCKS,
    readonly size = BLOCK_SIZE,
  ) {}

  get count(): number {
    return this.blocks.size
  }

  /** Loaded and fresh (no need to fetch it). */
  has(b: number): boolean {
    const e = this.blocks.get(b)
    return e !== undefined && !e.stale
  }

  /** Store a block, then drop the least recently used ones beyond `max`, never one in `keep`. */
  set(b: number, rows: readonly T[], keep: ReadonlySet<number> = new Set()): void {
    this.blocks.delete(b)
    this.blocks.set(b, { rows, stale: false })
    for (const k of this.blocks.keys()) {
      if (this.blocks.size <= this.max) break
      if (k !== b && !keep.has(k)) this.blocks.delete(k)
    }
  }

  /** Mark as used now (blocks on screen), so they are the last to go. */
  touch(b: number): void {
    const e = this.blocks.get(b)
    if (!e) return
    this.blocks.delete(b)
    this.blocks.set(b, e)
  }

  rowAt(i: number): T | null {
    return this.blocks.get(blockOf(i, this.size))?.rows[i % this.size] ?? null
  }

  /** Index in the folder of the first loaded row that matches, or -1. */
  findIndex(pred: (row: T) => boolean): number {
    for (const [b, e] of this.blocks) {
      const j = e.rows.findIndex(pred)
      if (j >= 0) return b * this.size + j
    }
    return -1
  }

  find(pred: (row: T) => boolean): T | null {
    const i = this.findIndex(pred)
    return i < 0 ? null : this.rowAt(i)
  }

  /** Replace the loaded row that matches (an updated copy: rows are never mutated). */
  replace(pred: (row: T) => boolean, update: (row: T) => T): boolean {
    for (const e of this.blocks.values()) {
      const j = e.rows.findIndex(pred)
      if (j < 0) continue
      const rows = e.rows.slice()
      rows[j] = update(rows[j]!)
      e.rows = rows
      return true
    }
    return false
  }

  /** Take a row out (moved or deleted): later rows of its block move up one. */
  remove(pred: (row: T) => boolean): boolean {
    for (const e of this.blocks.values()) {
      const j = e.rows.findIndex(pred)
      if (j < 0) continue
      e.rows = e.rows.filter((_, k) => k !== j)
      return true
    }
    return false
  }

  /**
   * The folder changed under the cache: keep only `visible` blocks, marked stale (still
   * drawn, fetched again); every other block would be at the wrong offset.
   */
  invalidate(visible: ReadonlySet<number>): void {
    for (const [b, e] of this.blocks) {
      if (visible.has(b)) e.stale = true
      else this.blocks.delete(b)
    }
  }

  clear(): void {
    this.blocks.clear()
  }
}

export interface BlockAnswer<T> {
  total: number
  rows: T[]
}
export type FetchBlock<T> = (b: number, signal: AbortSignal) => Promise<BlockAnswer<T>>

/**
 * Fetches the blocks that are wanted, at most `concurrency` at a time, in the order they
 * are wanted. `want` replaces the wish list: blocks no longer on it are skipped, and
 * aborted when in flight, unless someone awaits them through `load` (j/k moving onto a row
 * that is not loaded yet).
 */
export class BlockLoader<T> {
  private wanted: number[] = []
  private inflight = new Map<number, AbortController>()
  private waiters = new Map<number, Array<(ok: boolean) => void>>()

  constructor(
    private readonly fetchBlock: FetchBlock<T>,
    private readonly isLoaded: (b: number) => boolean,
    private readonly onLoaded: (b: number, answer: BlockAnswer<T>) => void,
    private readonly onError: (b: number, e: unknown) => void,
    readonly concurrency = CONCURRENCY,
  ) {}

  /** Blocks in flight now (for tests and the bench's curiosity). */
  get pending(): number[] {
    return [...this.inflight.keys()]
  }

  want(blocks: readonly number[]): void {
    this.wanted = [...blocks]
    for (const [b, c] of this.inflight) {
      if (!this.wanted.includes(b) && !this.waiters.has(b)) {
        c.abort()
        this.inflight.delete(b)
      }
    }
    this.pump()
  }

  /** Resolves true once block `b` is loaded (fetching it first of all), false if it could not be. */
  load(b: number): Promise<boolean> {
    if (this.isLoaded(b)) return Promise.resolve(true)
    return new Promise((resolve) => {
      this.waiters.set(b, [...(this.waiters.get(b) ?? []), resolve])
      this.pump()
    })
  }

  /** Forget everything in flight (another folder, another search, or the folder changed). */
  reset(): void {
    for (const c of this.inflight.values()) c.abort()
    this.inflight.clear()
    this.wanted = []
    const waiting = [...this.waiters.values()].flat()
    this.waiters.clear()
    for (const w of waiting) w(false)
  }

  private settle(b: number, ok: boolean): void {
    const ws = this.waiters.get(b)
    this.waiters.delete(b)
    for (const w of ws ?? []) w(ok)
  }

  private pump(): void {
    // Awaited blocks first: a key press is waiting for them.
    const order = [...new Set([...this.waiters.keys(), ...this.wanted])]
    for (const b of order) {
      if (this.inflight.size >= this.concurrency) return
      if (this.inflight.has(b)) continue
      if (this.isLoaded(b)) {
        this.settle(b, true)
        continue
      }
      this.start(b)
    }
  }

  private start(b: number): void {
    const c = new AbortController()
    this.inflight.set(b, c)
    this.fetchBlock(b, c.signal).then(
      (answer) => {
        if (this.inflight.get(b) !== c) return
        this.inflight.delete(b)
        this.onLoaded(b, answer)
        this.settle(b, true)
        this.pump()
      },
      (e: unknown) => {
        if (this.inflight.get(b) !== c) return
        this.inflight.delete(b)
        this.onError(b, e)
        this.settle(b, false)
        this.pump()
      },
    )
  }
}
