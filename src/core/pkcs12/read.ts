/**
 * Reading a PKCS#12 (PFX) file, RFC 7292: verify the MAC to learn which form of the
 * password is right, open every safe (plain, password-encrypted), walk the bags
 * (keyBag, pkcs8ShroudedKeyBag, certBag, nested safeContentsBag), then pair each
 * private key with its certificate and the chain above it.
 *
 * PKI.js is not used here on purpose: it rejects the legacy PBE algorithms that
 * OpenSSL 1.x, `openssl pkcs12 -legacy`, Windows and macOS still write.
 */
import * as asn1js from 'asn1js'
import type { CryptoLike } from '../crypto'
import { CoreError, isCoreError } from '../errors'
import { OID } from '../asn1/oids'
import { parseDer } from '../asn1/der'
import { equal, toHex } from '../util/bytes'
import { algorithm, children, explicit, int, octets, oid, type Node } from './asn1'
import { passwordForms, type PasswordForm } from './kdf'
import { parseMacData } from './mac'
import { pbeDecrypt, pbeName, type Algorithm } from './pbe'
import { certInfo, normalizePrivateKey, type CertInfo } from './keys'
import { buildChain } from './chain'
import type { PfxContents, PfxIdentity } from './types'

export const BAG = {
  key: '1.2.840.113549.1.12.10.1.1',
  shroudedKey: '1.2.840.113549.1.12.10.1.2',
  cert: '1.2.840.113549.1.12.10.1.3',
  crl: '1.2.840.113549.1.12.10.1.4',
  secret: '1.2.840.113549.1.12.10.1.5',
  safeContents: '1.2.840.113549.1.12.10.1.6',
} as const
export const X509_CERT = '1.2.840.113549.1.9.22.1'
export const FRIENDLY_NAME = '1.2.840.113549.1.9.20'
export const LOCAL_KEY_ID = '1.2.840.113549.1.9.21'
const ENCRYPTED_DATA = '1.2.840.113549.1.7.6'
const MAX_BAG_DEPTH = 8
const MAX_BAGS = 1000

interface Attrs {
  localKeyId?: Uint8Array
  friendlyName?: string
}
interface KeyEntry extends Attrs {
  pkcs8: Uint8Array
  publicId: string | null
}
interface CertEntry extends Attrs {
  info: CertInfo
}

class Reader {
  keys: KeyEntry[] = []
  certs: CertEntry[] = []
  algorithms: string[] = []
  bags = 0
  /** True once the MAC proved the password: later failures mean corruption, not a wrong password. */
  macVerified = false

  constructor(
    readonly crypto: CryptoLike,
    /** Password forms to try, the one the MAC confirmed first. */
    public forms: PasswordForm[],
  ) {}

  note(name: string): void {
    if (!this.algorithms.includes(name)) this.algorithms.push(name)
  }

  /** Decrypt under each password form in turn; all failing means the password is wrong. */
  async decrypt(alg: Algorithm, data: Uint8Array, parse: (plain: Uint8Array) => void | Promise<void>): Promise<void> {
    this.note(pbeName(alg))
    let last: unknown
    // null and "" differ only for the RFC 7292 KDF; PBES1/PBES2 see the same bytes, so
    // an expensive PBKDF2 is not repeated for a form that cannot change the outcome.
    const usesBytes = alg.oid === OID.pbes2 || alg.oid.startsWith('1.2.840.113549.1.5.')
    const tried = new Set<string>()
    for (const form of this.forms) {
      const id = toHex(usesBytes ? form.bytes : form.bmp)
      if (tried.has(id)) continue
      tried.add(id)
      try {
        const plain = await pbeDecrypt(this.crypto, alg, data, form)
        await parse(plain)
        if (this.forms[0] !== form) this.forms = [form, ...this.forms.filter((f) => f !== form)]
        return
      } catch (e) {
        if (isCoreError(e, 'unsupported-algorithm') || isCoreError(e, 'limit-exceeded')) throw e
        last = e
      }
    }
    if (this.macVerified && !isCoreError(last, 'decrypt-failed')) {
      throw new CoreError('asn1', 'The PKCS#12 file is damaged: a decrypted part does not have the expected structure.', { cause: last })
    }
    throw new CoreError('wrong-password', 'The password is not correct for this PKCS#12 file. Check the password and try again.', { cause: last })
  }

