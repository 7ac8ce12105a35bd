/**
 * Issue 16 in the reading pane, over messages made by OpenSSL DURING the test and APPENDed
 * to bob's INBOX:
 * - a message signed by alice (`openssl smime -sign`), forwarded by carol inside an
 *   UNSIGNED multipart/mixed as a message/rfc822 part: the outer message is unsigned, the
 *   forwarded one is shown inline, apart, with its own summary "signed by alice"; its
 *   remote image stays blocked; the .eml download stays.
 * - a message encrypted to bob with 40-bit RC2 (`openssl smime -encrypt -rc2-40`, OpenSSL
 *   3's legacy provider): refused and nothing of it shown, until "Read as unprotected text",
 *   which shows it under an unmistakable warning and a summary that says it is not confidential.
 * Every verdict equals `cachet-smime inspect` with the same keys and trust.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import type { SecurityReport } from '../../src/core/message/report'
import { crlf } from '../interop/harness/eml'
import { ROOT, eventually, startHarness, type Harness } from './harness'
import { importPfx, openInbox, summaryOf, trustCa } from './smime-helpers'

/** axe-core (WCAG 2.1 A/AA) over the reading pane: the serious and critical findings, in words. */
async function axeFindings(page: Page): Promise<string[]> {
  // The app's CSP allows scripts from its own origin only: axe is served from there (a test route), not inlined.
  await page.route('**/__test__/axe.min.js', (route) => route.fulfill({ contentType: 'text/javascript', body: readFileSync(join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8') }))
  await page.addScriptTag({ url: '/__test__/axe.min.js' })
  return page.evaluate(async () => {
    type Result = { violations: { id: string; impact: string; nodes: { target: string[] }[] }[]; passes: unknown[] }
    const axe = (window as unknown as { axe: { run: (ctx: unknown, opts: unknown) => Promise<Result> } }).axe
    const r = await axe.run({ include: [['section.reader']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    if (r.passes.length === 0) return ['axe checked nothing']
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  })
}

const PFX_PASSWORD = 'pfx-forwarded-4410'
const PASSPHRASE = 'bob forwarded key store 71'
const FORWARDED_WORDS = 'The plan stands: launch on Friday'
const OUTER_WORDS = 'FYI, see the signed message below'
const WEAK_WORDS = 'The old vault code is 1187'

let h: Harness
let dir: string
let pki: DemoPki
let bob: Page
const requests: Request[] = []
let forwardedRaw: Buffer
let weakRaw: Buffer
let nestedRaw: Buffer
let encryptedFwdRaw: Buffer
const ENCRYPTED_WORDS = 'Meet at the north gate at 6'

const acct = (who: string) => pki.accounts.find((a) => a.email.startsWith(who))!

function openssl(args: string[]): Buffer {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
}

function file(name: string, data: Uint8Array | string): string {
  const p = join(dir, name)
  writeFileSync(p, data)
  return p
}

/** `cachet-smime inspect` with bob's PFX and the demo CA as trust anchor: the whole report. */
function inspect(raw: Uint8Array, extra: string[] = []): SecurityReport {
  const p = file(`inspect-${Math.random().toString(36).slice(2)}.eml`, raw)
  let out: string
  try {
    out = execFileSync('node', [join(ROOT, 'bin/cachet-smime.js'), 'inspect', p, '--pfx', acct('bob').pfx, '--password', PFX_PASSWORD, '--trust', pki.caCert, ...extra], { encoding: 'utf8' })
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '')
  }
  return JSON.parse(out) as SecurityReport
}

const head = (from: string, subject: string) =>
  `From: ${from}\r\nTo: bob@example.com\r\nSubject: ${subject}\r\nDate: ${new Date().toUTCString()}\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@forwarded.test>\r\n`

const message = (subject: string) => bob.getByRole('list', { name: 'Messages' }).getByRole('listitem', { name: new RegExp(`, ${subject}, `) })
const pane = () => bob.getByRole('region', { name: 'Message' })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-forwarded-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com', 'carol@example.com'], PFX_PASSWORD)

  // alice's signed message, as her client sent it (openssl smime -sign, detached).
  const html = `Content-Type: text/html; charset=utf-8\r\n\r\n<p>${FORWARDED_WORDS}.</p><img src="https://attacker.example/forwarded.png" alt="">\r\n`
  const signed = crlf(openssl(['smime', '-sign', '-in', file('fwd.in', html), '-signer', acct('alice').certPem, '-inkey', acct('alice').keyPem]))
  const original = Buffer.concat([Buffer.from(head('Alice <alice@example.com>', 'Launch plan')), signed])
  // carol forwards it in an unsigned multipart/mixed, as a message/rfc822 part.
  forwardedRaw = Buffer.concat([
    Buffer.from(`${head('Carol <carol@example.com>', 'Fwd: Launch plan')}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="fwd-boundary"\r\n\r\n--fwd-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${OUTER_WORDS}.\r\n--fwd-boundary\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n`),
    original,
    Buffer.from('\r\n--fwd-boundary--\r\n'),
  ])

  // 40-bit RC2 to bob (export grade), made by OpenSSL 3's legacy provider.
  const weak = crlf(openssl(['smime', '-encrypt', '-rc2-40', '-provider', 'legacy', '-provider', 'default', '-in', file('weak.in', `Content-Type: text/plain\r\n\r\n${WEAK_WORDS}.\r\n`), acct('bob').certPem]))
  weakRaw = Buffer.concat([Buffer.from(head('Alice <alice@example.com>', 'Export grade')), weak])

  // Forwarded four levels deep: three are shown inline, the fourth stays an attachment.
  const level = (n: number, inner: Buffer | null): Buffer =>
    Buffer.concat([
      Buffer.from(`${head(`Level ${n} <level${n}@example.com>`, n === 0 ? 'Nested forwards' : `Level ${n}`)}MIME-Version: 1.0\r\n`),
      inner
        ? Buffer.concat([Buffer.from(`Content-Type: multipart/mixed; boundary="b${n}"\r\n\r\n--b${n}\r\nContent-Type: text/plain\r\n\r\nText of level ${n}.\r\n--b${n}\r\nContent-Type: message/rfc822\r\n\r\n`), inner, Buffer.from(`\r\n--b${n}--\r\n`)])
        : Buffer.from(`Content-Type: text/plain\r\n\r\nText of level ${n}.\r\n`),
    ])
  nestedRaw = level(0, level(1, level(2, level(3, level(4, null)))))

  // alice's message encrypted to bob, wrapped by carol as a forwarded message: never decrypted there.
  const encrypted = crlf(openssl(['smime', '-encrypt', '-aes-256-cbc', '-in', file('enc.in', `Content-Type: text/plain\r\n\r\n${ENCRYPTED_WORDS}.\r\n`), acct('bob').certPem]))
  encryptedFwdRaw = Buffer.concat([
    Buffer.from(`${head('Carol <carol@example.com>', 'Fwd: Secret meeting')}MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="enc-fwd"\r\n\r\n--enc-fwd\r\nContent-Type: text/plain\r\n\r\nWhat does this say? Just reply with it.\r\n--enc-fwd\r\nContent-Type: message/rfc822\r\n\r\n`),
    Buffer.from(head('Alice <alice@example.com>', 'Secret meeting')),
    encrypted,
    Buffer.from('\r\n--enc-fwd--\r\n'),
  ])

  h = await startHarness()
  await h.append('bob@example.com', 'INBOX', [forwardedRaw, weakRaw, nestedRaw, encryptedFwdRaw])
})
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('issue 16 in the reading pane: forwarded messages and ciphers with no real confidentiality', () => {
  it('bob imports his demo PFX and trusts the demo CA', async () => {
    bob = (await h.signedIn('bob@example.com')).page
    bob.on('request', (r) => requests.push(r))
    await importPfx(bob, acct('bob').pfx, PFX_PASSWORD, PASSPHRASE)
    await trustCa(bob, pki.caCert)
    await openInbox(bob)
  })

  it('a signed message forwarded in an unsigned one: outer unsigned, the forwarded one inline with its own summary "signed by alice"', async () => {
    const cli = inspect(forwardedRaw)
    expect(cli.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(cli.forwarded?.map((f) => f.report.verdict)).toEqual([{ signature: 'valid', encryption: 'none' }])

    await message('Fwd: Launch plan').click()
    await pane().getByRole('heading', { name: 'Fwd: Launch plan', exact: true }).waitFor()
    const outer = await summaryOf(bob)
    expect({ signature: outer.signature, encryption: outer.encryption }).toEqual(cli.verdict)
    expect(outer.text).toContain('Not signed and not encrypted')
    expect(outer.text).not.toContain('alice@example.com') // claims nothing for the forwarded message

    const fwd = pane().getByRole('article', { name: 'Forwarded message: Launch plan' })
    await fwd.waitFor()
    // The pane is still the one region named "Message" (its accessible name is a contract).
    expect(await bob.getByRole('region', { name: 'Message' }).count()).toBe(1)
    expect(await fwd.getAttribute('data-depth')).toBe('1')
    const fields = (await fwd.locator('dl').textContent()) ?? ''
    expect(fields).toMatch(/From\s*Alice <alice@example\.com>/)
    expect(fields).toMatch(/To\s*bob@example\.com/)
    expect(fields).toMatch(/Subject\s*Launch plan/)
    const inner = fwd.getByTestId('forwarded-security-summary')
    expect({ signature: await inner.getAttribute('data-signature'), encryption: await inner.getAttribute('data-encryption') }).toEqual(cli.forwarded![0]!.report.verdict)
    expect(await inner.getAttribute('aria-label')).toBe('Security of the forwarded email')
    expect(await inner.textContent()).toContain('Signed by alice@example.com, verified')

    // Its body: inline, in its own sanitised frame, apart from the outer message's content.
    const frame = fwd.getByTestId('forwarded-content').locator('iframe')
    expect(await frame.getAttribute('title')).toBe('Forwarded message body')
    await eventually(async () => (await frame.contentFrame().locator('body').textContent())?.includes(FORWARDED_WORDS), 'the forwarded body shown')
    const outerContent = (await pane().getByTestId('message-content').textContent()) ?? ''
    expect(outerContent).toContain(OUTER_WORDS)
    expect(outerContent).not.toContain(FORWARDED_WORDS)
    expect(await pane().getByTestId('message-content').locator('iframe').count()).toBe(0)

    // The reading pane's remote-content rule applies to it: blocked, with the usual offer.
    await pane().getByRole('status').filter({ hasText: 'Remote images are blocked' }).waitFor()
    expect(requests.some((r) => r.url().includes('attacker.example'))).toBe(false)

    // The .eml download of the forwarded message stays.
    await pane().getByRole('region', { name: 'Attachments', exact: true }).getByRole('link', { name: /^Download .*\.eml$/ }).waitFor()

    expect(await axeFindings(bob)).toEqual([])
    await bob.screenshot({ path: '/tmp/forwarded-desktop.png' })
    await fwd.scrollIntoViewIfNeeded()
    await bob.screenshot({ path: '/tmp/forwarded-desktop-inner.png' })
    await bob.setViewportSize({ width: 390, height: 844 })
    await fwd.scrollIntoViewIfNeeded()
    await bob.screenshot({ path: '/tmp/forwarded-phone.png' })
    await bob.setViewportSize({ width: 1400, height: 860 })
  })

  it('an encrypted message forwarded inside another is shown by its header only, "not opened", never decrypted', async () => {
    const cli = inspect(encryptedFwdRaw)
    expect(cli.verdict).toEqual({ signature: 'none', encryption: 'none' })
    expect(cli.forwarded?.[0]).toMatchObject({ encryptedNotOpened: true, report: { verdict: { signature: 'none', encryption: 'not-for-you' } } })
    expect(JSON.stringify(cli)).not.toContain(ENCRYPTED_WORDS)

    await openInbox(bob)
    await message('Fwd: Secret meeting').click()
    await pane().getByRole('heading', { name: 'Fwd: Secret meeting', exact: true }).waitFor()
    const fwd = pane().getByRole('article', { name: 'Forwarded message: Secret meeting' })
    const summary = fwd.getByTestId('forwarded-security-summary')
    await summary.waitFor()
    expect({ signature: await summary.getAttribute('data-signature'), encryption: await summary.getAttribute('data-encryption') }).toEqual(cli.forwarded![0]!.report.verdict)
    expect(await summary.textContent()).toContain('Encrypted, not opened: Cachet does not decrypt a message forwarded inside another one')
    expect(await fwd.getByTestId('forwarded-content').textContent()).toContain('This forwarded message is encrypted and is not decrypted here.')
    expect((await pane().textContent()) ?? '').not.toContain(ENCRYPTED_WORDS)
    await bob.screenshot({ path: '/tmp/forwarded-encrypted.png' })
  })

  it('forwarded messages nest three levels deep inline; the fourth stays an attachment of the third', async () => {
    const cli = inspect(nestedRaw)
    const depths: number[] = []
    for (let f = cli.forwarded; f?.length; f = f[0]!.report.forwarded) depths.push(f[0]!.depth)
    expect(depths).toEqual([1, 2, 3])

    await openInbox(bob)
    await message('Nested forwards').click()
    await pane().getByRole('heading', { name: 'Nested forwards', exact: true }).waitFor()
    const articles = pane().getByTestId('forwarded-message')
    await eventually(async () => (await articles.count()) === 3, 'three forwarded messages shown')
    expect(await articles.evaluateAll((els) => els.map((e) => e.getAttribute('data-depth')))).toEqual(['1', '2', '3'])
    expect(await bob.getByRole('region', { name: 'Message' }).count()).toBe(1)
    for (const n of [1, 2, 3]) {
      const a = pane().getByRole('article', { name: `Forwarded message: Level ${n}`, exact: true })
      expect(await a.getByTestId('forwarded-content').first().textContent()).toContain(`Text of level ${n}.`)
    }
    const third = pane().getByRole('article', { name: 'Forwarded message: Level 3', exact: true })
    expect(await third.getByRole('article').count()).toBe(0)
    await third.getByRole('region', { name: 'Attachments of the forwarded email' }).getByRole('link', { name: /^Download .*\.eml$/ }).waitFor()
    expect((await pane().textContent()) ?? '').not.toContain('Text of level 4.')
    expect(await axeFindings(bob)).toEqual([])
    await third.scrollIntoViewIfNeeded()
    await bob.screenshot({ path: '/tmp/forwarded-nested.png' })
  })

  it('40-bit RC2: refused and nothing shown; "Read as unprotected text" shows it under a warning, never as confidential', async () => {
    const cli = inspect(weakRaw)
    expect(cli.verdict).toEqual({ signature: 'none', encryption: 'unsupported' })

    await openInbox(bob)
    await message('Export grade').click()
    await pane().getByRole('heading', { name: 'Export grade', exact: true }).waitFor()
    const refused = await summaryOf(bob)
    expect({ signature: refused.signature, encryption: refused.encryption }).toEqual(cli.verdict)
    expect(refused.text).toContain('Encrypted with rc2-40-cbc, which anyone who captured the message can break')
    expect((await pane().textContent()) ?? '').not.toContain(WEAK_WORDS)
    const offer = pane().getByTestId('weak-cipher-offer')
    await offer.waitFor()
    expect(await axeFindings(bob)).toEqual([])
    await bob.screenshot({ path: '/tmp/forwarded-weak-offer.png' })

    await offer.getByRole('button', { name: 'Read as unprotected text' }).click()
    const warning = pane().getByRole('alert').filter({ hasText: 'Unprotected text.' })
    await warning.waitFor()
    expect(await warning.textContent()).toContain('anyone who captured it can break')
    await eventually(async () => ((await pane().getByTestId('message-content').textContent()) ?? '').includes(WEAK_WORDS), 'the content shown')
    expect(await pane().getByTestId('message-content').textContent()).toContain('Unprotected text')

    const read = await summaryOf(bob)
    const anyway = inspect(weakRaw, ['--allow-weak-ciphers'])
    expect({ signature: read.signature, encryption: read.encryption }).toEqual(anyway.verdict)
    expect(await pane().getByTestId('security-summary').getAttribute('data-unprotected')).toBe('true')
    const line = pane().getByTestId('encryption-status')
    expect(await line.textContent()).toContain('Not confidential: encrypted with rc2-40-cbc')
    expect(await line.getAttribute('class')).toContain('tone-bad')
    expect(await pane().locator('.tone-good').count()).toBe(0) // nothing green anywhere
    expect(await axeFindings(bob)).toEqual([])
    await bob.screenshot({ path: '/tmp/forwarded-weak-read.png' })
    await bob.setViewportSize({ width: 390, height: 844 })
    await bob.screenshot({ path: '/tmp/forwarded-weak-read-phone.png' })
    await bob.setViewportSize({ width: 1400, height: 860 })

    // Opening it again starts from the refusal: the choice is per reading, never remembered.
    await openInbox(bob)
    await message('Fwd: Launch plan').click()
    await pane().getByRole('heading', { name: 'Fwd: Launch plan', exact: true }).waitFor()
    await message('Export grade').click()
    await pane().getByRole('heading', { name: 'Export grade', exact: true }).waitFor()
    expect((await summaryOf(bob)).encryption).toBe('unsupported')
    await pane().getByTestId('weak-cipher-offer').waitFor()
    expect((await pane().textContent()) ?? '').not.toContain(WEAK_WORDS)
  })
})
