/**
 * Issue 13, search inside encrypted mail, end to end in Chromium against the real mail
 * stack: alice sends bob encrypted mail with a protected subject; while bob's key store is
 * locked the list says "Encrypted message" and search finds nothing inside it (and says
 * so); bob opens it once (unlocking), after which the list shows its real subject and a
 * word only in its encrypted text is found, marked as found inside encrypted mail (the
 * server's SEARCH cannot see it). IndexedDB holds none of that plaintext, and "Forget
 * search index" makes the word unfindable again.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureDemoPki, type DemoPki } from '../../src/mailstack/demo-pki'
import { eventually, startHarness, type Harness } from './harness'
import { importPfx, openInbox, trustCa } from './smime-helpers'

const PFX_PASSWORD = 'pfx-e2e-search-71'
const PASSPHRASE = { alice: 'alice search phrase 3', bob: 'bob search phrase 8' }
const SUBJECT = 'Histology of the left kidney'
const WORD = 'zebrafinch'
const TEXT = `The ${WORD} protocol starts on Thursday; nothing else changes.`

let h: Harness
let dir: string
let pki: DemoPki
let bob: Page

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cachet-e2e-search-'))
  pki = ensureDemoPki(join(dir, 'demo-pki'), ['alice@example.com', 'bob@example.com'], PFX_PASSWORD)
  h = await startHarness()
}, 120_000)
afterAll(async () => {
  await h?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const account = (who: 'alice' | 'bob') => pki.accounts.find((a) => a.email.startsWith(who))!

async function setUp(who: 'alice' | 'bob', other: 'alice' | 'bob'): Promise<Page> {
  const { page } = await h.signedIn(`${who}@example.com`)
  await importPfx(page, account(who).pfx, PFX_PASSWORD, PASSPHRASE[who])
  await trustCa(page, pki.caCert)
  const importButton = page.getByRole('button', { name: 'Import certificates' })
  if (await importButton.isVisible()) await importButton.click()
  await page.getByLabel('Certificate files').setInputFiles([account(other).certPem])
  await page.getByRole('region', { name: `Contact ${other}@example.com` }).waitFor()
  return page
}

async function search(page: Page, q: string): Promise<void> {
  const box = page.getByRole('searchbox', { name: 'Search' })
  await box.fill(q)
  await box.press('Enter')
  await page.getByRole('heading', { name: 'Search in Inbox' }).waitFor()
}

const list = (page: Page) => page.getByRole('list', { name: 'Messages' })

/** Every record of every object store of bob's database, as text (bytes as latin1), read in the page. */
async function rawDatabase(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const open = (name: string) => new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open(name)
      r.onsuccess = () => res(r.result)
      r.onerror = () => rej(r.error)
    })
    const dbs = await indexedDB.databases()
    const out: string[] = []
    const text = (v: unknown): string => {
      if (v instanceof Uint8Array || v instanceof ArrayBuffer) {
        const b = v instanceof Uint8Array ? v : new Uint8Array(v)
        let s = ''
        for (const c of b) s += String.fromCharCode(c)
        return s
      }
      if (Array.isArray(v)) return v.map(text).join('\n')
      if (v && typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k}=${text(x)}`).join('\n')
      return String(v)
    }
    for (const info of dbs) {
      const d = await open(info.name!)
      for (const store of Array.from(d.objectStoreNames)) {
        const all = await new Promise<unknown[]>((res, rej) => {
          const r = d.transaction(store).objectStore(store).getAll()
          r.onsuccess = () => res(r.result)
          r.onerror = () => rej(r.error)
        })
        out.push(`## ${info.name}/${store} (${all.length})`, ...all.map(text))
      }
      d.close()
    }
    return out.join('\n')
  })
}

