/**
 * Sealing (sign then encrypt) drafts with 1, 10 and 25 MiB attachments (issue #6): in
 * Node by sealMessage, and in headless Chromium along the app's real path (fetch the
 * draft → crypto worker seal → sealed message back), each as a ratio to OpenSSL in the
 * same run on the same entity: `cms -sign | cms -encrypt` producing S/MIME, and the
 * same producing DER (`-nodetach -binary -outform DER`, the native reference). Median of
 * BENCH_SMIME_ROUNDS runs; peak memory as described in smime-lib.ts, as a multiple of
 * the draft's size. The first output of each size is decrypted and verified by OpenSSL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sealMessage } from '../../src/core/message'
import {
  DELIVERY, MiB, PASSPHRASE, PFX_PASSWORD, PeakProbe, ROUNDS, SIZES, call, entityWithAttachment, fmtX, makePki, median, mib,
  nodeGc, openssl, rendererPids, sha256Hex, startChromium, timeShell, type Pki, type Row,
} from './smime-lib'

interface Input {
  mib: number
  draft: string
  entity: string
  draftBytes: number
  entitySha: string
}

function makeInput(pki: Pki, m: number): Input {
  const entity = entityWithAttachment(m * MiB)
  writeFileSync(join(pki.dir, `entity-${m}.eml`), entity)
  const draft = Buffer.concat([Buffer.from(`${DELIVERY.join('\r\n')}\r\nMIME-Version: 1.0\r\n`), entity])
  writeFileSync(join(pki.dir, `draft-${m}.eml`), draft)
  return { mib: m, draft: `draft-${m}.eml`, entity: `entity-${m}.eml`, draftBytes: draft.length, entitySha: sha256Hex(entity) }
}

/** OpenSSL (bob) decrypts and verifies a sealed message; the signed content must be the draft's entity. */
function checkSealed(pki: Pki, input: Input, file: string, where: string): void {
  const dir = pki.dir
  try {
    openssl(dir, ['cms', '-decrypt', '-in', file, '-recip', 'bob.pem', '-inkey', 'bob.key', '-out', `${file}.dec`])
    openssl(dir, ['cms', '-verify', '-in', `${file}.dec`, '-CAfile', 'ca.pem', '-out', `${file}.content`])
  } catch (e) {
    throw new Error(`${where}: OpenSSL could not decrypt and verify the sealed ${input.mib} MiB message: ${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`, { cause: e })
  }
  // cms -verify writes the signed entity; Cachet signs the draft's entity as is (CRLF).
  const content = readFileSync(join(dir, `${file}.content`))
  if (!content.includes(Buffer.from('Here is the file you asked for.')) || content.length < input.draftBytes - 4096) {
    throw new Error(`${where}: the content OpenSSL verified is not the draft's (${content.length} bytes)`)
  }
  rmSync(join(dir, `${file}.dec`))
  rmSync(join(dir, `${file}.content`))
}

