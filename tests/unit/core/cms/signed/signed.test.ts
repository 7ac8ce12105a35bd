import { TESTDATA } from '../../../../testdata'
import { readFileSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeSmimeCapabilities, parseSmimeCapabilities, signData, signingDigest, verifySigned } from '../../../../../src/core/cms/signed'
import { OID } from '../../../../../src/core/asn1/oids'
import { int, lazy, oid, seq, serialize, set, tlv } from '../../../../../src/core/cms/signed/asn'
import { parseDer } from '../../../../../src/core/asn1/der'
import { isCoreError } from '../../../../../src/core/errors'
import { decodeBody, parseMime } from '../../../../../src/core/mime'
import type { Identity } from '../../../../../src/core/types'
import { pemBlocks } from '../../../../../src/core/util/base64'
import { utf8 } from '../../../../../src/core/util/bytes'
import { makeIdentity, type KeyKind } from './helpers'

const crypto = globalThis.crypto
const content = utf8('Content-Type: text/plain\r\n\r\nHello, signed world.\r\n')
const ids: Partial<Record<KeyKind, Identity>> = {}

beforeAll(async () => {
  for (const k of ['rsa', 'P-256', 'P-384', 'P-521', 'ed25519'] as KeyKind[]) ids[k] = await makeIdentity(k)
})

