/**
 * PKCS#12 password integrity (RFC 7292 §4 MacData, Appendix B.4): HMAC keyed by the
 * Appendix B KDF with ID 3 over the authSafe contents. Also PBMAC1 (RFC 9579), whose
 * key comes from PBKDF2 over the UTF-8 password. A MAC that fails under every
 * interpretation of the password means the password is wrong.
 */
import { hmac } from '@noble/hashes/hmac.js'
import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { OID } from '../asn1/oids'
import { constantTimeEqual } from '../util/bytes'
import { algorithm, b, children, int, octets, type Node } from './asn1'
import { HASHES, KDF_ID, pkcs12Kdf, type HashName, type PasswordForm } from './kdf'
import { PRF, parsePbkdf2, pbkdf2 } from './pbe'

const DIGESTS: Record<string, HashName> = {
  [OID.sha1]: 'SHA-1',
  [OID.sha224]: 'SHA-224',
  [OID.sha256]: 'SHA-256',
  [OID.sha384]: 'SHA-384',
  [OID.sha512]: 'SHA-512',
}
const PBMAC1 = '1.2.840.113549.1.5.14'

export interface Mac {
  /** e.g. "MAC HMAC-SHA256" or "MAC PBMAC1 PBKDF2-HMAC-SHA256 HMAC-SHA512". */
  name: string
  /** True when `content` carries this MAC under the password form. */
  verify(crypto: CryptoLike, pw: PasswordForm, content: Uint8Array): Promise<boolean>
}

const short = (h: HashName) => h.replace('-', '')

/** Parse MacData; throws unsupported-algorithm for digests we lack. */
export function parseMacData(node: Node): Mac {
  const c = children(node, 'MacData')
  const digestInfo = children(c[0], 'MacData DigestInfo')
  const alg = algorithm(digestInfo[0], 'MAC algorithm')
  const expected = octets(digestInfo[1], 'MAC value')
  const salt = octets(c[1], 'MAC salt')
  const iterations = c[2] ? int(c[2], 'MAC iterations') : 1
  if (alg.oid === PBMAC1) {
    const p = children(alg.params, 'PBMAC1-params')
    const kdf = parsePbkdf2(algorithm(p[0], 'PBMAC1 key derivation'))
    const scheme = algorithm(p[1], 'PBMAC1 message authentication scheme')
    const h = PRF[scheme.oid]
    if (!h) throw new CoreError('unsupported-algorithm', `The PKCS#12 MAC uses PBMAC1 with ${scheme.oid}, which Cachet does not support.`)
    if (kdf.keyLength === undefined) throw new CoreError('asn1', 'PBMAC1 requires a PBKDF2 key length (RFC 9579).')
    return {
      name: `MAC PBMAC1 PBKDF2-HMAC-${short(kdf.prf)} HMAC-${short(h)}`,
      async verify(crypto, pw, content) {
        const key = await pbkdf2(crypto, kdf.prf, pw.bytes, kdf.salt, kdf.iterations, kdf.keyLength!)
        return constantTimeEqual(hmac(HASHES[h] as never, key, content), expected)
      },
    }
  }
  const h = DIGESTS[alg.oid]
  if (!h) throw new CoreError('unsupported-algorithm', `The PKCS#12 MAC uses digest ${alg.oid}, which Cachet does not support.`)
  return {
    name: `MAC HMAC-${short(h)}`,
    async verify(_crypto, pw, content) {
      const key = pkcs12Kdf(h, pw.bmp, salt, KDF_ID.mac, iterations, HASHES[h].outputLen)
      return constantTimeEqual(hmac(HASHES[h] as never, key, content), expected)
    },
  }
}

/** MacData with HMAC-SHA-256 over `content` (RFC 7292 §4, B.4), for writePfx. */
export function makeMacData(crypto: CryptoLike, pw: PasswordForm, content: Uint8Array, iterations: number): Node {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const key = pkcs12Kdf('SHA-256', pw.bmp, salt, KDF_ID.mac, iterations, 32)
  const mac = hmac(HASHES['SHA-256'] as never, key, content)
  return b.seq(b.seq(b.seq(b.oid(OID.sha256), b.null()), b.octets(mac)), b.octets(salt), b.int(iterations))
}