describe('search inside encrypted mail (issue 13)', () => {
  it('alice sends bob encrypted mail with a protected subject', async () => {
    const alice = await setUp('alice', 'bob')
    bob = await setUp('bob', 'alice')
    await openInbox(alice)
    await alice.getByRole('button', { name: 'Compose' }).click()
    const dialog = alice.getByRole('dialog', { name: 'New message' })
    await dialog.getByRole('textbox', { name: 'To' }).fill('bob@example.com')
    await dialog.getByRole('textbox', { name: 'Subject' }).fill(SUBJECT)
    await dialog.getByRole('textbox', { name: 'Message' }).fill(TEXT)
    await dialog.getByRole('listitem', { name: 'bob@example.com: certificate available' }).waitFor()
    await eventually(() => dialog.getByRole('checkbox', { name: 'Encrypt' }).isChecked(), 'Encrypt on: bob has a certificate')
    expect(await dialog.getByRole('checkbox', { name: 'Protect subject' }).isChecked()).toBe(true)
    await dialog.getByRole('button', { name: 'Send' }).click()
    await dialog.waitFor({ state: 'detached', timeout: 60_000 })
  })

  it('locked, bob’s list says "Encrypted message" and search says encrypted mail was not searched', async () => {
    await bob.getByRole('navigation', { name: 'App' }).getByRole('link', { name: 'Security' }).click()
    await bob.getByRole('button', { name: 'Lock now' }).click()
    await bob.getByTestId('keystore-state').getByText('Locked').waitFor()
    await openInbox(bob)
    const row = list(bob).getByRole('listitem', { name: /Encrypted message/ })
    await eventually(async () => {
      if (await row.count()) return true
      await openInbox(bob)
      return false
    }, 'the encrypted message in bob’s Inbox', 60_000)
    expect(await list(bob).getByText('[...]').count()).toBe(0)
    await search(bob, WORD)
    await bob.getByText(/0 matches for “zebrafinch”\. Encrypted mail was not searched/).waitFor()
    await bob.screenshot({ path: '/tmp/search-locked-desktop.png' })
    await bob.getByRole('searchbox', { name: 'Search' }).press('Escape')
  })

  it('opened once (unlocking), its real subject shows in the list and a word of its encrypted text is found', async () => {
    await list(bob).getByRole('listitem', { name: /Encrypted message/ }).click()
    const prompt = bob.getByRole('dialog', { name: 'Unlock key store' })
    await prompt.getByLabel('Key store passphrase').fill(PASSPHRASE.bob)
    await prompt.getByRole('button', { name: 'Unlock' }).click()
    await bob.getByRole('region', { name: 'Message' }).getByRole('heading', { name: SUBJECT }).waitFor({ timeout: 60_000 })
    await list(bob).getByRole('listitem', { name: new RegExp(SUBJECT) }).waitFor()
    expect(await list(bob).getByRole('listitem', { name: /Encrypted message/ }).count()).toBe(0)

    await search(bob, WORD)
    const hit = list(bob).getByRole('listitem', { name: /found inside encrypted mail/ })
    await hit.waitFor()
    expect(await hit.getAttribute('aria-label')).toContain(SUBJECT)
    expect(await hit.getAttribute('data-found-inside')).toBe('true')
    await bob.getByText('1 match for “zebrafinch”').waitFor()
    await bob.screenshot({ path: '/tmp/search-found-desktop.png' })
    // The server's SEARCH alone finds nothing: the word is only inside the encryption.
    const server = await bob.evaluate(async (q) => (await (await fetch(`/api/search?mailbox=INBOX&q=${q}`)).json()) as { total: number }, WORD)
    expect(server.total).toBe(0)
  })

  it('on a phone the hit reads the same', async () => {
    await bob.setViewportSize({ width: 390, height: 844 })
    // One pane at a time: the message bob opened is on screen, the list behind it.
    const back = bob.getByRole('button', { name: 'Back to messages' })
    if (await back.isVisible()) await back.click()
    await list(bob).getByRole('listitem', { name: /found inside encrypted mail/ }).waitFor()
    await bob.screenshot({ path: '/tmp/search-found-phone.png' })
    await bob.setViewportSize({ width: 1400, height: 860 })
  })

  it('IndexedDB holds none of the plaintext: the index is stored encrypted', async () => {
    const raw = await rawDatabase(bob)
    expect(raw).toContain('/searchIndex (1)')
    for (const secret of [WORD, 'Histology', 'kidney', 'Thursday']) expect(raw).not.toContain(secret)
  })

  it('"Forget search index" deletes it: the word is no longer found', async () => {
    await bob.getByRole('link', { name: 'Security', exact: true }).click()
    const forget = bob.getByRole('button', { name: 'Forget search index' })
    await forget.scrollIntoViewIfNeeded()
    await forget.click()
    await bob.getByText('The search index was deleted.').waitFor()
    await bob.screenshot({ path: '/tmp/search-forget-desktop.png' })
    expect(await rawDatabase(bob)).toContain('/searchIndex (0)')
    await openInbox(bob)
    await search(bob, WORD)
    await bob.getByText('0 matches for “zebrafinch”').waitFor()
    expect(await list(bob).getByRole('listitem', { name: /found inside encrypted mail/ }).count()).toBe(0)
  })
})
