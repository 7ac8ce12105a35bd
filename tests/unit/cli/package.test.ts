/**
 * Issue 12: `cachet-smime` ships compiled (dist-cli/, built by "prepare" when packing) and
 * installable: `npm pack` of the repository, then `npm install` of that tarball in an
 * empty folder, gives a working `cachet-smime` that needs nothing else (no TypeScript, no
 * dependency: everything is bundled, so the install works offline from the tarball alone).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPki, type Leaf, type Pki } from '../../interop/harness/pki'

const ROOT = resolve(import.meta.dirname, '../../..')
const dir = mkdtempSync(join(tmpdir(), 'cachet-pack-'))
const app = join(dir, 'app')
let pki: Pki
let alice: Leaf

beforeAll(async () => {
  execFileSync('npm', ['pack', ROOT, '--silent', '--pack-destination', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!
  execFileSync('mkdir', ['-p', app])
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'empty', version: '1.0.0', private: true }))
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, tarball)], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] })
  pki = await createPki('cachet-pack-pki')
  alice = await pki.issue('alice', { key: 'rsa2048' })
}, 120_000)
afterAll(async () => {
  await pki?.cleanup()
  rmSync(dir, { recursive: true, force: true })
})

const cli = (args: string[]) => spawnSync(join(app, 'node_modules', '.bin', 'cachet-smime'), args, { cwd: app, encoding: 'utf8' })

describe('the packed cachet-smime', () => {
  it('installs alone: the tarball brings the compiled CLI and no dependencies', () => {
    expect(readdirSync(join(app, 'node_modules')).filter((n) => n !== '.package-lock.json' && n !== '.bin')).toEqual(['cachet'])
    expect(readdirSync(join(app, 'node_modules', 'cachet'))).not.toContain('src')
  })

  it('answers --help, and reads a PFX', () => {
    const help = cli(['--help'])
    expect(help.stdout + help.stderr).toContain('cachet-smime inspect MESSAGE.eml')
    const info = cli(['pfx-info', alice.pfxPath, '--password', alice.password])
    expect(info.status).toBe(0)
    expect(JSON.parse(info.stdout)).toMatchObject({ email: alice.email, errors: [] })
  })

  it('seals and opens a message end to end', () => {
    const draft = `From: ${alice.email}\r\nTo: ${alice.email}\r\nSubject: packed\r\nDate: Mon, 07 Dec 2026 10:00:00 +0000\r\n\r\nFrom the installed package.\r\n`
    const sealed = spawnSync(join(app, 'node_modules', '.bin', 'cachet-smime'), ['seal', '--pfx', alice.pfxPath, '--password', alice.password, '--sign', '--encrypt'], { input: draft, cwd: app })
    expect(sealed.status, sealed.stderr.toString()).toBe(0)
    const file = join(dir, 'sealed.eml')
    writeFileSync(file, sealed.stdout)
    const opened = cli(['inspect', file, '--pfx', alice.pfxPath, '--password', alice.password, '--trust', pki.root.certPath])
    const report = JSON.parse(opened.stdout)
    expect(report.verdict).toMatchObject({ encryption: 'decrypted' })
    expect(report.text).toContain('From the installed package.')
  })
})
