/**
 * The fuzz worker: runs inputs [from, to) and publishes progress in shared memory so
 * the main thread's watchdog can tell a hang (index not moving) from slow progress.
 * Shared Int32Array: [0] = index being run, [1] = inputs done, [2] = RSS in MB.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Keyring } from '../../src/core/types'
import { inputSeed, Rng } from './prng'
import { makeInput, runInput } from './targets'
import type { Seed } from './seeds'

interface Data {
  seeds: Seed[]
  keyring: Keyring
  pfxPassword: string
  runSeed: number
  from: number
  to: number
  shared: SharedArrayBuffer
}

const d = workerData as Data
const state = new Int32Array(d.shared)

/**
 * CACHET_FUZZ_SELFTEST="hang:5,bad:7" proves the harness itself: input 5 spins forever
 * (the watchdog must catch it and carry on), input 7 hands decryptEnvelope a broken
 * keyring (a TypeError, which must be reported as a finding).
 */
const selftest = new Map((process.env.CACHET_FUZZ_SELFTEST ?? '').split(',').filter(Boolean).map((p) => [Number(p.split(':')[1]), p.split(':')[0]!]))

async function main(): Promise<void> {
  const stats = new Map<string, number>()
  const flush = () => {
    parentPort!.postMessage({ type: 'stats', counts: [...stats] })
    stats.clear()
  }
  for (let i = d.from; i < d.to; i++) {
    Atomics.store(state, 0, i)
    const input = makeInput(new Rng(inputSeed(d.runSeed, i)), d.seeds)
    if (selftest.get(i) === 'hang') for (;;);
    const broken = selftest.get(i) === 'bad'
    if (broken) {
      input.seed = d.seeds.find((s) => s.target === 'enveloped-der')!
      input.bytes = input.seed.bytes
    }
    const finding = await runInput(input, broken ? ({ ...d.keyring, identities: null } as unknown as Keyring) : d.keyring, d.pfxPassword, stats)
    if (finding) parentPort!.postMessage({ type: 'finding', index: i, seed: input.seed.name, target: input.seed.target, mutations: input.mutations, finding, bytes: input.bytes })
    Atomics.add(state, 1, 1)
    if ((i & 63) === 0) Atomics.store(state, 2, Math.round(process.memoryUsage().rss / 1048576))
    if ((i & 4095) === 0) flush()
  }
  flush()
  parentPort!.postMessage({ type: 'done' })
}

main().catch((e: unknown) => parentPort!.postMessage({ type: 'fatal', message: String((e as Error)?.stack ?? e) }))
