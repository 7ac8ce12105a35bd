/**
 * A small DER writer. Nodes are built as a tree and written once into a single buffer,
 * so a 25 MB encrypted content is copied exactly once however deep it sits, and the
 * encrypted content stays one primitive OCTET STRING (definite length, no 1 KiB split).
 */
export type DerNode = Uint8Array | Hole | { tag: number; parts: DerNode[]; size?: number }

/** Content of a known length that the caller writes later, in order (see encodePieces). */
export interface Hole {
  hole: number
}
export const hole = (length: number): Hole => ({ hole: length })
const isHole = (n: DerNode): n is Hole => !(n instanceof Uint8Array) && 'hole' in n

/** A constructed element (SEQUENCE 0x30, SET 0x31, context [n] 0xa0|n). */
export function cons(tag: number, ...parts: DerNode[]): DerNode {
  return { tag, parts }
}

/** A primitive element whose content is `content` (not copied until encode). */
export function prim(tag: number, content: Uint8Array): DerNode {
  return { tag, parts: [content] }
}

export const seq = (...parts: DerNode[]): DerNode => cons(0x30, ...parts)
export const set = (...parts: DerNode[]): DerNode => cons(0x31, ...parts)
export const octets = (v: Uint8Array): DerNode => prim(0x04, v)
export const nullValue = (): DerNode => new Uint8Array([0x05, 0x00])

/** INTEGER from a small non-negative number. */
export function int(n: number): DerNode {
  const bytes: number[] = []
  do {
    bytes.unshift(n & 0xff)
    n = Math.floor(n / 256)
  } while (n > 0)
  if (bytes[0]! & 0x80) bytes.unshift(0)
  return prim(0x02, new Uint8Array(bytes))
}

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): DerNode {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = []
  const push = (v: number): void => {
    const tmp = [v & 0x7f]
    v = Math.floor(v / 128)
    while (v > 0) {
      tmp.unshift((v & 0x7f) | 0x80)
      v = Math.floor(v / 128)
    }
    out.push(...tmp)
  }
  push(arcs[0]! * 40 + arcs[1]!)
  for (let i = 2; i < arcs.length; i++) push(arcs[i]!)
  return prim(0x06, new Uint8Array(out))
}

/** AlgorithmIdentifier with absent parameters, or the given parameter node. */
export function algId(dotted: string, params?: DerNode): DerNode {
  return params ? seq(oid(dotted), params) : seq(oid(dotted))
}

function lenSize(n: number): number {
  if (n < 0x80) return 1
  let k = 0
  while (n > 0) {
    k++
    n = Math.floor(n / 256)
  }
  return 1 + k
}

function contentSize(node: DerNode): number {
  if (node instanceof Uint8Array) return node.length
  if (isHole(node)) return node.hole
  if (node.size !== undefined) return node.size
  let n = 0
  for (const p of node.parts) n += totalSize(p)
  // A primitive's single Uint8Array part is its content; constructed parts are elements.
  node.size = n
  return n
}

function totalSize(node: DerNode): number {
  if (node instanceof Uint8Array) return node.length
  if (isHole(node)) return node.hole
  const c = contentSize(node)
  return 1 + lenSize(c) + c
}

function write(node: DerNode, out: Uint8Array, o: number): number {
  if (node instanceof Uint8Array) {
    out.set(node, o)
    return o + node.length
  }
  if (isHole(node)) throw new Error('encode: a hole in the tree (use encodePieces)')
  const c = contentSize(node)
  out[o++] = node.tag
  if (c < 0x80) out[o++] = c
  else {
    const k = lenSize(c) - 1
    out[o++] = 0x80 | k
    for (let i = k - 1; i >= 0; i--) out[o++] = Math.floor(c / 2 ** (8 * i)) & 0xff
  }
  for (const p of node.parts) o = write(p, out, o)
  return o
}

/** Encode a tree to DER bytes in one allocation. */
export function encode(node: DerNode): Uint8Array {
  const out = new Uint8Array(totalSize(node))
  write(node, out, 0)
  return out
}

/**
 * Encode a tree as its DER in pieces, in order: tags, lengths and small leaves are
 * written into small buffers; leaves of `bigLeaf` bytes or more are returned as they are
 * (not copied) and holes as themselves, for the caller to fill with exactly that many
 * bytes. The concatenation (holes filled) is what encode() gives. Lets a 25 MB content
 * be base64-encoded straight from where it lies, or be produced while it is written.
 */
export function encodePieces(node: DerNode, bigLeaf = 64 * 1024): (Uint8Array | Hole)[] {
  const out: (Uint8Array | Hole)[] = []
  let cur: number[] = []
  const flush = (): void => {
    if (cur.length) out.push(Uint8Array.from(cur))
    cur = []
  }
  const walk = (n: DerNode): void => {
    if (n instanceof Uint8Array) {
      if (n.length >= bigLeaf) {
        flush()
        out.push(n)
      } else for (let i = 0; i < n.length; i++) cur.push(n[i]!)
      return
    }
    if (isHole(n)) {
      flush()
      out.push(n)
      return
    }
    const c = contentSize(n)
    cur.push(n.tag)
    if (c < 0x80) cur.push(c)
    else {
      const k = lenSize(c) - 1
      cur.push(0x80 | k)
      for (let i = k - 1; i >= 0; i--) cur.push(Math.floor(c / 2 ** (8 * i)) & 0xff)
    }
    for (const p of n.parts) walk(p)
  }
  walk(node)
  flush()
  return out
}
