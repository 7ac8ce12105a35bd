import { describe, expect, it } from 'vitest'
import { ImapSession } from '../../../src/bridge/imap/connection'
import { MemorySessionStore } from '../../../src/bridge/session-store'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
// An ImapSession that has not connected yet: closing it does nothing on the network.
const idleImap = () => new ImapSession({ host: '127.0.0.1', port: 1, tls: false, rejectUnauthorized: true }, { user: 'a@example.com', pass: 'x' })

describe('session expiry', () => {
  it('ends a session after the idle timeout', async () => {
    const store = new MemorySessionStore(60, 10_000)
    const s = store.create('a@example.com', 'x', idleImap())
    expect(store.get(s.id)).not.toBeNull()
    await sleep(100)
    expect(store.get(s.id)).toBeNull()
    await store.closeAll()
  })

  it('ends a session at the absolute limit even when it stays active', async () => {
    const store = new MemorySessionStore(1_000, 150)
    const s = store.create('a@example.com', 'x', idleImap())
    for (let i = 0; i < 4; i++) {
      await sleep(30)
      expect(store.get(s.id)).not.toBeNull()
    }
    await sleep(100)
    expect(store.get(s.id)).toBeNull()
    await store.closeAll()
  })

  it('uses unguessable ids and tokens, and runs end hooks (event streams) on destroy', async () => {
    const store = new MemorySessionStore(1_000, 1_000)
    const a = store.create('a@example.com', 'x', idleImap())
    const b = store.create('a@example.com', 'x', idleImap())
    expect(a.id).not.toBe(b.id)
    expect(a.id.length).toBeGreaterThanOrEqual(43)
    expect(a.csrfToken).not.toBe(a.id)
    let ended = false
    a.onEnd.add(() => (ended = true))
    store.destroy(a.id)
    expect(ended).toBe(true)
    await store.closeAll()
  })
})