describe('signData → verifySigned round trips', () => {
  const cases: { kind: KeyKind; digest?: 'sha256' | 'sha384' | 'sha512'; pss?: boolean; alg: string }[] = [
    { kind: 'rsa', alg: 'rsa-pkcs1-sha256' },
    { kind: 'rsa', digest: 'sha384', alg: 'rsa-pkcs1-sha384' },
    { kind: 'rsa', digest: 'sha512', alg: 'rsa-pkcs1-sha512' },
    { kind: 'rsa', pss: true, alg: 'rsa-pss-sha256' },
    { kind: 'rsa', pss: true, digest: 'sha512', alg: 'rsa-pss-sha512' },
    { kind: 'P-256', alg: 'ecdsa-sha256' },
    { kind: 'P-384', alg: 'ecdsa-sha384' },
    { kind: 'P-521', alg: 'ecdsa-sha512' },
    { kind: 'P-256', digest: 'sha512', alg: 'ecdsa-sha512' },
    { kind: 'ed25519', alg: 'ed25519' },
  ]
  for (const c of cases) {
    for (const detached of [true, false]) {
      it(`${c.alg} ${detached ? 'detached' : 'opaque'} verifies with attributes reported`, async () => {
        const id = ids[c.kind]!
        const t = new Date('2026-11-23T05:00:00Z')
        const der = await signData(content, { identity: id, digest: c.digest, pss: c.pss, detached, signingTime: t }, crypto)
        const r = await verifySigned(der, detached ? content : null, crypto)
        expect(r.problems).toEqual([])
        expect(r.detached).toBe(detached)
        expect(r.contentType).toBe(OID.data)
        expect(r.content === null ? null : Array.from(r.content)).toEqual(detached ? null : Array.from(content))
        expect(r.signers).toHaveLength(1)
        const s = r.signers[0]!
        expect(s.reasons).toEqual([])
        expect(s.ok).toBe(true)
        expect(s.signatureAlgorithm).toBe(c.alg)
        expect(s.signingTime).toBe(t.toISOString())
        expect(s.capabilities).toEqual(['aes-256-gcm', 'aes-128-gcm', 'aes-256-cbc', 'aes-128-cbc', 'rsaes-oaep'])
        expect(s.encryptionKeyPreference?.serial).toBe(s.sid.serial)
        expect(s.certificate).toEqual(id.certificate)
        expect(r.certificates).toEqual([id.certificate])
        expect(s.weak).toEqual([])
      })
    }
  }

  it('tampered content fails with "message digest mismatch"', async () => {
    const der = await signData(content, { identity: ids.rsa!, detached: true }, crypto)
    const bad = content.slice()
    bad[bad.length - 3] = bad[bad.length - 3]! ^ 1
    const r = await verifySigned(der, bad, crypto)
    expect(r.signers[0]!.ok).toBe(false)
    expect(r.signers[0]!.reasons).toContain('message digest mismatch')
  })

  it('tampered signature fails', async () => {
    for (const k of ['rsa', 'P-256', 'ed25519'] as KeyKind[]) {
      const der = await signData(content, { identity: ids[k]!, detached: true }, crypto)
      der[der.length - 5] = der[der.length - 5]! ^ 1 // inside the signature OCTET STRING (last field)
      const r = await verifySigned(der, content, crypto)
      expect(r.signers[0]!.ok).toBe(false)
      expect(r.signers[0]!.reasons.join()).toMatch(/signature/)
    }
  })

  it('an unknown signer certificate is reported, and extraCertificates find it', async () => {
    const id = ids['P-256']!
    const other = ids.rsa!
    const der = await signData(content, { identity: id, detached: true }, crypto)
    const r = await verifySigned(der, content, crypto, { extraCertificates: [other.certificate] })
    expect(r.signers[0]!.ok).toBe(true)
  })

  it('eContent inside a signature given detached content is a problem, signer not ok', async () => {
    const der = await signData(content, { identity: ids.rsa!, detached: false }, crypto)
    const r = await verifySigned(der, content, crypto)
    expect(r.problems).toContain('eContent present in a detached signature')
    expect(r.signers.every((s) => !s.ok)).toBe(true)
  })

  it('a detached signature without content is a problem', async () => {
    const der = await signData(content, { identity: ids.rsa!, detached: true }, crypto)
    const r = await verifySigned(der, null, crypto)
    expect(r.problems.length).toBeGreaterThan(0)
    expect(r.signers[0]!.ok).toBe(false)
  })

  it('certificates-only and empty SignerInfos give problems, no signer', async () => {
    const sd = lazy(0x30, int(1), set(), lazy(0x30, oid(OID.data)), lazy(0xa0, ids.rsa!.certificate), set())
    const der = serialize(lazy(0x30, oid(OID.signedData), lazy(0xa0, sd)))
    const r = await verifySigned(der, null, crypto)
    expect(r.signers).toEqual([])
    expect(r.problems).toContain('empty digestAlgorithms set')
    expect(r.problems.join()).toMatch(/no SignerInfos/)
    expect(r.certificates).toHaveLength(1)
  })

  it('non-DER input throws CoreError asn1; wrong content type too', async () => {
    await expect(verifySigned(utf8('not der'), null, crypto)).rejects.toSatisfy((e) => isCoreError(e, 'asn1'))
    await expect(verifySigned(seq(oid(OID.data), tlv(0xa0, tlv(0x04, utf8('x')))), null, crypto)).rejects.toSatisfy((e) => isCoreError(e, 'asn1'))
  })

  it('missing, repeated or mismatched signed attributes → not ok with the reason, even with a valid signature', async () => {
    const id = ids.rsa!
    const key = await crypto.subtle.importKey('pkcs8', id.privateKey as BufferSource, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
    const certSeq = parseDer(id.certificate) as any
    const tbs = certSeq.valueBlock.value[0].valueBlock.value
    const issuer = tbs[3].valueBeforeDecodeView as Uint8Array
    const serial = tbs[1].valueBeforeDecodeView as Uint8Array
    const md = new Uint8Array(await crypto.subtle.digest('SHA-256', content as BufferSource))
    const ct = seq(oid(OID.contentType), set(oid(OID.data)))
    const mdAttr = (d: Uint8Array) => seq(oid(OID.messageDigest), set(tlv(0x04, d)))
    const build = async (attrs: Uint8Array[]) => {
      const attrSet = set(...attrs)
      const sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, attrSet as BufferSource))
      const implicit = attrSet.slice()
      implicit[0] = 0xa0
      const si = seq(int(1), seq(issuer, serial), seq(oid(OID.sha256)), implicit, seq(oid(OID.rsaEncryption), new Uint8Array([5, 0])), tlv(0x04, sig))
      const sd = lazy(0x30, int(1), set(seq(oid(OID.sha256))), lazy(0x30, oid(OID.data)), lazy(0xa0, id.certificate), set(si))
      const r = await verifySigned(serialize(lazy(0x30, oid(OID.signedData), lazy(0xa0, sd))), content, crypto)
      return r.signers[0]!
    }
    expect((await build([ct, mdAttr(md)])).ok).toBe(true)
    expect((await build([mdAttr(md)])).reasons).toEqual(['content-type attribute missing'])
    expect((await build([ct])).reasons).toEqual(['message-digest attribute missing'])
    expect((await build([ct, mdAttr(md), mdAttr(md)])).reasons).toEqual(['message-digest attribute repeated'])
    expect((await build([ct, seq(oid(OID.messageDigest), set(tlv(0x04, md), tlv(0x04, md)))])).reasons).toEqual([
      'message-digest attribute must have exactly one value',
    ])
    expect((await build([seq(oid(OID.contentType), set(oid(OID.signedData))), mdAttr(md)])).reasons).toEqual([
      'content-type attribute does not match the encapsulated content type',
    ])
    expect((await build([ct, mdAttr(md.map((b) => b ^ 1))])).reasons).toEqual(['message digest mismatch'])
  })

  it('several signers are each reported', async () => {
    const a = await signData(content, { identity: ids.rsa!, detached: true }, crypto)
    const b = await signData(content, { identity: ids['P-384']!, detached: true }, crypto)
    // merge: SignerInfos and certificates of b into a
    const pick = (der: Uint8Array) => {
      const sd = (parseDer(der) as any).valueBlock.value[1].valueBlock.value[0].valueBlock.value
      const raw = (n: any) => n.valueBeforeDecodeView as Uint8Array
      return { digest: raw(sd[1].valueBlock.value[0]), cert: raw(sd[3].valueBlock.value[0]), si: raw(sd[4].valueBlock.value[0]) }
    }
    const pa = pick(a)
    const pb = pick(b)
    const broken = pb.si.slice()
    broken[broken.length - 4] = broken[broken.length - 4]! ^ 1
    const sd = lazy(0x30, int(1), set(pa.digest, pb.digest), lazy(0x30, oid(OID.data)), lazy(0xa0, pa.cert, pb.cert), set(pa.si, broken))
    const der = serialize(lazy(0x30, oid(OID.signedData), lazy(0xa0, sd)))
    const r = await verifySigned(der, content, crypto)
    expect(r.signers.map((s) => s.ok)).toEqual([true, false])
    expect(r.signers[1]!.signatureAlgorithm).toBe('ecdsa-sha384')
  })
})

