import { describe, expect, it } from 'vitest'
import { BlockCache, BlockLoader, blocksFor, pageOfBlock, rowsInView, scrollToShow, type BlockAnswer } from '../../../../src/web/list/blocks'

/** A fetch whose answers the test gives by hand, in any order: no timing involved. */
function manualFetch() {
  const calls: Array<{ b: number; signal: AbortSignal; resolve: (a: BlockAnswer<number>) => void; reject: (e: unknown) => void }> = []
  const fetch = (b: number, signal: AbortSignal) =>
    new Promise<BlockAnswer<number>>((resolve, reject) => {
      calls.push({ b, signal, resolve, reject })
    })
  return { calls, fetch }
}
const rowsOf = (b: number, size = 10) => Array.from({ length: size }, (_, j) => b * size + j)
const flush = () => new Promise<void>((r) => setTimeout(r, 0))

describe('list/blocks: rows on screen', () => {
  it('draws the rows that intersect the viewport, plus the margin, clamped to the folder', () => {
    expect(rowsInView(0, 600, 60, 50_000)).toEqual({ first: 0, last: 9 })
    expect(rowsInView(0, 600, 60, 50_000, 10)).toEqual({ first: 0, last: 19 })
    // Half a row cut at the top and at the bottom: both drawn.
    expect(rowsInView(30, 600, 60, 50_000)).toEqual({ first: 0, last: 10 })
    // Scrolled to the very end of 50,000 rows: the oldest is the last drawn.
    expect(rowsInView(50_000 * 60 - 600, 600, 60, 50_000, 10)).toEqual({ first: 49_980, last: 49_999 })
    expect(rowsInView(0, 600, 60, 3, 10)).toEqual({ first: 0, last: 2 })
  })
  it('draws nothing for an empty folder or an unknown row height', () => {
    expect(rowsInView(0, 600, 60, 0)).toBeNull()
    expect(rowsInView(0, 600, 0, 10)).toBeNull()
  })
  it('maps blocks to the bridge pages that hold them (page 1 = newest)', () => {
    expect(pageOfBlock(0)).toBe(1)
    expect(pageOfBlock(999)).toBe(1000)
  })
  it('lists the blocks of a range, the middle first', () => {
    expect(blocksFor({ first: 0, last: 19 }, 100, 10)).toEqual([0, 1])
    expect(blocksFor({ first: 5, last: 34 }, 100, 10)).toEqual([1, 2, 0, 3])
    expect(blocksFor({ first: 95, last: 120 }, 100, 10)).toEqual([9])
    expect(blocksFor(null, 100, 10)).toEqual([])
  })
  it('scrolls the least that shows a row, and not at all when it is visible', () => {
    expect(scrollToShow(5, 0, 600, 60)).toBe(0)
    expect(scrollToShow(10, 0, 600, 60)).toBe(60)
    expect(scrollToShow(3, 600, 600, 60)).toBe(180)
    expect(scrollToShow(49_999, 0, 600, 60)).toBe(49_999 * 60 + 60 - 600)
  })
})

describe('list/blocks: BlockCache', () => {
  it('finds rows by folder index and by content across blocks', () => {
    const c = new BlockCache<number>(4, 10)
    c.set(0, rowsOf(0))
    c.set(7, rowsOf(7))
    expect(c.rowAt(3)).toBe(3)
    expect(c.rowAt(75)).toBe(75)
    expect(c.rowAt(15)).toBeNull()
    expect(c.findIndex((r) => r === 72)).toBe(72)
    expect(c.find((r) => r === 1000)).toBeNull()
  })
  it('keeps at most max blocks, dropping the least recently used but never one to keep', () => {
    const c = new BlockCache<number>(3, 10)
    c.set(0, rowsOf(0))
    c.set(1, rowsOf(1))
    c.set(2, rowsOf(2))
    c.touch(0)
    c.set(3, rowsOf(3))
    expect([0, 1, 2, 3].map((b) => c.has(b))).toEqual([true, false, true, true])
    c.set(4, rowsOf(4), new Set([2, 0]))
    expect(c.count).toBe(3)
    expect([0, 2, 3, 4].map((b) => c.has(b))).toEqual([true, true, false, true])
  })
  it('never holds more than max blocks while scrolling through 50,000 rows', () => {
    const c = new BlockCache<number>(40, 50)
    let most = 0
    for (let b = 0; b < 1000; b++) {
      c.set(b, rowsOf(b, 50), new Set([b - 1, b]))
      most = Math.max(most, c.count)
    }
    expect(most).toBe(40)
  })
  it('replaces a row with an updated copy and removes a row, moving its block up', () => {
    const c = new BlockCache<number>(4, 10)
    const original = rowsOf(0)
    c.set(0, original)
    expect(c.replace((r) => r === 4, (r) => r + 1000)).toBe(true)
    expect(c.rowAt(4)).toBe(1004)
    expect(original[4]).toBe(4)
    expect(c.remove((r) => r === 2)).toBe(true)
    expect(c.rowAt(2)).toBe(3)
    expect(c.rowAt(9)).toBeNull()
    expect(c.replace((r) => r === 99, (r) => r)).toBe(false)
  })
  it('after a change keeps the visible blocks drawn but stale, and drops the rest', () => {
    const c = new BlockCache<number>(4, 10)
    c.set(0, rowsOf(0))
    c.set(1, rowsOf(1))
    c.invalidate(new Set([0]))
    expect(c.has(0)).toBe(false)
    expect(c.rowAt(3)).toBe(3)
    expect(c.rowAt(13)).toBeNull()
    c.set(0, rowsOf(0))
    expect(c.has(0)).toBe(true)
  })
})

