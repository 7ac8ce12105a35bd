/**
 * Forwarded messages in the reading pane's view model (issue 16, mail/forwarded.ts and
 * mail/open.ts) over REAL engine results: the enclosing message's body never contains the
 * forwarded message (it stays an .eml attachment), and each forwarded message gets its
 * own view next to core's report for it. Signed by OpenSSL during the test.
 */
import { describe, expect, it } from 'vitest'
import { openMessage as openEngine } from '../../../../src/core/message/open'
import { openMessage } from '../../../../src/web/mail/open'
import { forwardedViews } from '../../../../src/web/mail/forwarded'
import { toMessageView } from '../../../../src/web/mail/view'
import { opensslEncrypt, opensslSign } from '../../../interop/harness/openssl-cms'
import { crlf, textEntity } from '../../../interop/harness/eml'
import { plainEntity } from '../../core/message/careful'
import { withFixture, type Fixture } from '../../core/message/fixture'

const crypto = globalThis.crypto
let f: Fixture

withFixture((made) => (f = made))

function forwarding(enclosed: Uint8Array, disposition = ''): Buffer {
  return Buffer.concat([
    Buffer.from(`From: Carol <carol@example.test>\r\nTo: dave@example.test\r\nSubject: Fwd: plan\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n--b\r\nContent-Type: message/rfc822\r\n${disposition}\r\n`),
    Buffer.from(enclosed),
    Buffer.from('\r\n--b--\r\n'),
  ])
}

const enclosedFrom = async (entity: Uint8Array) =>
  Buffer.concat([Buffer.from(`From: Bob <${f.leaves.bob.email}>\r\nTo: carol@example.test\r\nSubject: plan\r\nDate: ${new Date().toUTCString()}\r\n`), crlf(entity)])

describe('forwarded messages in the view model', () => {
  it('the enclosing message shows only its own text; the forwarded message (inline or not) stays an .eml attachment', async () => {
    const enclosed = await enclosedFrom(await opensslSign(f.pki.dir, f.leaves.bob, plainEntity('Signed plan words.\r\n')))
    for (const disposition of ['', 'Content-Disposition: inline\r\n']) {
      const v = toMessageView(await openMessage(forwarding(enclosed, disposition)))
      expect(v.text.trim()).toBe('See below.')
      expect(JSON.stringify(v.parts)).not.toContain('Signed plan words')
      expect(v.attachments.map((a) => [a.filename, a.mimeType])).toEqual([['message-1.eml', 'message/rfc822']])
    }
  })

  it("each forwarded message gets its own header, body and core's report", async () => {
    const enclosed = await enclosedFrom(await opensslSign(f.pki.dir, f.leaves.bob, plainEntity('Signed plan words.\r\n')))
    const r = await openEngine(forwarding(enclosed), f.keyring([]), crypto, { body: false })
    const views = await forwardedViews(r.report.forwarded, r.forwarded)
    expect(views).toHaveLength(1)
    const fw = views[0]!
    expect(fw).toMatchObject({ path: [1], depth: 1, encryptedNotOpened: false })
    expect(fw.report.verdict.signature).toBe('valid')
    expect(fw.view.subject).toBe('plan')
    expect(fw.view.from.map((a) => a.address)).toEqual([f.leaves.bob.email])
    expect(fw.view.to.map((a) => a.address)).toEqual(['carol@example.test'])
    expect(fw.view.parts).toEqual([{ kind: 'text', text: 'Signed plan words.\n' }])
    // The signature part is not an attachment of the forwarded message: it was unwrapped.
    expect(fw.view.attachments).toEqual([])
  })

  it('bytes that do not match their report are left out, never shown under another summary', async () => {
    const enclosed = await enclosedFrom(textEntity('x'))
    const r = await openEngine(forwarding(enclosed), f.keyring([]), crypto, { body: false })
    expect(await forwardedViews(r.report.forwarded, [{ ...r.forwarded[0]!, path: [0] }])).toEqual([])
    expect(await forwardedViews(r.report.forwarded, [])).toEqual([])
  })

  it('an encrypted forwarded message shows its header only', async () => {
    const enclosed = await enclosedFrom(await opensslEncrypt(f.pki.dir, [f.leaves.bob], textEntity('FORWARDED-SECRET-88')))
    const r = await openEngine(forwarding(enclosed), f.keyring(['bob']), crypto, { body: false })
    const [fw] = await forwardedViews(r.report.forwarded, r.forwarded)
    expect(fw!.encryptedNotOpened).toBe(true)
    expect(fw!.view.subject).toBe('plan')
    expect(JSON.stringify(fw!.view.parts) + JSON.stringify(fw!.view.attachments.map((a) => a.filename))).not.toContain('FORWARDED-SECRET-88')
    expect(fw!.view.attachments).toEqual([])
  })
})
