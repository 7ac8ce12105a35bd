import { describe, expect, it } from 'vitest'
import { ImapSession } from '../../../src/bridge/imap/connection'
import { MemorySessionStore } from '../../../src/bridge/session-store'

/** A clock the test moves by hand, so expiry does not depend on machine load. */
function manualClock() {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}
// An ImapSession that has not connected yet: closing it does nothing on the network.
const idleImap = () => new ImapSession({ host: '127.0.0.1', port: 1, tls: false, rejectUnauthorized: true }, { user: 'a@example.com', pass: 'x' })

describe('session expiry', () => {
  it('ends a session after the idle timeout', async () => {
    const clock = manualClock()
    const store = new MemorySessionStore(60, 10_000, clock.now)
    const s = await store.create('a@example.com', 'x', idleImap())
    clock.advance(50)
    expect(await store.get(s.id)).not.toBeNull()
    clock.advance(61)
    expect(await store.get(s.id)).toBeNull()
    await store.closeAll()
  })

  it('ends a session at the absolute limit even when it stays active', async () => {
    const clock = manualClock()
    const store = new MemorySessionStore(1_000, 150, clock.now)
    const s = await store.create('a@example.com', 'x', idleImap())
    for (let i = 0; i < 4; i++) {
      clock.advance(30)
      expect(await store.get(s.id)).not.toBeNull()
    }
    clock.advance(100)
    expect(await store.get(s.id)).toBeNull()
    await store.closeAll()
  })

  it('uses unguessable ids and tokens, and runs end hooks (event streams) on destroy', async () => {
    const store = new MemorySessionStore(1_000, 1_000)
    const a = await store.create('a@example.com', 'x', idleImap())
    const b = await store.create('a@example.com', 'x', idleImap())
    expect(a.id).not.toBe(b.id)
    expect(a.id.length).toBeGreaterThanOrEqual(43)
    expect(a.csrfToken).not.toBe(a.id)
    let ended = false
    a.onEnd.add(() => (ended = true))
    await store.destroy(a.id)
    expect(ended).toBe(true)
    await store.closeAll()
  })
})