describe('list/blocks: BlockLoader', () => {
  function setup(concurrency = 2) {
    const cache = new BlockCache<number>(10, 10)
    const f = manualFetch()
    const loaded: number[] = []
    const errors: number[] = []
    const loader = new BlockLoader<number>(f.fetch, (b) => cache.has(b), (b, a) => {
      cache.set(b, a.rows)
      loaded.push(b)
    }, (b) => errors.push(b), concurrency)
    return { cache, f, loaded, errors, loader }
  }

  it('fetches wanted blocks in order, at most `concurrency` at a time', async () => {
    const { f, loader, loaded } = setup(2)
    loader.want([5, 4, 6])
    expect(f.calls.map((c) => c.b)).toEqual([5, 4])
    f.calls[0]!.resolve({ total: 100, rows: rowsOf(5) })
    await flush()
    expect(loaded).toEqual([5])
    expect(f.calls.map((c) => c.b)).toEqual([5, 4, 6])
  })

  it('skips blocks scrolled past before their turn and aborts those in flight', async () => {
    const { f, loader, loaded } = setup(2)
    loader.want([0, 1, 2, 3])
    // Scrolled straight to the end: only the last block is wanted now.
    loader.want([999])
    expect(f.calls.map((c) => [c.b, c.signal.aborted])).toEqual([[0, true], [1, true], [999, false]])
    // A late answer for an aborted block is ignored.
    f.calls[0]!.resolve({ total: 100, rows: rowsOf(0) })
    f.calls[2]!.resolve({ total: 100, rows: rowsOf(999) })
    await flush()
    expect(loaded).toEqual([999])
    expect(f.calls.some((c) => c.b === 2 || c.b === 3)).toBe(false)
  })

  it('does not fetch what is loaded, nor twice what is in flight', async () => {
    const { f, loader, cache } = setup(2)
    cache.set(3, rowsOf(3))
    loader.want([3, 4])
    loader.want([3, 4])
    expect(f.calls.map((c) => c.b)).toEqual([4])
  })

  it('load() fetches an awaited block first, keeps it when it leaves the wish list, and resolves when it is in', async () => {
    const { f, loader, cache } = setup(1)
    loader.want([0])
    const done = loader.load(1)
    loader.want([7])
    // Block 0 was aborted; the awaited block 1 goes before the wanted block 7.
    expect(f.calls.map((c) => [c.b, c.signal.aborted])).toEqual([[0, true], [1, false]])
    f.calls[1]!.resolve({ total: 100, rows: rowsOf(1) })
    expect(await done).toBe(true)
    expect(cache.rowAt(15)).toBe(15)
    expect(f.calls.map((c) => c.b)).toEqual([0, 1, 7])
    expect(await loader.load(1)).toBe(true)
  })

  it('reports errors, resolves waiters with false, and reset() forgets everything', async () => {
    const { f, loader, errors } = setup(2)
    const waiting = loader.load(2)
    f.calls[0]!.reject(new Error('down'))
    expect(await waiting).toBe(false)
    expect(errors).toEqual([2])
    loader.want([3])
    const w = loader.load(4)
    loader.reset()
    expect(await w).toBe(false)
    expect(f.calls.slice(1).every((c) => c.signal.aborted)).toBe(true)
    expect(loader.pending).toEqual([])
  })
})
