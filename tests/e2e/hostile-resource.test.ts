/**
 * Issue #3, resource abuse in the browser: a 10,000-level MIME nesting, 1,000 nested
 * message/rfc822, 5,000 parts, a 100 MB line (over the engine's limit: header only), a
 * 60 MB line (under it: cut for display) and a 30 MB base64 attachment of zeros,
 * APPENDed over IMAP and opened by Bob. Each opens within a time bound with the engine's
 * summary (or says what is wrong), the page stays responsive, its heap stays bounded, and
 * an ordinary message in the same folder still opens afterwards.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { base64Expansion, hugeLine, manyParts, nestedMultipart, nestedRfc822 } from '../hostile-corpus/resource'
import { crlf, startHarness, type Harness } from './harness'
import { VICTIM, tagSubject } from './hostile-setup'

let h: Harness
let page: Page
const CASES: [string, () => Uint8Array][] = [
  ['nested-10000', () => nestedMultipart(10_000)],
  ['rfc822-1000', () => nestedRfc822(1_000)],
  ['parts-5000', () => manyParts(5_000)],
  ['line-100mb', () => hugeLine(100 * 1024 * 1024)],
  ['line-60mb', () => hugeLine(60 * 1024 * 1024)],
  ['base64-30mb', () => base64Expansion(30 * 1024 * 1024)],
]

beforeAll(async () => {
  h = await startHarness()
  await h.createMailbox(VICTIM, 'Abuse')
  for (const [name, make] of CASES) await h.append(VICTIM, 'Abuse', tagSubject(make(), name))
  await h.append(VICTIM, 'Abuse', crlf(['From: Alice <alice@example.com>', `To: ${VICTIM}`, 'Subject: [ordinary] Lunch', 'Date: Mon, 23 Nov 2026 04:00:00 +0000', 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'Lunch at noon?']))
  page = (await h.signedIn(VICTIM)).page
}, 600_000)

afterAll(async () => {
  await h?.close()
})

async function heapMb(p: Page): Promise<number> {
  const cdp = await p.context().newCDPSession(p)
  await cdp.send('Performance.enable')
  const { metrics } = await cdp.send('Performance.getMetrics')
  await cdp.detach()
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 1024 / 1024
}

describe('resource abuse in the reading pane', () => {
  it('opens each abusive message within a bound, stays responsive, and the mailbox still works', async () => {
    await page.getByRole('navigation', { name: 'Folders' }).getByRole('link', { name: 'Abuse', exact: true }).click()
    const region = page.getByRole('region', { name: 'Message' })
    const list = page.getByRole('list', { name: 'Messages' })
    for (const [name] of CASES) {
      const t0 = Date.now()
      await list.getByRole('listitem').filter({ hasText: `[${name}]` }).click()
      await region.getByRole('heading', { name: new RegExp(`\\[${name}\\]`) }).waitFor({ timeout: 90_000 })
      // Too deep for the display parser: the pane says so, keeps the header, shows the source.
      if (name === 'nested-10000') await region.getByRole('status').filter({ hasText: /nested more than \d+ levels/ }).waitFor()
      // The engine answered: a summary, or a sentence saying why it could not look.
      await region.getByTestId('security-summary').or(region.getByRole('status').first()).first().waitFor({ timeout: 90_000 })
      if (name === 'line-100mb') {
        await region.getByRole('status').filter({ hasText: 'more than Cachet displays' }).waitFor()
        // The engine refused to look (verdict stays 'invalid'); the words say so, not "altered".
        const summary = region.getByTestId('security-summary')
        expect(await summary.getAttribute('data-signature')).toBe('invalid')
        expect(await summary.getByTestId('signature-status').textContent()).toContain('Not checked: this message is too large (over 64 MB) to verify or decrypt')
        expect(await summary.textContent()).not.toContain('altered')
        await h.screenshot(page, 'hostile-11-too-large')
      }
      if (name === 'line-60mb') await region.getByRole('status').filter({ hasText: /only the first 2 million are shown/ }).waitFor({ timeout: 90_000 })
      const ms = Date.now() - t0
      expect(ms, `${name} took ${ms} ms`).toBeLessThan(90_000)
      // Responsive: the main thread answers at once.
      const p0 = Date.now()
      expect(await page.evaluate(() => 1 + 1)).toBe(2)
      expect(Date.now() - p0, `${name}: main thread blocked`).toBeLessThan(2_000)
      const heap = await heapMb(page)
      expect(heap, `${name}: heap ${heap.toFixed(0)} MB`).toBeLessThan(1_024)
      console.log(`[resource] ${name}: ${ms} ms, heap ${heap.toFixed(0)} MB`)
    }
    await h.screenshot(page, 'hostile-10-resource')
    await list.getByRole('listitem').filter({ hasText: '[ordinary]' }).click()
    await region.getByText('Lunch at noon?').waitFor()
  })
})
