/**
 * The crypto worker of the built app, driven through its message protocol in Chromium:
 * PFX import, lock/unlock, 'key-locked' for a message encrypted to us while locked,
 * decrypting what OpenSSL encrypted, sealing what OpenSSL then decrypts and verifies,
 * and the "remember on this device" opt-in. Inputs are made by OpenSSL during the test.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, crlf, startHarness, type Harness } from './harness'

const PFX_PASSWORD = 'pfx-pw'
const PASSPHRASE = 'worker test passphrase'

let h: Harness
let dir: string
let page: Page

function openssl(args: string[], input?: Buffer | string): Buffer {
  return execFileSync('openssl', args, { cwd: dir, input, stdio: ['pipe', 'pipe', 'pipe'] })
}

function makePki(): void {
  writeFileSync(
    join(dir, 'ext.cnf'),
    [
      '[ca]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign',
      '[leaf]', 'basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=emailProtection',
    ].join('\n'),
  )
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '365', '-subj', '/CN=Worker Test CA', '-extensions', 'ca', '-config', 'ext.cnf'])
  for (const who of ['alice', 'bob']) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}/emailAddress=${who}@example.com`])
    openssl(['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '365', '-extfile', 'ext.cnf', '-extensions', 'leaf'])
  }
  openssl(['pkcs12', '-export', '-in', 'alice.pem', '-inkey', 'alice.key', '-certfile', 'ca.pem', '-out', 'alice.p12', '-passout', `pass:${PFX_PASSWORD}`])
  for (const f of ['ca', 'alice', 'bob']) openssl(['x509', '-in', `${f}.pem`, '-outform', 'DER', '-out', `${f}.der`])
}

const b64 = (b: Buffer) => b.toString('base64')

/** Start the built crypto worker in the page and install `window.cw(method, args)`. */
async function startWorker(p: Page): Promise<void> {
  const asset = readdirSync(join(ROOT, 'dist', 'assets')).find((f) => /^crypto\.worker-.*\.js$/.test(f))
  if (!asset) throw new Error('the built app has no crypto worker asset')
  await p.evaluate((url) => {
    const w = new Worker(url, { type: 'module', name: 'cachet-crypto:alice@example.com' })
    let next = 1
    const pending = new Map<number, (m: unknown) => void>()
    w.onmessage = (e: MessageEvent) => {
      const m = e.data as { kind: string; id: number }
      if (m.kind === 'result') pending.get(m.id)?.(m)
    }
    const fromB64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0))
    const toB64 = (b: Uint8Array) => btoa(Array.from(b, (x) => String.fromCharCode(x)).join(''))
    // Bytes cross page.evaluate as base64: fields named *B64 in, Uint8Array → {b64} out.
    const decode = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(decode)
      if (v && typeof v === 'object') {
        const o: Record<string, unknown> = {}
        for (const [k, x] of Object.entries(v)) {
          if (k.endsWith('B64') && typeof x === 'string') o[k.slice(0, -3)] = fromB64(x)
          else if (k.endsWith('B64') && Array.isArray(x)) o[k.slice(0, -3)] = x.map((s: string) => fromB64(s))
          else o[k] = decode(x)
        }
        return o
      }
      return v
    }
    const encode = (v: unknown): unknown => {
      if (v instanceof Uint8Array) return { b64: toB64(v) }
      if (Array.isArray(v)) return v.map(encode)
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]))
      return v
    }
    ;(window as unknown as { cw: unknown }).cw = (method: string, args: unknown) =>
      new Promise((resolve) => {
        const id = next++
        pending.set(id, (m) => resolve(encode(m)))
        w.postMessage({ id, method, args: decode(args) })
      })
  }, `/assets/${asset}`)
}

type Result = { ok: true; value: any } | { ok: false; error: { code: string; message: string; field?: string } }
function cw(method: string, args: object = {}): Promise<Result> {
  return page.evaluate(([m, a]) => (window as unknown as { cw: (m: string, a: unknown) => Promise<Result> }).cw(m, a), [method, args] as const)
}
async function ok(method: string, args: object = {}): Promise<any> {
  const r = await cw(method, args)
  if (!r.ok) throw new Error(`${method}: ${r.error.code}: ${r.error.message}`)
  return r.value
}

