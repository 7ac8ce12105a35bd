/**
 * Opening signed-then-encrypted messages of about 1, 10 and 25 MiB (issue #5): made in
 * the run by `openssl cms -sign` then `openssl cms -encrypt` (RSA-2048 keys made on the
 * fly), opened (a) in Node by openMessage, (b) in headless Chromium along the app's real
 * path (fetch → crypto worker → openMessage → result back), each as a ratio to OpenSSL in
 * the same run on the same message: `cms -decrypt | cms -verify` on the .eml, and the
 * same two commands on the DER form of the message (`-inform DER`). Median of
 * BENCH_SMIME_ROUNDS runs, the four taken in turn round by round; peak memory as
 * described in smime-lib.ts, as a multiple of the .eml size. Every open is checked:
 * signature valid, decrypted, attachment intact (in Chromium from the inner entity the
 * page gets, as the app displays it: the worker leaves the body to the page).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openMessage } from '../../src/core/message'
import { PHASES, phases } from './chromium/phases'
import {
  DELIVERY, MiB, PASSPHRASE, PFX_PASSWORD, PeakProbe, ROUNDS, SIZES, call, entityWithAttachment, fmtX, makePki, median, mib,
  nodeGc, noise, openssl, rendererPids, sha256Hex, startChromium, timeShell, type Pki, type Row,
} from './smime-lib'

/** Attachment size that makes the signed-then-encrypted .eml about `mib` MiB (base64 twice: ≈1.85×). */
const attachmentFor = (m: number) => Math.round((m * MiB) / 1.85)

interface Input {
  mib: number
  eml: string
  der: string
  emlBytes: number
  derBytes: number
  attachment: number
  attachmentSha: string
}

function makeInput(pki: Pki, m: number): Input {
  const dir = pki.dir
  const attachment = attachmentFor(m)
  const entity = entityWithAttachment(attachment)
  writeFileSync(join(dir, `inner-${m}.eml`), entity)
  const signed = openssl(dir, ['cms', '-sign', '-in', `inner-${m}.eml`, '-signer', 'alice.pem', '-inkey', 'alice.key', '-md', 'sha256'])
  const [from, to, subject] = DELIVERY
  const eml = openssl(dir, ['cms', '-encrypt', '-aes256', '-from', from!.slice(6), '-to', to!.slice(4), '-subject', subject!.slice(9), 'bob.pem'], signed)
  writeFileSync(join(dir, `open-${m}.eml`), eml)
  const signedDer = openssl(dir, ['cms', '-sign', '-binary', '-nodetach', '-outform', 'DER', '-in', `inner-${m}.eml`, '-signer', 'alice.pem', '-inkey', 'alice.key', '-md', 'sha256'])
  const der = openssl(dir, ['cms', '-encrypt', '-binary', '-aes256', '-outform', 'DER', 'bob.pem'], signedDer)
  writeFileSync(join(dir, `open-${m}.der`), der)
  return { mib: m, eml: `open-${m}.eml`, der: `open-${m}.der`, emlBytes: eml.length, derBytes: der.length, attachment, attachmentSha: sha256Hex(noise(attachment)) }
}

const readU8 = (f: string) => {
  const b = readFileSync(f)
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}

function check(where: string, input: Input, r: { verdict: { signature: string; encryption: string }; attachments: { size: number; sha256: string }[]; errors: unknown[] }): void {
  const a = r.attachments[0]
  if (r.verdict.signature !== 'valid' || r.verdict.encryption !== 'decrypted' || !a || a.size !== input.attachment || a.sha256 !== input.attachmentSha) {
    throw new Error(`${where} did not open the ${input.mib} MiB message correctly: ${JSON.stringify({ verdict: r.verdict, attachments: r.attachments, errors: r.errors })}`)
  }
}

