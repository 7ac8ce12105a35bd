import { OID } from '../../asn1/oids'
import { toHex } from '../../util/bytes'
import { BerReader, bad, decodeOid, expectTag, readOid, type Tlv } from './ber'

/**
 * The parts of an X.509 certificate (RFC 5280) the envelope layer needs, taken as the
 * exact bytes found in the certificate: the issuer Name and serial INTEGER go into
 * IssuerAndSerialNumber verbatim (re-encoding a Name can change it and break matching
 * in other clients).
 */
export interface CertRefs {
  /** DER of the issuer Name. */
  issuer: Uint8Array
  /** DER of the serialNumber INTEGER (whole element). */
  serialElement: Uint8Array
  /** Content octets of the serial (for comparison and hex display). */
  serial: Uint8Array
  /** subjectKeyIdentifier extension value, if present. */
  ski: Uint8Array | null
  /** DER of SubjectPublicKeyInfo. */
  spki: Uint8Array
  /** The SPKI algorithm OID and, for EC keys, the named curve OID. */
  keyAlgorithm: string
  curve: string | null
}

export function certRefs(der: Uint8Array): CertRefs {
  const r = new BerReader(der)
  const cert = expectTag(r.read(0), 0x30, 'a certificate')
  const tbs = expectTag(r.children(cert)[0], 0x30, 'a TBSCertificate')
  const f = r.children(tbs)
  let i = 0
  if (f[0]?.tag === 0xa0) i++ // version [0] EXPLICIT
  const serialT = expectTag(f[i], 0x02, 'a serial number')
  const issuerT = expectTag(f[i + 2], 0x30, 'an issuer name')
  const spkiT = expectTag(f[i + 5], 0x30, 'a subject public key info')
  const spkiAlg = r.children(expectTag(r.children(spkiT)[0], 0x30, 'an algorithm'))
  const keyAlgorithm = readOid(r, spkiAlg[0])
  const curve = spkiAlg[1]?.tag === 0x06 ? readOid(r, spkiAlg[1]) : null
  let ski: Uint8Array | null = null
  for (const t of f.slice(i + 6)) {
    if (t.tag !== 0xa3) continue
    const exts = r.children(expectTag(r.children(t)[0], 0x30, 'extensions'))
    for (const e of exts) {
      const k = r.children(e)
      if (readOid(r, k[0]) !== OID.subjectKeyIdentifier) continue
      const val = expectTag(k[k.length - 1], 0x04, 'an extension value')
      const inner = new BerReader(r.value(val))
      ski = inner.value(expectTag(inner.read(0), 0x04, 'a key identifier')).slice()
    }
  }
  return {
    issuer: r.raw(issuerT).slice(),
    serialElement: r.raw(serialT).slice(),
    serial: r.value(serialT).slice(),
    ski,
    spki: r.raw(spkiT).slice(),
    keyAlgorithm,
    curve,
  }
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  [OID.emailAddress]: 'E',
}

function decodeString(r: BerReader, t: Tlv): string {
  const v = r.value(t)
  switch (t.tag) {
    case 0x1e: {
      // BMPString: UTF-16BE
      let s = ''
      for (let i = 0; i + 1 < v.length; i += 2) s += String.fromCharCode((v[i]! << 8) | v[i + 1]!)
      return s
    }
    case 0x0c:
    case 0x13:
    case 0x16:
    case 0x14:
    case 0x1a:
      return new TextDecoder('utf-8', { fatal: false }).decode(v)
    default:
      return '#' + toHex(r.raw(t))
  }
}

/** RFC 4514-style string of a DER Name, most specific RDN first (as OpenSSL -nameopt RFC2253). */
export function nameToString(der: Uint8Array): string {
  try {
    const r = new BerReader(der)
    const rdns = r.children(expectTag(r.read(0), 0x30, 'a name'))
    const parts: string[] = []
    for (const rdn of rdns) {
      const atvs = r.children(rdn).map((atv) => {
        const [typ, val] = r.children(atv)
        const o = decodeOid(r.value(expectTag(typ, 0x06, 'an attribute type')))
        if (!val) throw bad('attribute without a value')
        const s = decodeString(r, val).replace(/([,+"\\<>;])/g, '\\$1')
        return `${SHORT[o] ?? o}=${s}`
      })
      parts.push(atvs.join('+'))
    }
    return parts.reverse().join(',')
  } catch {
    return '#' + toHex(der)
  }
}

/** Serial content octets as lowercase hex without leading zero bytes (as reports show it). */
export function serialHex(serial: Uint8Array): string {
  let i = 0
  while (i < serial.length - 1 && serial[i] === 0) i++
  return toHex(serial.subarray(i))
}
