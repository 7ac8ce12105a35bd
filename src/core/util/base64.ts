/**
 * Base64 that is fast on large inputs: the platform's Uint8Array.fromBase64/toBase64
 * where it exists (Chromium), otherwise table-driven loops. Per-character atob/btoa
 * loops cost more than AES on a 25 MB message, so they are not used.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const ENC = new Uint8Array(64)
for (let i = 0; i < 64; i++) ENC[i] = ALPHABET.charCodeAt(i)
const DEC = new Int16Array(256).fill(-1)
for (let i = 0; i < 64; i++) DEC[ALPHABET.charCodeAt(i)] = i
DEC['-'.charCodeAt(0)] = 62 // base64url, tolerated on input
DEC['_'.charCodeAt(0)] = 63

type U8Static = { fromBase64?: (s: string, o?: object) => Uint8Array }
type U8Proto = { toBase64?: () => string }
const nativeFrom = (Uint8Array as unknown as U8Static).fromBase64
const nativeTo = (Uint8Array.prototype as unknown as U8Proto).toBase64

/** Encode without line breaks. */
export function toBase64(b: Uint8Array): string {
  if (nativeTo) return nativeTo.call(b)
  const out = new Uint8Array(Math.ceil(b.length / 3) * 4)
  let o = 0
  let i = 0
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!
    out[o++] = ENC[n >>> 18]!
    out[o++] = ENC[(n >>> 12) & 63]!
    out[o++] = ENC[(n >>> 6) & 63]!
    out[o++] = ENC[n & 63]!
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8)
    out[o++] = ENC[n >>> 18]!
    out[o++] = ENC[(n >>> 12) & 63]!
    out[o++] = i + 1 < b.length ? ENC[(n >>> 6) & 63]! : 61
    out[o] = 61
  }
  return asciiString(out)
}

/**
 * Encode as MIME body lines of `lineLength` characters joined by CRLF, with a final CRLF.
 * Built as bytes directly (no intermediate string splitting).
 */
export function toBase64Lines(b: Uint8Array, lineLength = 76): Uint8Array {
  const flat = toBase64(b)
  const lines = Math.ceil(flat.length / lineLength)
  const out = new Uint8Array(flat.length + lines * 2)
  let o = 0
  for (let i = 0; i < flat.length; i += lineLength) {
    const end = Math.min(i + lineLength, flat.length)
    for (let j = i; j < end; j++) out[o++] = flat.charCodeAt(j)
    out[o++] = 13
    out[o++] = 10
  }
  return out
}

/** Two base64 characters per 12 bits: half the table look-ups of one per 6 bits. */
const PAIR_HI = new Uint8Array(4096)
const PAIR_LO = new Uint8Array(4096)
for (let x = 0; x < 4096; x++) {
  PAIR_HI[x] = ENC[x >>> 6]!
  PAIR_LO[x] = ENC[x & 63]!
}

/**
 * Base64 in CRLF-terminated lines (MIME, RFC 2045 §6.8) written straight into a
 * caller's buffer, fed in pieces of any size: a message can be encoded from its parts
 * (or as they are produced) without first joining them into one copy. Output is
 * byte-identical to encoding the concatenation at once, with a final CRLF.
 *
 *   const out = new Uint8Array(head.length + Base64LineWriter.encodedLength(n))
 *   const w = new Base64LineWriter(out, head.length)
 *   w.write(a); w.write(b); const end = w.end()
 */
export class Base64LineWriter {
  /** Bytes of the output for n input bytes. */
  static encodedLength(n: number, lineLength = 76): number {
    const chars = Math.ceil(n / 3) * 4
    return chars + 2 * Math.ceil(chars / lineLength)
  }

  private o: number
  private col = 0
  private carry = new Uint8Array(3)
  private carried = 0
  private readonly lineLength: number

