import { afterAll, describe, expect, it, vi } from 'vitest'

/**
 * The resumable decoder behind fromBase64Bytes (issue #5: the CMS header and the first
 * ciphertext slices are used while the rest is still base64). Both of its paths are
 * checked against a one-character-at-a-time reference: the table-driven loop (Node 20)
 * and the native setFromBase64 path (Chromium), the latter with a spec-following
 * stand-in for Uint8Array.prototype.setFromBase64 installed before the module loads.
 */

const ALPHA = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** What MIME readers do: skip anything outside the alphabet (base64url tolerated), stop at '='. */
function reference(b: Uint8Array): Uint8Array {
  const out: number[] = []
  let acc = 0
  let n = 0
  for (const c of b) {
    if (c === 61) break
    const ch = String.fromCharCode(c)
    const v = ch === '-' ? 62 : ch === '_' ? 63 : ALPHA.indexOf(ch)
    if (v < 0 || c > 127) continue
    acc = (acc << 6) | v
    if (++n === 4) {
      out.push(acc >>> 16, (acc >>> 8) & 0xff, acc & 0xff)
      n = 0
      acc = 0
    }
  }
  if (n === 2) out.push(acc >>> 4)
  if (n === 3) out.push(acc >>> 10, (acc >>> 2) & 0xff)
  return new Uint8Array(out)
}

/** TC39 Uint8Array.prototype.setFromBase64 (lastChunkHandling 'loose' | 'stop-before-partial'), for inputs without '='. */
function setFromBase64(this: Uint8Array, s: string, o: { lastChunkHandling?: string } = {}): { read: number; written: number } {
  let written = 0
  let read = 0
  let chunk: number[] = []
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\f' || ch === '\r') continue
    const v = ALPHA.indexOf(ch)
    if (v < 0) throw new SyntaxError('not base64')
    chunk.push(v)
    if (chunk.length === 4) {
      const q = (chunk[0]! << 18) | (chunk[1]! << 12) | (chunk[2]! << 6) | chunk[3]!
      this[written++] = q >>> 16
      this[written++] = (q >>> 8) & 0xff
      this[written++] = q & 0xff
      chunk = []
      read = i + 1
    }
  }
  if (chunk.length === 0) return { read: s.length, written }
  if (o.lastChunkHandling === 'stop-before-partial') return { read, written }
  if (chunk.length === 1) throw new SyntaxError('lone character')
  const q = (chunk[0]! << 18) | (chunk[1]! << 12) | ((chunk[2] ?? 0) << 6)
  this[written++] = q >>> 16
  if (chunk.length === 3) this[written++] = (q >>> 8) & 0xff
  return { read: s.length, written }
}

/** Byte equality (toEqual walks a 3 MB array element by element for minutes). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length))
}

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

/** MIME-like base64 with line breaks, sometimes junk, base64url characters, a lone tail or '='. */
let cached: { s: Uint8Array; want: Uint8Array }[] | null = null
function samples(): { s: Uint8Array; want: Uint8Array }[] {
  if (cached) return cached
  const out: { s: Uint8Array; want: Uint8Array }[] = []
  const r = rng(7)
  for (const size of [0, 1, 2, 3, 5, 100, 4096, 300_000, 1_700_000]) {
    for (const flavour of ['clean', 'junk', 'url', 'lone', 'equals', 'space'] as const) {
      const data = new Uint8Array(size)
      for (let i = 0; i < size; i++) data[i] = (r() * 256) | 0
      let s = Buffer.from(data).toString('base64').replace(/.{76}/g, '$&\r\n')
      if (flavour === 'junk' && s.length > 10) s = s.slice(0, s.length >> 1) + '*!\x80' + s.slice(s.length >> 1)
      if (flavour === 'url') s = s.replace(/\+/g, '-').replace(/\//g, '_')
      if (flavour === 'lone') s = s.replace(/=+$/, '') + 'Q'
      if (flavour === 'equals' && s.length > 10) s = s.slice(0, (s.length * 2) / 3) + '=AAAA' + s.slice((s.length * 2) / 3)
      if (flavour === 'space') s = s.replace(/\r\n/g, ' \t\n')
      const bytes = Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff)
      out.push({ s: bytes, want: reference(bytes) })
    }
  }
  return (cached = out)
}

async function loadWith(native: boolean) {
  vi.resetModules()
  const proto = Uint8Array.prototype as unknown as { setFromBase64?: unknown }
  const had = Object.prototype.hasOwnProperty.call(proto, 'setFromBase64')
  if (native && !had) proto.setFromBase64 = setFromBase64
  if (!native && had) throw new Error('this runtime has setFromBase64: the loop path is not reachable here')
  return import('../../../src/core/util/base64')
}

afterAll(() => {
  delete (Uint8Array.prototype as unknown as { setFromBase64?: unknown }).setFromBase64
})

describe.each([
  ['table-driven loop', false],
  ['native setFromBase64 in slices', true],
])('Base64Decoder (%s)', (_name, native) => {
  it('decodes exactly what the reference decodes: whitespace, junk, base64url, lone tail, early =', async () => {
    const { Base64Decoder, fromBase64Bytes } = await loadWith(native)
    for (const { s, want } of samples()) {
      expect(same(fromBase64Bytes(s), want)).toBe(true)
      const d = new Base64Decoder(s)
      expect(same(d.out.subarray(0, d.finish()), want)).toBe(true)
    }
  })

  it('fill(n) decodes at least n bytes front to back, and what it has written never changes', async () => {
    const { Base64Decoder } = await loadWith(native)
    for (const { s, want } of samples()) {
      const d = new Base64Decoder(s)
      let prev = 0
      for (const step of [1, 3000, 500_000, 1 << 20, 2 << 20, Infinity]) {
        const w = d.fill(prev + step)
        expect(w).toBeGreaterThanOrEqual(Math.min(prev + step, want.length))
        expect(same(d.out.subarray(0, w), want.subarray(0, w))).toBe(true)
        prev = w
      }
      expect(d.done).toBe(true)
      expect(prev).toBe(want.length)
    }
  })

  it('writes into a buffer the caller gives, and refuses one too small', async () => {
    const { Base64Decoder } = await loadWith(native)
    const s = new TextEncoder().encode('QUJDRA==')
    const out = new Uint8Array(Base64Decoder.maxLength(s.length))
    const d = new Base64Decoder(s, out)
    expect(out.subarray(0, d.finish())).toEqual(new TextEncoder().encode('ABCD'))
    expect(() => new Base64Decoder(s, new Uint8Array(4))).toThrow(RangeError)
  })
})
