import t from 'tap'
import { createReadThrough } from '../../../plugins/platform/read-through.ts'

/** A cache over a fake store whose availability and contents the test controls, on a fake clock. */
function setup(staleOnErrorMs: number) {
  let clock = 1_000
  let down = false
  const data = new Map<string, string>([['k1', 'v1'], ['k2', 'v2']])
  const cache = createReadThrough<string | undefined>({
    load: async (key) => {
      if (down) throw Object.assign(new Error('store down'), { code: 'SQL_UNAVAILABLE' })
      return data.get(key)
    },
    isAbsent: (v) => v === undefined,
    maxEntries: 10,
    maxAbsent: 10,
    absentTtlMs: 1_000,
    staleOnErrorMs,
    now: () => clock,
  })
  return { cache, data, tick: (ms: number) => (clock += ms), setDown: (d: boolean) => (down = d) }
}

t.test('while distrusted, a failing store is answered from what was cached, within the bound', async (t) => {
  const { cache, data, tick, setDown } = setup(30_000)
  t.equal(await cache.get('k1'), 'v1')
  cache.distrust()
  data.set('k1', 'v1-new')
  t.equal(await cache.get('k1'), 'v1-new', 'a working store is read, not the stale value')
  setDown(true)
  t.equal(await cache.get('k1'), 'v1', 'the store fails: the value cached before distrust answers')
  await t.rejects(Promise.resolve(cache.get('k2')), { code: 'SQL_UNAVAILABLE' }, 'never cached: the error')
  tick(30_001)
  await t.rejects(Promise.resolve(cache.get('k1')), { code: 'SQL_UNAVAILABLE' }, 'past the bound: the error')
})

t.test('a change seen for a key drops its stale value; clear() restores trust', async (t) => {
  const { cache, setDown } = setup(30_000)
  await cache.get('k1')
  await cache.get('k2')
  cache.distrust()
  cache.invalidate('k1')
  setDown(true)
  await t.rejects(Promise.resolve(cache.get('k1')), { code: 'SQL_UNAVAILABLE' })
  t.equal(await cache.get('k2'), 'v2')
  setDown(false)
  cache.clear()
  t.equal(await cache.get('k2'), 'v2')
  setDown(true)
  t.equal(cache.get('k2'), 'v2', 'trusted again: a hit, no load')
})

t.test('staleOnErrorMs 0 keeps the strict behaviour', async (t) => {
  const { cache, setDown } = setup(0)
  await cache.get('k1')
  cache.distrust()
  setDown(true)
  await t.rejects(Promise.resolve(cache.get('k1')), { code: 'SQL_UNAVAILABLE' })
})