  /** lineLength must be a multiple of 4 (76 for MIME, 64 for PEM). */
  constructor(
    private readonly out: Uint8Array,
    offset = 0,
    lineLength = 76,
  ) {
    if (lineLength % 4 !== 0 || lineLength <= 0) throw new RangeError('line length must be a positive multiple of 4')
    this.o = offset
    this.lineLength = lineLength
  }

  write(b: Uint8Array): void {
    let i = 0
    if (this.carried > 0) {
      while (this.carried < 3 && i < b.length) this.carry[this.carried++] = b[i++]!
      if (this.carried < 3) return
      this.quad((this.carry[0]! << 16) | (this.carry[1]! << 8) | this.carry[2]!)
      this.carried = 0
    }
    const out = this.out
    const perLine = (this.lineLength / 4) * 3
    let o = this.o
    // Finish the current line quad by quad, then whole lines unrolled, then the rest.
    while (this.col !== 0 && i + 2 < b.length) {
      this.o = o
      this.quad((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!)
      o = this.o
      i += 3
    }
    if (this.col === 0) {
      const groups = this.lineLength / 4
      while (i + perLine <= b.length) {
        for (let k = 0; k < groups; k++, i += 3) {
          const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!
          const hi = n >>> 12
          const lo = n & 4095
          out[o] = PAIR_HI[hi]!
          out[o + 1] = PAIR_LO[hi]!
          out[o + 2] = PAIR_HI[lo]!
          out[o + 3] = PAIR_LO[lo]!
          o += 4
        }
        out[o] = 13
        out[o + 1] = 10
        o += 2
      }
      this.o = o
      while (i + 2 < b.length) {
        this.quad((b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!)
        i += 3
      }
    }
    while (i < b.length) this.carry[this.carried++] = b[i++]!
  }

  /** Flush the last 1–2 bytes with padding and end the last line; returns the end offset. */
  end(): number {
    const out = this.out
    if (this.carried > 0) {
      const n = (this.carry[0]! << 16) | ((this.carried > 1 ? this.carry[1]! : 0) << 8)
      out[this.o] = ENC[n >>> 18]!
      out[this.o + 1] = ENC[(n >>> 12) & 63]!
      out[this.o + 2] = this.carried > 1 ? ENC[(n >>> 6) & 63]! : 61
      out[this.o + 3] = 61
      this.o += 4
      this.col += 4
      this.carried = 0
    }
    if (this.col > 0) {
      out[this.o] = 13
      out[this.o + 1] = 10
      this.o += 2
      this.col = 0
    }
    return this.o
  }

  private quad(n: number): void {
    const out = this.out
    const o = this.o
    out[o] = PAIR_HI[n >>> 12]!
    out[o + 1] = PAIR_LO[n >>> 12]!
    out[o + 2] = PAIR_HI[n & 4095]!
    out[o + 3] = PAIR_LO[n & 4095]!
    this.o = o + 4
    this.col += 4
    if (this.col === this.lineLength) {
      out[o + 4] = 13
      out[o + 5] = 10
      this.o = o + 6
      this.col = 0
    }
  }
}

/** Decode, ignoring whitespace and anything outside the alphabet (as MIME readers must). */
export function fromBase64(s: string): Uint8Array {
  if (nativeFrom) {
    try {
      return nativeFrom(s.replace(/[^A-Za-z0-9+/=]/g, ''), { lastChunkHandling: 'loose' })
    } catch {
      // fall through to the tolerant decoder
    }
  }
  const out = new Uint8Array(Math.floor((s.length * 3) / 4) + 3)
  let o = 0
  let acc = 0
  let bits = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 61) break // '='
    const v = c < 256 ? DEC[c]! : -1
    if (v < 0) continue
    acc = (acc << 6) | v
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
    }
  }
  return out.subarray(0, o)
}

/**
 * Decode base64 held as bytes (a MIME body): ignores line breaks and anything outside
 * the alphabet, stops at the first '='. Where the platform has
 * Uint8Array.prototype.setFromBase64 (Chromium), 1 MiB slices are decoded natively
 * straight into one output buffer; input the native decoder refuses (garbage between
 * the lines, base64url) takes the table-driven loop, with the same result.
 */
