/** Test identities: real WebCrypto keys with a self-signed X.509 certificate (RFC 5280). */
import { OID } from '../../../../../src/core/asn1/oids'
import { ecdsaRawToDer } from '../../../../../src/core/cms/signed/algorithms'
import { derNull, int, oid, seq, set, time, tlv } from '../../../../../src/core/cms/signed/asn'
import type { Identity } from '../../../../../src/core/types'
import { utf8 } from '../../../../../src/core/util/bytes'

export type KeyKind = 'rsa' | 'P-256' | 'P-384' | 'P-521' | 'ed25519'

const subtle = globalThis.crypto.subtle

function name(cn: string): Uint8Array {
  return seq(set(seq(oid('2.5.4.3'), tlv(0x0c, utf8(cn)))))
}

export async function makeIdentity(kind: KeyKind, cn = `test ${kind}`): Promise<Identity> {
  let alg: RsaHashedKeyGenParams | EcKeyGenParams | { name: string }
  let sigAlgId: Uint8Array
  let signTbs: (k: CryptoKey, d: Uint8Array) => Promise<Uint8Array>
  if (kind === 'rsa') {
    alg = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }
    sigAlgId = seq(oid(OID.sha256WithRSA), derNull())
    signTbs = async (k, d) => new Uint8Array(await subtle.sign('RSASSA-PKCS1-v1_5', k, d as BufferSource))
  } else if (kind === 'ed25519') {
    alg = { name: 'Ed25519' }
    sigAlgId = seq(oid(OID.ed25519))
    signTbs = async (k, d) => new Uint8Array(await subtle.sign('Ed25519', k, d as BufferSource))
  } else {
    alg = { name: 'ECDSA', namedCurve: kind }
    sigAlgId = seq(oid(OID.ecdsaWithSHA256))
    signTbs = async (k, d) => ecdsaRawToDer(new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, k, d as BufferSource)))
  }
  const pair = (await subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair
  const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey))
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey))
  const serial = Math.floor(Math.random() * 1e9) + 1
  const ski = globalThis.crypto.getRandomValues(new Uint8Array(20))
  const exts = tlv(0xa3, seq(seq(oid(OID.subjectKeyIdentifier), tlv(0x04, tlv(0x04, ski)))))
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(serial),
    sigAlgId,
    name(cn),
    seq(time(new Date('2025-01-01T00:00:00Z')), time(new Date('2035-01-01T00:00:00Z'))),
    name(cn),
    spki,
    exts,
  )
  const sig = await signTbs(pair.privateKey, tbs)
  const cert = seq(tbs, sigAlgId, tlv(0x03, new Uint8Array([0]), sig))
  return { certificate: cert, chain: [], privateKey: pkcs8 }
}