export default {
  title: 'S/MIME open (issue #5): signed-then-encrypted .eml, time vs OpenSSL (median), peak memory vs message size',
  async run(log: (m: string) => void): Promise<Row[]> {
    const dir = mkdtempSync(join(tmpdir(), 'cachet-bench-open-'))
    const rows: Row[] = []
    const table: string[] = []
    try {
      log('making the PKI (RSA-2048) and the messages with OpenSSL')
      const pki = makePki(dir)
      const inputs = SIZES.map((m) => makeInput(pki, m))
      const keyring = {
        identities: [{ certificate: pki.bob.cert, chain: [pki.caDer], privateKey: pki.bob.pkcs8 }],
        trustAnchors: [pki.caDer],
        certificates: [],
        crls: [],
      }

      // Chromium: the app's crypto worker; a fresh page (worker, key store) per run, warmed by one 1 MiB open.
      // Step 1 fetches the message in the page (response.arrayBuffer(), as the app's fetchRaw);
      // step 2 transfers it to the worker, opens it there and brings the result back.
      log('building the bench entry (Vite) and starting Chromium')
      const chromeRes = new Map<number, { ms: number; fetchMs: number; openMs: number; fetchPeak: number; peak: number; whole: number }>()
      const chromePhases: number[][] = []
      const nodePhases: number[][] = []
      const ref = new Map<number, { eml: number; der: number }>()
      const nodeRes = new Map<number, { ms: number; peak: number }>()
      const probe = new PeakProbe(() => [process.pid])
      const warm = new Uint8Array(readFileSync(join(dir, inputs[0]!.eml)))
      check('Node (warm-up)', inputs[0]!, (await openMessage(warm, keyring, globalThis.crypto)).report)
      const bench = await startChromium(dir, dir)
      try {
        const rprobe = new PeakProbe(rendererPids)
        /** One Chromium run: fetch, then open in the worker; times and peaks. */
        const chromeRun = async (input: Input) => {
          const page = await bench.newPage()
          await call(page, 'importPfx', '/data/bob.p12', PFX_PASSWORD, PASSPHRASE)
          await call(page, 'load', `/data/${inputs[0]!.eml}`)
          const w = await call<{ verdict: { signature: string; encryption: string }; errors: unknown[] }>(page, 'open', ['/data/ca.der'])
          check('Chromium (warm-up)', inputs[0]!, { ...w, ...(await call<{ attachments: { size: number; sha256: string }[] }>(page, 'checkInner')) })
          await bench.gc(page)
          rprobe.start()
          const b0 = rprobe.baseBytes()
          const l = await call<{ ms: number }>(page, 'load', `/data/${input.eml}`)
          const hwm1 = rprobe.hwmBytes()
          await bench.gc(page)
          // The step's own peak: RSS growth from just before it, plus the input it is handed
          // (already in the page, moved to the worker without a copy), counted once.
          rprobe.start()
          const r = await call<{ ms: number; verdict: { signature: string; encryption: string }; errors: unknown[] }>(page, 'open', ['/data/ca.der'])
          const out = { ms: l.ms + r.ms, fetchMs: l.ms, openMs: r.ms, fetchPeak: hwm1 - b0, peak: rprobe.peakBytes() + input.emlBytes, whole: Math.max(hwm1, rprobe.hwmBytes()) - b0 }
          // The body the page got (inner), checked once time and memory are read.
          check('Chromium', input, { ...r, ...(await call<{ attachments: { size: number; sha256: string }[] }>(page, 'checkInner')) })
          await page.context().close()
          return out
        }
        /** One Node run: openMessage from the file (as inspect). */
        const nodeRun = async (input: Input) => {
          nodeGc()
          probe.start()
          const t0 = performance.now()
          const raw = readFileSync(join(dir, input.eml))
          const r = await openMessage(new Uint8Array(raw.buffer, raw.byteOffset, raw.length), keyring, globalThis.crypto)
          const out = { ms: performance.now() - t0, peak: probe.peakBytes() }
          check('Node', input, r.report)
          return out
        }
        // Round by round, the four in turn, so that load from elsewhere on the machine
        // falls on all of them alike (it does not cancel when OpenSSL runs minutes earlier).
        for (const input of inputs) {
          const eml: number[] = []
          const der: number[] = []
          const node: { ms: number; peak: number }[] = []
          const chrome: Awaited<ReturnType<typeof chromeRun>>[] = []
          for (let i = 0; i < ROUNDS; i++) {
            eml.push(timeShell(dir, `openssl cms -decrypt -in ${input.eml} -recip bob.pem -inkey bob.key | openssl cms -verify -CAfile ca.pem -out /dev/null`))
            der.push(timeShell(dir, `openssl cms -decrypt -inform DER -in ${input.der} -recip bob.pem -inkey bob.key | openssl cms -verify -inform DER -CAfile ca.pem -out /dev/null`))
            node.push(await nodeRun(input))
            chrome.push(await chromeRun(input))
          }
          ref.set(input.mib, { eml: median(eml), der: median(der) })
          log(`OpenSSL ${input.mib} MiB: .eml ${median(eml).toFixed(0)} ms, DER ${median(der).toFixed(0)} ms`)
          const nodePeak = Math.max(...node.map((x) => x.peak))
          nodeRes.set(input.mib, { ms: median(node.map((x) => x.ms)), peak: nodePeak })
          log(`Node ${input.mib} MiB: ${median(node.map((x) => x.ms)).toFixed(0)} ms, peak +${mib(nodePeak)}`)
          const c = {
            ms: median(chrome.map((x) => x.ms)),
            fetchMs: median(chrome.map((x) => x.fetchMs)),
            openMs: median(chrome.map((x) => x.openMs)),
            fetchPeak: Math.max(...chrome.map((x) => x.fetchPeak)),
            peak: Math.max(...chrome.map((x) => x.peak)),
            whole: Math.max(...chrome.map((x) => x.whole)),
          }
          chromeRes.set(input.mib, c)
          log(`Chromium ${input.mib} MiB: ${c.ms.toFixed(0)} ms (fetch ${c.fetchMs.toFixed(0)}), peak whole path +${mib(c.whole)}, fetch +${mib(c.fetchPeak)}, open step +${mib(c.peak)}`)
        }
        // Where the time goes, at the largest size: the steps of an open, each timed.
        const last = inputs[inputs.length - 1]!
        const page = await bench.newPage()
        const url = (i: Input) => `/data/${i.eml}`
        const runPhases = (u: string) => page.evaluate(([a]) => (window as unknown as { phases: { open(u: string, c: string, k: string): Promise<number[]> } }).phases.open(a!, '/data/bob.der', '/data/bob.p8'), [u])
        await runPhases(url(inputs[0]!))
        for (let i = 0; i < ROUNDS + 2; i++) {
          chromePhases.push(await runPhases(url(last)))
          await bench.gc(page)
        }
        await page.context().close()
      } finally {
        await bench.close()
      }
      const last = inputs[inputs.length - 1]!
      const bob = { certificate: pki.bob.cert, chain: [], privateKey: pki.bob.pkcs8 }
      await phases(readU8(join(dir, inputs[0]!.eml)), bob, globalThis.crypto)
      for (let i = 0; i < ROUNDS + 2; i++) {
        nodeGc()
        nodePhases.push(await phases(readU8(join(dir, last.eml)), bob, globalThis.crypto))
      }
      const phaseRows = (where: string, runs: number[][]) =>
        PHASES.map((name, k) => {
          const xs = runs.map((r) => r[k]!)
          return { label: `${last.mib} MiB · ${where} phase: ${name}`, value: Math.min(...xs), unit: 'ms', note: `min of ${xs.length}; median ${median(xs).toFixed(1)} ms` }
        })

      table.push(
        'size (.eml)   | OpenSSL .eml | OpenSSL DER | Node ms (×DER, ×eml) peak×msg | Chromium ms incl. fetch (×DER, ×eml) peak×msg whole path [fetch, open step] | goal (25 MiB, Chromium: ≤1.5× DER, ≤4× msg)',
      )
      for (const input of inputs) {
        const r = ref.get(input.mib)!
        const n = nodeRes.get(input.mib)!
        const c = chromeRes.get(input.mib)!
        const size = `${input.mib} MiB (${mib(input.emlBytes)}; DER ${mib(input.derBytes)})`
        rows.push({ label: `${input.mib} MiB · OpenSSL decrypt|verify .eml`, value: r.eml, unit: 'ms', note: size })
        rows.push({ label: `${input.mib} MiB · OpenSSL decrypt|verify DER`, value: r.der, unit: 'ms' })
        rows.push({
          label: `${input.mib} MiB · Node openMessage`,
          value: n.ms,
          unit: 'ms',
          note: `${fmtX(n.ms / r.der)} OpenSSL DER, ${fmtX(n.ms / r.eml)} OpenSSL .eml; peak +${mib(n.peak)} = ${fmtX(n.peak / input.emlBytes)} message (process RSS)`,
        })
        const met = c.ms <= 1.5 * r.der && c.whole <= 4 * input.emlBytes
        rows.push({
          label: `${input.mib} MiB · Chromium worker open`,
          value: c.ms,
          unit: 'ms',
          note:
            `${fmtX(c.ms / r.der)} OpenSSL DER, ${fmtX(c.ms / r.eml)} OpenSSL .eml (fetch ${c.fetchMs.toFixed(0)} ms of it; the worker step alone ${c.openMs.toFixed(0)} ms = ${fmtX(c.openMs / r.der)} DER); ` +
            `peak, whole path +${mib(c.whole)} = ${fmtX(c.whole / input.emlBytes)} message (fetch alone ${fmtX(c.fetchPeak / input.emlBytes)}, worker step alone ${fmtX(c.peak / input.emlBytes)}; renderer RSS)` +
            (input.mib === 25 ? `; goal ${met ? 'MET' : 'MISSED'}` : ''),
        })
        table.push(
          `${size.padEnd(13)} | ${r.eml.toFixed(0).padStart(9)} ms | ${r.der.toFixed(0).padStart(8)} ms | ` +
            `${n.ms.toFixed(0)} (${fmtX(n.ms / r.der)}, ${fmtX(n.ms / r.eml)}) ${fmtX(n.peak / input.emlBytes)} | ` +
            `${c.ms.toFixed(0)} (${fmtX(c.ms / r.der)}, ${fmtX(c.ms / r.eml)}; step alone ${c.openMs.toFixed(0)} = ${fmtX(c.openMs / r.der)}) ${fmtX(c.whole / input.emlBytes)} [fetch ${fmtX(c.fetchPeak / input.emlBytes)}, step ${fmtX(c.peak / input.emlBytes)}]` +
            (input.mib === 25 ? ` | ${met ? 'MET' : 'MISSED'}` : ''),
        )
      }
      rows.push(...phaseRows('Chromium', chromePhases), ...phaseRows('Node', nodePhases))
      const sum = (runs: number[][]) => PHASES.map((_, k) => Math.min(...runs.map((r) => r[k]!)))
      table.push(
        '',
        `Where the time goes at ${last.mib} MiB (each step alone, min of ${ROUNDS + 2}; sequential: Chromium runs WebCrypto on the calling thread):`,
        ...PHASES.map((name, k) => `  ${name.padEnd(30)} Chromium ${sum(chromePhases)[k]!.toFixed(1).padStart(6)} ms   Node ${sum(nodePhases)[k]!.toFixed(1).padStart(6)} ms`),
        "  ¹ Node's openMessage (inspect) does it; the app's worker leaves the body to the page (OpenOptions.body), which parses inner for display.",
      )
      log(`\n${table.join('\n')}`)
      return rows
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
