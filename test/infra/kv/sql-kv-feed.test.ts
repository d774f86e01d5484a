/**
 * The SQL store's change feed beyond the contract: paging through history while writes continue,
 * writes from another process (no local wake-up, polling only), retention, and a live watch that
 * falls behind compaction. On in-memory PGlite.
 */
import t from 'tap'
import type { KvWatchEvent } from '../../../src/infra/ports/kv.ts'
import type { SqlDatabase } from '../../../src/infra/ports/sql.ts'
import { createSqlKv } from '../../../src/infra/kv/sql-kv.ts'
import { SqlKvFeed } from '../../../src/infra/kv/sql-kv-feed.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'

const db = await createPgliteDatabase()
await migrate(db)
t.teardown(() => db.close())

/** The same database behind a different object: stores on it share no in-process wake-up, like another process. */
const otherProcess = (d: SqlDatabase): SqlDatabase => ({ ...d })

async function eventually(check: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

t.test('catch-up pages through history while writes continue, without gaps or duplicates', async (t) => {
  const store = createSqlKv({ db })
  t.teardown(() => store.close())
  const from = (await store.revision()) + 1
  const expected: string[] = []
  for (let i = 0; i < 10; i++) {
    await store.put(`page/${i}`, String(i))
    expected.push(`put page/${i}`)
  }
  // One revision with 4 changes: pages of 3 must split it and still resume at the right sub.
  await store.txn([], [0, 1, 2, 3].map((i) => ({ type: 'put' as const, key: `page/t${i}`, value: 't' })))
  expected.push('put page/t0', 'put page/t1', 'put page/t2', 'put page/t3')
  await store.put('elsewhere', 'not under the prefix')

  const feed = new SqlKvFeed(db, { pollIntervalMs: 20, pageSize: 3 })
  t.teardown(() => feed.close())
  const got: KvWatchEvent[] = []
  const errors: Error[] = []
  await feed.watch('page/', (e) => got.push(e), { fromRevision: from, onError: (e) => errors.push(e) })
  for (let i = 10; i < 20; i++) {
    await store.put(`page/${i}`, String(i))
    expected.push(`put page/${i}`)
  }
  await store.deletePrefix('page/t')
  expected.push('delete page/t0', 'delete page/t1', 'delete page/t2', 'delete page/t3')
  await eventually(() => got.length >= expected.length, 5_000, `${expected.length} events`)
  await new Promise((r) => setTimeout(r, 100))
  t.same(got.map((e) => `${e.type} ${e.key}`), expected)
  t.same(errors, [])
})

t.test('writes by another process arrive by polling', async (t) => {
  const local = createSqlKv({ db, pollIntervalMs: 50 })
  const remote = createSqlKv({ db: otherProcess(db) })
  t.teardown(async () => {
    await local.close()
    await remote.close()
  })
  const got: KvWatchEvent[] = []
  await local.watch('remote/', (e) => got.push(e))
  const started = Date.now()
  const { revision } = await remote.put('remote/k', 'v')
  await eventually(() => got.length === 1, 2_000, 'the remote write')
  t.same(got, [{ type: 'put', key: 'remote/k', value: 'v', modRevision: revision }])
  t.ok(Date.now() - started < 1_000, 'seen within a few poll intervals')
})

t.test('retention compacts old history; watches from before it fail, later ones work', async (t) => {
  const store = createSqlKv({ db, sweepIntervalMs: 20, retention: { keepRevisions: 5, keepMinutes: 0, intervalMs: 0 } })
  t.teardown(() => store.close())
  const first = (await store.put('ret/k', '0')).revision
  let last = first
  for (let i = 1; i < 20; i++) last = (await store.put('ret/k', String(i))).revision
  await t.resolves(async () => {
    const deadline = Date.now() + 3_000
    for (;;) {
      const err = await store.watch('ret/', () => {}, { fromRevision: first }).then((w) => (w.cancel(), undefined), (e) => e)
      if (err) return
      if (Date.now() > deadline) throw new Error('history was never compacted')
      await new Promise((r) => setTimeout(r, 20))
    }
  })
  await t.rejects(store.watch('ret/', () => {}, { fromRevision: first }), { code: 'KV_COMPACTED' })
  const got: KvWatchEvent[] = []
  const w = await store.watch('ret/', (e) => got.push(e), { fromRevision: last - 4 })
  await eventually(() => got.length === 5, 2_000, 'the retained revisions')
  t.same(got.map((e) => e.value), ['15', '16', '17', '18', '19'], 'the last keepRevisions revisions are kept')
  await w.cancel()
})

t.test('a live watch that falls behind compaction is told so', async (t) => {
  const writer = createSqlKv({ db: otherProcess(db) })
  t.teardown(() => writer.close())
  // A feed that polls rarely and is never woken: it falls behind on purpose.
  const feed = new SqlKvFeed(db, { pollIntervalMs: 60_000, pageSize: 100 })
  t.teardown(() => feed.close())
  const got: KvWatchEvent[] = []
  const errors: Error[] = []
  await feed.watch('behind/', (e) => got.push(e), { onError: (e) => errors.push(e) })
  await new Promise((r) => setTimeout(r, 50)) // let the initial catch-up flip the watch to live
  await writer.put('behind/a', '1')
  const { revision } = await writer.put('behind/a', '2')
  await writer.compact(revision)
  feed.poke()
  await eventually(() => errors.length > 0, 2_000, 'the compaction error')
  t.match(errors[0], { code: 'KV_COMPACTED' })
  t.same(got, [], 'nothing was delivered from the partial history')
})