  async safeContents(der: Uint8Array, depth: number, encrypted: boolean): Promise<void> {
    if (depth > MAX_BAG_DEPTH) throw new CoreError('limit-exceeded', 'The PKCS#12 file nests safes too deeply.')
    // Collect first, then apply, so a failed password attempt leaves no half-read bags.
    const bags = children(parseDer(der, 'SafeContents'), 'SafeContents')
    for (const bag of bags) await this.bag(bag, depth, encrypted)
  }

  async bag(node: Node, depth: number, encrypted: boolean): Promise<void> {
    if (++this.bags > MAX_BAGS) throw new CoreError('limit-exceeded', 'The PKCS#12 file has too many bags.')
    const c = children(node, 'SafeBag')
    const bagId = oid(c[0], 'bag type')
    const value = explicit(c[1], 0, 'bag value')
    const attrs = readAttributes(c[2])
    switch (bagId) {
      case BAG.key: {
        if (!encrypted) this.note('unencrypted private key')
        this.addKey(new Uint8Array(value.valueBeforeDecodeView), attrs)
        break
      }
      case BAG.shroudedKey: {
        const epki = children(value, 'EncryptedPrivateKeyInfo')
        const alg = algorithm(epki[0], 'key encryption')
        const data = octets(epki[1], 'encrypted key')
        await this.decrypt(alg, data, (plain) => {
          // Parse inside the attempt: garbage that happens to unpad must not count as success.
          this.addKey(plain, attrs)
        })
        break
      }
      case BAG.cert: {
        const cb = children(value, 'CertBag')
        const certType = oid(cb[0], 'certificate type')
        if (certType !== X509_CERT) break // sdsiCertificate and others: nothing we can use
        if (!encrypted) this.note('unencrypted certificates')
        const der = octets(explicit(cb[1], 0, 'certificate value'), 'certificate')
        this.certs.push({ info: certInfo(der), ...attrs })
        break
      }
      case BAG.safeContents: {
        const inner = children(value, 'nested SafeContents')
        for (const n of inner) await this.bag(n, depth + 1, encrypted)
        break
      }
      default:
        // crlBag, secretBag: carried by some exporters, not needed for an identity.
        break
    }
  }

  addKey(pkcs8: Uint8Array, attrs: Attrs): void {
    const k = normalizePrivateKey(pkcs8)
    this.keys.push({ ...k, ...attrs })
  }
}

function readAttributes(node: Node | undefined): Attrs {
  const out: Attrs = {}
  if (!(node instanceof asn1js.Set)) return out
  for (const a of node.valueBlock.value) {
    const c = children(a, 'bag attribute')
    const type = oid(c[0], 'attribute type')
    const values = children(c[1], 'attribute values', true)
    const v = values[0]
    if (type === LOCAL_KEY_ID && v) out.localKeyId = octets(v, 'localKeyId')
    if (type === FRIENDLY_NAME && v instanceof asn1js.BmpString) out.friendlyName = v.valueBlock.value
  }
  return out
}

function notPkcs12(cause?: unknown): CoreError {
  return new CoreError('not-pkcs12', 'This file is not a PKCS#12 (.pfx/.p12) file. Choose the file that holds your certificate and private key, usually exported with a password.', { cause })
}

/** Parse the outer PFX: version, the authSafe octets, and MacData if any. */
function readOuter(der: Uint8Array): { authSafe: Uint8Array; macData?: Node } {
  let pfx: Node[]
  try {
    pfx = children(parseDer(der, 'PKCS#12 file'), 'PFX')
    if (int(pfx[0], 'PFX version') !== 3) throw notPkcs12()
    const ci = children(pfx[1], 'authSafe ContentInfo')
    const type = oid(ci[0], 'authSafe content type')
    if (type === OID.signedData) {
      throw new CoreError('unsupported-algorithm', 'This PKCS#12 file uses public-key integrity mode (signedData), which Cachet does not support. Export it again with a password.')
    }
    if (type !== OID.data) throw notPkcs12()
    return { authSafe: octets(explicit(ci[1], 0, 'authSafe content'), 'authSafe'), macData: pfx[2] }
  } catch (e) {
    if (isCoreError(e, 'unsupported-algorithm') || isCoreError(e, 'limit-exceeded')) throw e
    throw e instanceof CoreError && e.code === 'not-pkcs12' ? e : notPkcs12(e)
  }
}