export function fromBase64Bytes(b: Uint8Array): Uint8Array {
  const d = new Base64Decoder(b)
  return d.out.subarray(0, d.finish())
}

type SetFromBase64 = (this: Uint8Array, s: string, o?: object) => { read: number; written: number }
const nativeSet = (Uint8Array.prototype as unknown as { setFromBase64?: SetFromBase64 }).setFromBase64
const latin1Decoder = typeof TextDecoder === 'function' ? new TextDecoder('latin1') : null
/** Input per native call: strings of this size stay out of V8's large-object space (measured: 1 MiB slices decode at half the speed). */
const NATIVE_SLICE = 128 * 1024
const LOOP_SLICE = 256 * 1024

/**
 * Base64 bytes decoded front to back, as far as the caller needs, into one output
 * buffer: `fill(n)` decodes until at least n bytes are out (or the input ends), so a
 * consumer can start on the first bytes (a CMS header, the first slices of ciphertext)
 * while the rest is still text. The output is byte-identical to fromBase64Bytes, which
 * is this decoder run to the end. Input slices go to the platform's setFromBase64 while
 * it accepts them; from the first slice it refuses, the table-driven loop takes over.
 *
 *   const d = new Base64Decoder(body)
 *   d.fill(4096)            // d.out[0, d.written) is decoded
 *   const n = d.finish()    // all of it: d.out[0, n)
 */
export class Base64Decoder {
  /** Upper bound of the decoded length of n base64 bytes. */
  static maxLength(n: number): number {
    return Math.floor((n * 3) / 4) + 3
  }

  /** The output buffer (Base64Decoder.maxLength of the input, or the caller's). */
  readonly out: Uint8Array
  private o = 0
  /** Next input byte. */
  private i = 0
  private ended = false
  private native = nativeSet !== undefined && latin1Decoder !== null
  /** Native path: characters of a partial quad carried into the next slice. */
  private carry = ''
  /** Loop path: bits of a partial quad. */
  private acc = 0
  private n = 0

  constructor(
    private readonly src: Uint8Array,
    out?: Uint8Array,
  ) {
    this.out = out ?? new Uint8Array(Base64Decoder.maxLength(src.length))
    if (this.out.length < Base64Decoder.maxLength(src.length)) throw new RangeError('output buffer too small for the base64 input')
  }

  /** Bytes decoded so far: out[0, written) is final. */
  get written(): number {
    return this.o
  }

  /** True when the whole input has been decoded. */
  get done(): boolean {
    return this.ended
  }

  /** Decode until at least `want` bytes are out or the input ends; returns written. */
  fill(want: number): number {
    while (!this.ended && this.o < want) {
      if (this.native) this.nativeSlice()
      else this.loopSlice()
    }
    return this.o
  }

  /** Decode the rest; returns the decoded length. */
  finish(): number {
    return this.fill(Infinity)
  }

  private nativeSlice(): void {
    const b = this.src
    const start = this.o
    const from = this.i
    let to = Math.min(from + NATIVE_SLICE, b.length)
    // End the slice after a line break, so MIME lines (76 characters, whole quads) leave
    // nothing to carry into the next one.
    if (to < b.length) {
      const lf = b.subarray(from, to).lastIndexOf(10)
      if (lf > NATIVE_SLICE >> 1) to = from + lf + 1
    }
    const text = latin1Decoder!.decode(b.subarray(from, to))
    let s = this.carry ? this.carry + text : text
    // Decoding ends at the first '=' (padding), as in the loop.
    const eq = s.indexOf('=')
    if (eq >= 0) s = s.slice(0, eq)
    const last = eq >= 0 || to >= b.length
    try {
      const r = nativeSet!.call(this.out.subarray(start), s, { lastChunkHandling: last ? 'loose' : 'stop-before-partial' })
      this.o = start + r.written
      // What is left is usually only the line break after the last quad: dropped, so the
      // next slice is not copied into a concatenation.
      this.carry = last || r.read === s.length ? '' : s.slice(r.read).replace(/[\t\n\f\r ]+/g, '')
      this.i = to
      if (last) this.ended = true
    } catch {
      // Not plain base64 and whitespace: this slice and the rest go through the loop,
      // starting with the characters carried over from the previous slice.
      this.native = false
      const carried = this.carry
      this.carry = ''
      this.o = start
      for (let k = 0; k < carried.length && !this.ended; k++) this.loopByte(carried.charCodeAt(k))
    }
  }