export default {
  title: 'S/MIME seal (issue #6): sign then encrypt a draft with an attachment, time vs OpenSSL (median), peak memory vs draft size',
  async run(log: (m: string) => void): Promise<Row[]> {
    const dir = mkdtempSync(join(tmpdir(), 'cachet-bench-seal-'))
    const rows: Row[] = []
    const table: string[] = []
    try {
      log('making the PKI (RSA-2048) and the drafts')
      const pki = makePki(dir)
      const inputs = SIZES.map((m) => makeInput(pki, m))
      const identity = { certificate: pki.alice.cert, chain: [pki.caDer], privateKey: pki.alice.pkcs8 }
      const [from, to, subject] = DELIVERY

      // OpenSSL references (to alice and bob, as Cachet also encrypts to the sender).
      const ref = new Map<number, { smime: number; der: number }>()
      for (const input of inputs) {
        const smime: number[] = []
        const der: number[] = []
        for (let i = 0; i < ROUNDS; i++) {
          smime.push(
            timeShell(
              dir,
              `openssl cms -sign -in ${input.entity} -signer alice.pem -inkey alice.key -md sha256 | ` +
                `openssl cms -encrypt -aes256 -from '${from!.slice(6)}' -to '${to!.slice(4)}' -subject '${subject!.slice(9)}' -out ossl-${input.mib}.eml bob.pem alice.pem`,
            ),
          )
          der.push(
            timeShell(
              dir,
              `openssl cms -sign -binary -nodetach -outform DER -in ${input.entity} -signer alice.pem -inkey alice.key -md sha256 | ` +
                `openssl cms -encrypt -binary -aes256 -outform DER -out ossl-${input.mib}.der bob.pem alice.pem`,
            ),
          )
        }
        ref.set(input.mib, { smime: median(smime), der: median(der) })
        log(`OpenSSL ${input.mib} MiB: S/MIME ${median(smime).toFixed(0)} ms, DER ${median(der).toFixed(0)} ms`)
      }

      // Node: sealMessage from the draft file.
      const probe = new PeakProbe(() => [process.pid])
      const nodeRes = new Map<number, { ms: number; peak: number }>()
      await sealMessage(new Uint8Array(readFileSync(join(dir, inputs[0]!.draft))), { identity, sign: true, encrypt: true, recipients: [pki.bob.cert] }, globalThis.crypto)
      for (const input of inputs) {
        const times: number[] = []
        const peaks: number[] = []
        for (let i = 0; i < ROUNDS; i++) {
          nodeGc()
          probe.start()
          const t0 = performance.now()
          const raw = readFileSync(join(dir, input.draft))
          const out = await sealMessage(
            new Uint8Array(raw.buffer, raw.byteOffset, raw.length),
            { identity, sign: true, encrypt: true, recipients: [pki.bob.cert], cipher: 'aes-256-cbc' },
            globalThis.crypto,
          )
          times.push(performance.now() - t0)
          peaks.push(probe.peakBytes())
          if (i === 0) {
            writeFileSync(join(dir, `node-${input.mib}.eml`), out)
            checkSealed(pki, input, `node-${input.mib}.eml`, 'Node')
          }
        }
        nodeRes.set(input.mib, { ms: median(times), peak: Math.max(...peaks) })
        log(`Node ${input.mib} MiB: ${median(times).toFixed(0)} ms, peak +${mib(Math.max(...peaks))}`)
      }

      // Chromium: the app's crypto worker; a fresh page (worker, key store) per run, warmed by one 1 MiB seal.
      // Step 1 fetches the draft in the page; step 2 transfers it to the worker, seals it there
      // and brings the sealed message back.
      log('building the bench entry (Vite) and starting Chromium')
      const chromeRes = new Map<number, { ms: number; fetchMs: number; fetchPeak: number; peak: number; whole: number }>()
      const bench = await startChromium(dir, dir)
      try {
        const rprobe = new PeakProbe(rendererPids)
        for (const input of inputs) {
          const times: number[] = []
          const fetchTimes: number[] = []
          const fetchPeaks: number[] = []
          const peaks: number[] = []
          const wholePeaks: number[] = []
          for (let i = 0; i < ROUNDS; i++) {
            const page = await bench.newPage()
            const id = await call<string>(page, 'importPfx', '/data/alice.p12', PFX_PASSWORD, PASSPHRASE)
            await call(page, 'load', `/data/${inputs[0]!.draft}`)
            await call(page, 'seal', id, ['/data/bob.der'])
            await bench.gc(page)
            rprobe.start()
            const b0 = rprobe.baseBytes()
            const l = await call<{ ms: number }>(page, 'load', `/data/${input.draft}`)
            const hwm1 = rprobe.hwmBytes()
            fetchPeaks.push(hwm1 - b0)
            await bench.gc(page)
            // The step's own peak: RSS growth from just before it, plus the input it is handed
            // (already in the page, moved to the worker without a copy), counted once.
            rprobe.start()
            const r = await call<{ ms: number; kind: string; outBytes: number }>(page, 'seal', id, ['/data/bob.der'])
            peaks.push(rprobe.peakBytes() + input.draftBytes)
            wholePeaks.push(Math.max(hwm1, rprobe.hwmBytes()) - b0)
            if (r.kind !== 'sealed') throw new Error(`Chromium: seal answered ${r.kind}`)
            times.push(l.ms + r.ms)
            fetchTimes.push(l.ms)
            if (i === 0) {
              await call(page, 'upload', `chromium-${input.mib}.eml`)
              checkSealed(pki, input, `chromium-${input.mib}.eml`, 'Chromium')
            }
            await page.context().close()
          }
          chromeRes.set(input.mib, { ms: median(times), fetchMs: median(fetchTimes), fetchPeak: Math.max(...fetchPeaks), peak: Math.max(...peaks), whole: Math.max(...wholePeaks) })
          log(`Chromium ${input.mib} MiB: ${median(times).toFixed(0)} ms (fetch ${median(fetchTimes).toFixed(0)}), peak whole path +${mib(Math.max(...wholePeaks))}, fetch +${mib(Math.max(...fetchPeaks))}, seal step +${mib(Math.max(...peaks))}`)
        }
      } finally {
        await bench.close()
      }

      table.push('attachment (draft)      | OpenSSL S/MIME | OpenSSL DER | Node ms (×DER, ×S/MIME) peak×draft | Chromium ms incl. fetch (×DER, ×S/MIME) peak×draft whole path [fetch, seal step] | goal (25 MiB, Chromium: ≤1.5× DER, ≤4× draft)')
      for (const input of inputs) {
        const r = ref.get(input.mib)!
        const n = nodeRes.get(input.mib)!
        const c = chromeRes.get(input.mib)!
        const size = `${input.mib} MiB (${mib(input.draftBytes)})`
        rows.push({ label: `${input.mib} MiB · OpenSSL sign|encrypt S/MIME`, value: r.smime, unit: 'ms', note: `attachment ${input.mib} MiB, draft ${mib(input.draftBytes)}` })
        rows.push({ label: `${input.mib} MiB · OpenSSL sign|encrypt DER`, value: r.der, unit: 'ms' })
        rows.push({
          label: `${input.mib} MiB · Node sealMessage`,
          value: n.ms,
          unit: 'ms',
          note: `${fmtX(n.ms / r.der)} OpenSSL DER, ${fmtX(n.ms / r.smime)} OpenSSL S/MIME; peak +${mib(n.peak)} = ${fmtX(n.peak / input.draftBytes)} draft (process RSS)`,
        })
        const met = c.ms <= 1.5 * r.der && c.whole <= 4 * input.draftBytes
        rows.push({
          label: `${input.mib} MiB · Chromium worker seal`,
          value: c.ms,
          unit: 'ms',
          note:
            `${fmtX(c.ms / r.der)} OpenSSL DER, ${fmtX(c.ms / r.smime)} OpenSSL S/MIME (fetch ${c.fetchMs.toFixed(0)} ms of it); ` +
            `peak, whole path +${mib(c.whole)} = ${fmtX(c.whole / input.draftBytes)} draft (fetch alone ${fmtX(c.fetchPeak / input.draftBytes)}, worker step alone ${fmtX(c.peak / input.draftBytes)}; renderer RSS)` +
            (input.mib === 25 ? `; goal ${met ? 'MET' : 'MISSED'}` : ''),
        })
        table.push(
          `${size.padEnd(23)} | ${r.smime.toFixed(0).padStart(11)} ms | ${r.der.toFixed(0).padStart(8)} ms | ` +
            `${n.ms.toFixed(0)} (${fmtX(n.ms / r.der)}, ${fmtX(n.ms / r.smime)}) ${fmtX(n.peak / input.draftBytes)} | ` +
            `${c.ms.toFixed(0)} (${fmtX(c.ms / r.der)}, ${fmtX(c.ms / r.smime)}) ${fmtX(c.whole / input.draftBytes)} [fetch ${fmtX(c.fetchPeak / input.draftBytes)}, step ${fmtX(c.peak / input.draftBytes)}]` +
            (input.mib === 25 ? ` | ${met ? 'MET' : 'MISSED'}` : ''),
        )
      }
      log(`\n${table.join('\n')}`)
      return rows
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
