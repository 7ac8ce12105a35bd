/** Byte helpers shared by every core module. Pure; no Node Buffer. */

const te = new TextEncoder()
const tdUtf8 = new TextDecoder('utf-8')

export function utf8(s: string): Uint8Array {
  return te.encode(s)
}

export function fromUtf8(b: Uint8Array): string {
  return tdUtf8.decode(b)
}

/** Bytes to a string one char per byte (for header/boundary scanning without decoding). */
export function latin1(b: Uint8Array, start = 0, end = b.length): string {
  let s = ''
  const CHUNK = 0x8000
  for (let i = start; i < end; i += CHUNK) {
    s += String.fromCharCode.apply(null, b.subarray(i, Math.min(i + CHUNK, end)) as unknown as number[])
  }
  return s
}

export function fromLatin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0
  for (const p of parts) n += p.length
  const out = new Uint8Array(n)
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Comparison whose time does not depend on where the inputs differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length
  const n = Math.max(a.length, b.length)
  for (let i = 0; i < n; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}

export function toHex(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16)
  return s
}

export function fromHex(h: string): Uint8Array {
  const clean = h.replace(/[\s:]/g, '')
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) throw new TypeError('not a hex string')
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16)
  return out
}

/** A standalone ArrayBuffer holding exactly these bytes (WebCrypto and PKI.js want one). */
export function toArrayBuffer(b: Uint8Array): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer
  return b.slice().buffer as ArrayBuffer
}

export function asBytes(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (b instanceof Uint8Array) return b
  if (b instanceof ArrayBuffer) return new Uint8Array(b)
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
}