  /** One character through the loop's state machine (slow path). */
  private loopByte(c: number): void {
    const v = c < 256 ? DEC[c]! : -1
    if (v < 0) {
      if (c === 61) this.end()
      return
    }
    this.acc = (this.acc << 6) | v
    if (++this.n === 4) {
      const out = this.out
      out[this.o] = this.acc >>> 16
      out[this.o + 1] = (this.acc >>> 8) & 0xff
      out[this.o + 2] = this.acc & 0xff
      this.o += 3
      this.n = 0
      this.acc = 0
    }
  }

  /** Four characters at a time, skipping anything outside the alphabet, up to the first '='. */
  private loopSlice(): void {
    const b = this.src
    const out = this.out
    const len = Math.min(this.i + LOOP_SLICE, b.length)
    let o = this.o
    let acc = this.acc
    let n = this.n
    let i = this.i
    let stop = false
    for (; i < len; i++) {
      if (n === 0 && i + 3 < len) {
        // Fast path: a whole quad of alphabet characters.
        const q = (DEC[b[i]!]! << 18) | (DEC[b[i + 1]!]! << 12) | (DEC[b[i + 2]!]! << 6) | DEC[b[i + 3]!]!
        if (q >= 0) {
          out[o] = q >>> 16
          out[o + 1] = (q >>> 8) & 0xff
          out[o + 2] = q & 0xff
          o += 3
          i += 3
          continue
        }
      }
      const v = DEC[b[i]!]!
      if (v < 0) {
        if (b[i] === 61) {
          stop = true
          break
        }
        continue
      }
      acc = (acc << 6) | v
      if (++n === 4) {
        out[o] = acc >>> 16
        out[o + 1] = (acc >>> 8) & 0xff
        out[o + 2] = acc & 0xff
        o += 3
        n = 0
        acc = 0
      }
    }
    this.o = o
    this.acc = acc
    this.n = n
    this.i = i
    if (stop || i >= b.length) this.end()
  }

  /** The last 1–2 bytes of a partial quad, then done. */
  private end(): void {
    if (this.ended) return
    const out = this.out
    if (this.n === 2) out[this.o++] = this.acc >>> 4
    else if (this.n === 3) {
      out[this.o++] = this.acc >>> 10
      out[this.o++] = (this.acc >>> 2) & 0xff
    }
    this.n = 0
    this.acc = 0
    this.ended = true
  }
}

function asciiString(b: Uint8Array): string {
  let s = ''
  const CHUNK = 0x8000
  for (let i = 0; i < b.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, b.subarray(i, i + CHUNK) as unknown as number[])
  }
  return s
}

/** PEM armour: every block with the given label (or any label), decoded. */
export function pemBlocks(text: string, label?: string): { label: string; der: Uint8Array }[] {
  const re = /-----BEGIN ([A-Z0-9 #]+)-----([\s\S]*?)-----END \1-----/g
  const out: { label: string; der: Uint8Array }[] = []
  for (const m of text.matchAll(re)) {
    if (label && m[1] !== label) continue
    // Drop RFC 1421 headers (Proc-Type etc.) if present
    const body = m[2]!.replace(/^[A-Za-z-]+:.*$/gm, '')
    out.push({ label: m[1]!, der: fromBase64(body) })
  }
  return out
}

export function toPem(label: string, der: Uint8Array): string {
  const b64 = toBase64(der).replace(/.{1,64}/g, '$&\n')
  return `-----BEGIN ${label}-----\n${b64}-----END ${label}-----\n`
}