function keyring() {
  return { trustAnchorsB64: [b64(readFileSync(join(dir, 'ca.der')))], certificatesB64: [], crlsB64: [] }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-worker-'))
  makePki()
  h = await startHarness()
  page = (await h.newPage()).page
  await startWorker(page)
})
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('crypto worker', () => {
  let identityId: string
  let encrypted: Buffer

  it('imports a PFX and returns only public facts', async () => {
    const wrong = await cw('importPfx', { bytesB64: b64(readFileSync(join(dir, 'alice.p12'))), pfxPassword: 'nope', passphrase: PASSPHRASE })
    expect(wrong.ok).toBe(false)
    if (!wrong.ok) expect(wrong.error).toMatchObject({ code: 'wrong-password', field: 'pfxPassword' })
    expect((await ok('status')).initialized).toBe(false)

    const r = await ok('importPfx', { bytesB64: b64(readFileSync(join(dir, 'alice.p12'))), pfxPassword: PFX_PASSWORD, passphrase: PASSPHRASE })
    expect(r.passphraseSet).toBe(true)
    expect(r.identities).toHaveLength(1)
    identityId = r.identities[0].id
    expect(r.identities[0].emails).toEqual(['alice@example.com'])
    expect(JSON.stringify(r)).not.toMatch(/privateKey|sealedKey/)
    expect(await ok('status')).toMatchObject({ initialized: true, unlocked: true, identities: 1 })
  })

  it('checks the key store passphrase at a later import', async () => {
    const r = await cw('importPfx', { bytesB64: b64(readFileSync(join(dir, 'alice.p12'))), pfxPassword: PFX_PASSWORD, passphrase: 'another passphrase' })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatchObject({ code: 'wrong-password', field: 'passphrase' })
  })

  it('answers key-locked for a message OpenSSL encrypted to us while locked, and decrypts it once unlocked', async () => {
    encrypted = openssl(['cms', '-encrypt', '-aes256', '-recip', 'alice.pem', '-from', 'bob@example.com', '-to', 'alice@example.com', '-subject', 'secret'], crlf(['Content-Type: text/plain', '', 'The eagle lands at noon.']))
    await ok('lock')
    const locked = await ok('open', { rawB64: b64(encrypted), keyring: keyring() })
    expect(locked.kind).toBe('key-locked')
    expect(locked.identityIds).toEqual([identityId])

    const bad = await cw('unlock', { passphrase: 'wrong' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.code).toBe('wrong-password')
    expect((await ok('unlock', { passphrase: PASSPHRASE })).unlocked).toBe(true)
    const opened = await ok('open', { rawB64: b64(encrypted), keyring: keyring() })
    expect(opened.kind).toBe('opened')
    expect(opened.report.verdict.encryption).toBe('decrypted')
    expect(Buffer.from(opened.inner.b64, 'base64').toString()).toContain('The eagle lands at noon.')
  })

  it('seals (sign + encrypt) a draft that OpenSSL decrypts and verifies', async () => {
    const draft = crlf(['From: alice@example.com', 'To: bob@example.com', 'Subject: hello', 'Date: Mon, 23 Nov 2026 05:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Signed and sealed.'])
    const sealed = await ok('seal', {
      draftRawB64: b64(Buffer.from(draft)),
      options: { identityId, sign: true, encrypt: true, recipientsB64: [b64(readFileSync(join(dir, 'bob.der')))], cipher: 'aes-256-cbc' },
    })
    expect(sealed.kind).toBe('sealed')
    writeFileSync(join(dir, 'sealed.eml'), Buffer.from(sealed.raw.b64, 'base64'))
    const inner = openssl(['cms', '-decrypt', '-in', 'sealed.eml', '-recip', 'bob.pem', '-inkey', 'bob.key'])
    writeFileSync(join(dir, 'inner.eml'), inner)
    const text = openssl(['cms', '-verify', '-in', 'inner.eml', '-CAfile', 'ca.pem']).toString()
    expect(text).toContain('Signed and sealed.')

    // Our own copy (Sent) opens for us, signature valid.
    const mine = await ok('open', { rawB64: sealed.raw.b64, keyring: keyring() })
    expect(mine.report.verdict).toEqual({ signature: 'valid', encryption: 'decrypted' })
  })

  it('answers key-locked for signing while locked; exporting a backup needs the key', async () => {
    await ok('lock')
    const draft = crlf(['From: alice@example.com', 'To: bob@example.com', 'Subject: x', '', 'x'])
    const r = await ok('seal', { draftRawB64: b64(Buffer.from(draft)), options: { identityId, sign: true, encrypt: false, recipientsB64: [] } })
    expect(r).toEqual({ kind: 'key-locked', identityIds: [identityId] })
    const e = await cw('exportPfx', { identityId, newPassword: 'long enough pw' })
    expect(e.ok).toBe(false)
    if (!e.ok) expect(e.error.code).toBe('key-locked')
  })

  it('"remember on this device" unlocks without the passphrase until turned off', async () => {
    const off = await cw('setRemember', { remember: true })
    expect(off.ok).toBe(false) // locked: needs the passphrase
    expect((await ok('setRemember', { remember: true, passphrase: PASSPHRASE })).remembered).toBe(true)
    await ok('lock')
    const opened = await ok('open', { rawB64: b64(encrypted), keyring: keyring() })
    expect(opened.kind).toBe('opened')
    expect(opened.report.verdict.encryption).toBe('decrypted')

    // The device record holds a non-extractable key.
    const extractable = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const req = indexedDB.open('cachet:alice@example.com')
          req.onsuccess = () => {
            const g = req.result.transaction('keystore').objectStore('keystore').get('device')
            g.onsuccess = () => resolve((g.result as { deviceKey: CryptoKey }).deviceKey.extractable)
          }
        }),
    )
    expect(extractable).toBe(false)

    await ok('setRemember', { remember: false })
    await ok('lock')
    expect((await ok('open', { rawB64: b64(encrypted), keyring: keyring() })).kind).toBe('key-locked')
  })

  it('locks by itself after the idle minutes the user set', async () => {
    await ok('unlock', { passphrase: PASSPHRASE })
    const st = await ok('configure', { idleMinutes: 1 })
    expect(st.unlocked).toBe(true)
    expect(st.lockAt - Date.now()).toBeGreaterThan(50_000)
    expect(st.lockAt - Date.now()).toBeLessThanOrEqual(61_000)
    await new Promise((r) => setTimeout(r, 45_000))
    expect((await ok('status')).unlocked).toBe(true)
    const deadline = Date.now() + 30_000
    while ((await ok('status')).unlocked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000))
    expect((await ok('status')).unlocked).toBe(false)
    expect((await ok('open', { rawB64: b64(encrypted), keyring: keyring() })).kind).toBe('key-locked')
  }, 120_000)

  it('imports a legacy PFX (openssl -legacy: RC2-40 and 3DES) as the same identity', async () => {
    openssl(['pkcs12', '-export', '-legacy', '-in', 'alice.pem', '-inkey', 'alice.key', '-out', 'alice-legacy.p12', '-passout', `pass:${PFX_PASSWORD}`])
    const r = await ok('importPfx', { bytesB64: b64(readFileSync(join(dir, 'alice-legacy.p12'))), pfxPassword: PFX_PASSWORD, passphrase: PASSPHRASE })
    expect(r.replaced).toBe(true)
    expect(r.identities[0].id).toBe(identityId)
    expect(r.identities[0].pfxAlgorithms.join(' ')).toMatch(/RC2|3DES|TripleDES/i)
  })

  it('deletes an identity and forgets its key', async () => {
    await ok('unlock', { passphrase: PASSPHRASE })
    expect((await ok('deleteIdentity', { identityId })).identities).toBe(0)
    const r = await ok('open', { rawB64: b64(encrypted), keyring: keyring() })
    expect(r.kind).toBe('opened')
    expect(r.report.verdict.encryption).toBe('not-for-you')
  })
})
