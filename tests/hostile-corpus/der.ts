/**
 * A small DER tree editor for composing attacks on CMS structures: parse definite-length
 * DER into nodes, change them, encode again. Attack code only; the engine has its own
 * hardened readers.
 */
export interface Node {
  tag: number
  /** Children for constructed nodes; null for primitives. */
  children: Node[] | null
  /** Contents of primitive nodes. */
  value: Uint8Array
}

export function parse(b: Uint8Array): Node {
  const [node, end] = parseAt(b, 0)
  if (end !== b.length) throw new Error(`trailing bytes after DER at ${end}`)
  return node
}

function parseAt(b: Uint8Array, pos: number): [Node, number] {
  const tag = b[pos]!
  let len = b[pos + 1]!
  let p = pos + 2
  if (len & 0x80) {
    const n = len & 0x7f
    if (n === 0) throw new Error('indefinite length not supported here')
    len = 0
    for (let i = 0; i < n; i++) len = len * 256 + b[p++]!
  }
  const value = b.subarray(p, p + len)
  if (tag & 0x20) {
    const children: Node[] = []
    let q = p
    while (q < p + len) {
      const [c, next] = parseAt(b, q)
      children.push(c)
      q = next
    }
    return [{ tag, children, value }, p + len]
  }
  return [{ tag, children: null, value }, p + len]
}

export function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n]
  const out: number[] = []
  while (n > 0) {
    out.unshift(n & 0xff)
    n = Math.floor(n / 256)
  }
  return [0x80 | out.length, ...out]
}

export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const l = lengthBytes(content.length)
  const out = new Uint8Array(1 + l.length + content.length)
  out[0] = tag
  out.set(l, 1)
  out.set(content, 1 + l.length)
  return out
}

export function encode(n: Node): Uint8Array {
  if (!n.children) return tlv(n.tag, n.value)
  const parts = n.children.map(encode)
  const total = parts.reduce((s, p) => s + p.length, 0)
  const body = new Uint8Array(total)
  let o = 0
  for (const p of parts) {
    body.set(p, o)
    o += p.length
  }
  return tlv(n.tag, body)
}

export const cons = (tag: number, children: Node[]): Node => ({ tag, children, value: new Uint8Array(0) })
export const prim = (tag: number, value: Uint8Array): Node => ({ tag, children: null, value })

/** Deep copy, so one signature can be mutated many ways. */
export function clone(n: Node): Node {
  return n.children ? { tag: n.tag, children: n.children.map(clone), value: n.value } : { tag: n.tag, children: null, value: n.value.slice() }
}

export function oidString(n: Node): string {
  const v = n.value
  const parts = [Math.floor(Math.min(v[0]!, 80) / 40), v[0]! >= 80 ? v[0]! - 80 : v[0]! % 40]
  let acc = 0
  for (let k = 1; k < v.length; k++) {
    acc = acc * 128 + (v[k]! & 0x7f)
    if (!(v[k]! & 0x80)) {
      parts.push(acc)
      acc = 0
    }
  }
  return parts.join('.')
}

/**
 * The parts of a ContentInfo holding SignedData (RFC 5652 §5.1), by reference into the
 * tree: edit them, then `encode(root)`.
 */
export interface SignedView {
  root: Node
  signedData: Node
  digestAlgorithms: Node
  encap: Node
  /** [0] IMPLICIT CertificateSet, when present. */
  certificates: Node | null
  signerInfos: Node
}

export function signedView(contentInfo: Uint8Array): SignedView {
  const root = parse(contentInfo)
  const signedData = root.children![1]!.children![0]!
  const c = signedData.children!
  const certificates = c.find((x) => x.tag === 0xa0) ?? null
  return { root, signedData, digestAlgorithms: c[1]!, encap: c[2]!, certificates, signerInfos: c[c.length - 1]! }
}
