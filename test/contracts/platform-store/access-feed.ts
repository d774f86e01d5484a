/**
 * Platform-store contract, part: the access change feed. Every change to keys, members, admins and
 * projects is delivered (at least once) to a watcher; touching a key's lastUsedAt is not a change.
 * Waits are bounded by a deadline, never a fixed sleep that a slow machine could outrun.
 */
import type { Test } from 'tap'
import type { AccessChange, PlatformStore } from '../../../src/infra/ports/platform.ts'
import { apiKey, at, project, type Fresh } from './fixtures.ts'

const DEADLINE_MS = 10_000

function collect(store: PlatformStore) {
  const seen: AccessChange[] = []
  const waiters: Array<() => void> = []
  const watching = store.watchAccess((c) => {
    seen.push(c)
    for (const w of waiters.splice(0)) w()
  })
  const has = (kind: string, key: string) => seen.some((c) => c.kind === kind && 'key' in c && c.key === key)
  return {
    seen,
    watching,
    async until(kind: string, key: string): Promise<boolean> {
      const end = Date.now() + DEADLINE_MS
      while (!has(kind, key)) {
        if (Date.now() > end) return false
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 50)
        })
      }
      return true
    },
  }
}

export function accessFeedContract(t: Test, fresh: Fresh): void {
  t.test('access feed: key, member, admin and project changes reach a watcher', async (t) => {
    const store = await fresh(t)
    const feed = collect(store)
    const w = await feed.watching
    t.teardown(() => w.cancel())
    await store.createProject(project('p1'))
    t.ok(await feed.until('project', 'p1'), 'project created')
    await store.createApiKey(apiKey('k1'))
    t.ok(await feed.until('apikey', 'k1'), 'key created')
    await store.putMember({ projectId: 'p1', subject: 'alice', role: 'project-user', createdAt: at(1) })
    t.ok(await feed.until('member', 'p1/alice'), 'member added')
    await store.setPlatformAdmin('root', true)
    t.ok(await feed.until('admin', 'root'), 'admin granted')

    feed.seen.length = 0
    await store.touchApiKey('k1', at(5))
    await store.revokeApiKey('k1', at(6))
    t.ok(await feed.until('apikey', 'k1'), 'key revoked')
    await store.deleteProject('p1')
    t.ok(await feed.until('project', 'p1'), 'project deleted')
  })

  t.test('access feed: touching lastUsedAt is not a change', async (t) => {
    const store = await fresh(t)
    await store.createProject(project('p1'))
    await store.createApiKey(apiKey('k1'))
    const feed = collect(store)
    const w = await feed.watching
    await store.touchApiKey('k1', at(5))
    // A marker change after the touch: once it arrives, the touch would have arrived before it.
    await store.setPlatformAdmin('marker', true)
    t.ok(await feed.until('admin', 'marker'))
    t.notOk(feed.seen.some((c) => c.kind === 'apikey'), 'no apikey change for a touch')
    await w.cancel()
  })
}
