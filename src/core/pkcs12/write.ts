/**
 * Writing a PKCS#12 file for backup ("back up the identity as a new PFX", issue #4):
 * modern algorithms only, as OpenSSL 3 writes by default — PBES2 with
 * PBKDF2-HMAC-SHA256 and AES-256-CBC for the key and for the certificates, and an
 * HMAC-SHA256 MAC (RFC 7292 §4, B.4) that OpenSSL 3.0, NSS and Windows all verify.
 */
import { sha1 } from '@noble/hashes/legacy.js'
import type { CryptoLike } from '../crypto'
import { CoreError } from '../errors'
import { OID } from '../asn1/oids'
import type { Identity } from '../types'
import { utf8 } from '../util/bytes'
import { b, der, type Node } from './asn1'
import { bmpPassword } from './kdf'
import { makeMacData } from './mac'
import { pbes2Encrypt } from './pbe'
import { normalizePrivateKey } from './keys'
import { BAG, FRIENDLY_NAME, LOCAL_KEY_ID, X509_CERT } from './read'

const ENCRYPTED_DATA = '1.2.840.113549.1.7.6'

export interface WritePfxOptions {
  /** friendlyName attribute on the key and certificate (shown by Windows and macOS on import). */
  friendlyName?: string
  /** PBKDF2 and MAC iteration count; default 200 000. Lower only in tests. */
  iterations?: number
}

export const DEFAULT_ITERATIONS = 200_000

function attributes(localKeyId: Uint8Array, friendlyName?: string): Node {
  const attrs: Node[] = [b.seq(b.oid(LOCAL_KEY_ID), b.set(b.octets(localKeyId)))]
  if (friendlyName !== undefined) attrs.push(b.seq(b.oid(FRIENDLY_NAME), b.set(b.bmp(friendlyName))))
  return b.set(...attrs)
}

function certBag(certDer: Uint8Array, attrs?: Node): Node {
  const bag: Node[] = [b.oid(BAG.cert), b.explicit(0, b.seq(b.oid(X509_CERT), b.explicit(0, b.octets(certDer))))]
  if (attrs) bag.push(attrs)
  return b.seq(...bag)
}

/** Write `identity` as a password-protected PKCS#12 file (DER). */
export async function writePfx(identity: Identity, password: string, crypto: CryptoLike, opts: WritePfxOptions = {}): Promise<Uint8Array> {
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS
  if (!Number.isInteger(iterations) || iterations < 1) throw new CoreError('bad-input', 'The iteration count must be a positive integer.')
  const pwBytes = utf8(password)
  const key = normalizePrivateKey(identity.privateKey)
  // localKeyId = SHA-1 of the certificate, as OpenSSL writes it.
  const localKeyId = sha1(identity.certificate)

  const certs = new Uint8Array(der(b.seq(certBag(identity.certificate, attributes(localKeyId, opts.friendlyName)), ...identity.chain.map((c) => certBag(c)))))
  const certEnc = await pbes2Encrypt(crypto, pwBytes, certs, { iterations })
  const certSafe = b.seq(
    b.oid(ENCRYPTED_DATA),
    b.explicit(0, b.seq(b.int(0), b.seq(b.oid(OID.data), certEnc.algorithm, b.implicitOctets(0, certEnc.encrypted)))),
  )

  const keyEnc = await pbes2Encrypt(crypto, pwBytes, key.pkcs8, { iterations })
  const keyBag = b.seq(b.oid(BAG.shroudedKey), b.explicit(0, b.seq(keyEnc.algorithm, b.octets(keyEnc.encrypted))), attributes(localKeyId, opts.friendlyName))
  const keySafe = b.seq(b.oid(OID.data), b.explicit(0, b.octets(der(b.seq(keyBag)))))

  const authSafe = der(b.seq(certSafe, keySafe))
  const mac = makeMacData(crypto, { bmp: bmpPassword(password), bytes: pwBytes }, authSafe, iterations)
  return der(b.seq(b.int(3), b.seq(b.oid(OID.data), b.explicit(0, b.octets(authSafe))), mac))
}