describe('sizes and digests', () => {
  it('signingDigest says what signData uses (micalg)', () => {
    expect(signingDigest(ids.ed25519!.certificate, 'sha256')).toBe('sha512')
    expect(signingDigest(ids['P-384']!.certificate)).toBe('sha384')
    expect(signingDigest(ids.rsa!.certificate)).toBe('sha256')
    expect(signingDigest(ids.rsa!.certificate, 'sha512')).toBe('sha512')
    expect(signingDigest(utf8('junk'))).toBeNull()
  })

  it('signs and verifies a 25 MB opaque message', async () => {
    const big = new Uint8Array(25 * 1024 * 1024).map((_, i) => i & 0xff)
    const t0 = performance.now()
    const der = await signData(big, { identity: ids['P-256']!, detached: false }, crypto)
    const t1 = performance.now()
    const r = await verifySigned(der, null, crypto)
    const t2 = performance.now()
    expect(r.signers[0]!.ok).toBe(true)
    expect(r.content!.length).toBe(big.length)
    console.log(`25 MB opaque: sign ${(t1 - t0).toFixed(0)} ms, verify ${(t2 - t1).toFixed(0)} ms`)
  })
})

describe('public vectors', () => {
  it('pkcs7-empty-digest-set.eml gives problems, no crash, no ok signer', async () => {
    const m = parseMime(new Uint8Array(readFileSync(`${TESTDATA}/openssl-cms/pkcs7-empty-digest-set.eml`)))
    expect(m.children.length).toBe(2)
    const sig = decodeBody(m.children[1]!)
    const r = await verifySigned(sig, m.children[0]!.raw, crypto)
    expect(r.problems).toContain('empty digestAlgorithms set')
    expect(r.signers.some((s) => s.ok)).toBe(false)
  })

  it('RFC 9216 Alice (RSA) and Carlos (Ed25519) keys sign and verify', async () => {
    const pem = (f: string) => readFileSync(`${TESTDATA}/rfc9216/${f}`, 'utf8')
    for (const [cert, key] of [
      ['alice@smime.example.sig.pem', 'lamps-alice.p8.pem'],
      ['carlos@smime.example.sig.pem', 'lamps-carlos.p8.pem'],
    ] as const) {
      const id: Identity = {
        certificate: pemBlocks(pem(cert), 'CERTIFICATE')[0]!.der,
        chain: pemBlocks(pem('Sample_LAMPS_RSA_Certification_Authority.selfsigned.pem'), 'CERTIFICATE').map((b) => b.der),
        privateKey: pemBlocks(pem(key), 'PRIVATE KEY')[0]!.der,
      }
      const der = await signData(content, { identity: id, detached: false }, crypto)
      const r = await verifySigned(der, null, crypto)
      expect(r.signers[0]!.reasons).toEqual([])
      expect(r.signers[0]!.ok).toBe(true)
      expect(r.certificates).toHaveLength(1) // self-signed root left out
    }
  })
})

describe('SMIMECapabilities', () => {
  it('encodes and parses in order', () => {
    const list = ['aes-256-gcm', 'aes-128-cbc', 'rsaes-oaep', '1.2.3.4']
    expect(parseSmimeCapabilities(encodeSmimeCapabilities(list))).toEqual(list)
    expect(parseSmimeCapabilities(seq(seq(oid(OID.rc2CBC), int(40))))).toEqual(['rc2-cbc-40'])
    expect(parseSmimeCapabilities(utf8('garbage'))).toEqual([])
  })
})