/**
 * Read a PKCS#12 file. `password` null means "no password" (absent), which some
 * Windows exports use; "" is the empty password. Both are tried either way, as OpenSSL
 * does. Throws CoreError 'not-pkcs12', 'wrong-password', 'unsupported-algorithm',
 * 'limit-exceeded' or 'asn1' (damaged file).
 */
export async function readPfx(der: Uint8Array, password: string | null, crypto: CryptoLike): Promise<PfxContents> {
  const { authSafe, macData } = readOuter(der)
  let forms = passwordForms(password)
  const reader = new Reader(crypto, forms)
  if (macData) {
    const mac = parseMacData(macData)
    let ok: PasswordForm | undefined
    for (const f of forms) {
      if (await mac.verify(crypto, f, authSafe)) {
        ok = f
        break
      }
    }
    if (!ok) throw new CoreError('wrong-password', 'The password is not correct for this PKCS#12 file (its integrity check failed). Check the password and try again.')
    forms = [ok, ...forms.filter((f) => f !== ok)]
    reader.forms = forms
    reader.macVerified = true
    reader.note(mac.name)
  }
  let safes: Node[]
  try {
    safes = children(parseDer(authSafe, 'AuthenticatedSafe'), 'AuthenticatedSafe')
  } catch (e) {
    throw macData ? new CoreError('asn1', 'The PKCS#12 file is damaged: its contents do not parse.', { cause: e }) : notPkcs12(e)
  }
  for (const safe of safes) {
    const ci = children(safe, 'ContentInfo')
    const type = oid(ci[0], 'safe content type')
    if (type === OID.data) {
      await reader.safeContents(octets(explicit(ci[1], 0, 'safe'), 'safe'), 0, false)
    } else if (type === ENCRYPTED_DATA) {
      const ed = children(explicit(ci[1], 0, 'EncryptedData'), 'EncryptedData')
      const eci = children(ed[1], 'EncryptedContentInfo')
      const alg = algorithm(eci[1], 'safe encryption')
      if (!eci[2]) continue // no content: an empty safe
      const data = octets(eci[2], 'encrypted safe')
      // Bags from a failed attempt must not survive: parse into a scratch reader.
      await reader.decrypt(alg, data, async (plain) => {
        const scratch = new Reader(crypto, reader.forms)
        scratch.macVerified = reader.macVerified
        scratch.bags = reader.bags
        await scratch.safeContents(plain, 0, true)
        reader.keys.push(...scratch.keys)
        reader.certs.push(...scratch.certs)
        reader.bags = scratch.bags
        for (const a of scratch.algorithms) reader.note(a)
      })
    } else if (type === OID.envelopedData) {
      throw new CoreError('unsupported-algorithm', 'This PKCS#12 file uses public-key privacy mode (envelopedData), which Cachet does not support. Export it again with a password.')
    } else {
      throw new CoreError('unsupported-algorithm', `This PKCS#12 file has a safe of type ${type}, which Cachet does not support.`)
    }
  }
  return assemble(reader.keys, reader.certs, reader.algorithms)
}

/** Pair keys with certificates (public key first, localKeyId to break ties or when the key type is unknown). */
function assemble(keys: KeyEntry[], certs: CertEntry[], algorithms: string[]): PfxContents {
  const identities: PfxIdentity[] = []
  const all = certs.map((c) => c.info)
  for (const k of keys) {
    const byId = (c: CertEntry) => !!k.localKeyId && !!c.localKeyId && equal(k.localKeyId, c.localKeyId)
    const sameKey = k.publicId ? certs.filter((c) => c.info.publicId === k.publicId) : certs.filter(byId)
    const cert = sameKey.find(byId) ?? sameKey[0]
    if (!cert) continue
    const id: PfxIdentity = {
      certificate: cert.info.der,
      chain: buildChain(cert.info, all).map((c) => c.der),
      privateKey: k.pkcs8,
    }
    const name = k.friendlyName ?? cert.friendlyName
    if (name !== undefined) id.friendlyName = name
    identities.push(id)
  }
  return { identities, certificates: all.map((c) => c.der), algorithms }
}
