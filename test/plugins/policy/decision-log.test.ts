/**
 * The decision log's logic (segments, ids, listing, buffering, failures) on the real SQL app-data
 * adapter over an in-memory PGlite, whose jsonb refuses a NUL as Postgres does. A wrapper can make
 * writes fail, or land and then report a failure (a lost acknowledgement).
 */
import t from 'tap'
import { createDecisionLog, DECISION_LOGS, type DecisionEvent } from '../../../plugins/policy/decision-log.ts'
import { createSqlAppData } from '../../../src/infra/appdata/sql.ts'
import { createPgliteDatabase } from '../../../src/infra/sql/pglite.ts'
import { migrate } from '../../../src/infra/sql/migrate.ts'
import type { AppDataStore } from '../../../src/infra/ports/appdata.ts'
import { createMetricsRegistry } from '../../../src/gateway/metrics.ts'
import { sample } from '../../helpers/prometheus.ts'

const db = await createPgliteDatabase()
await migrate(db)
const real = createSqlAppData({ db })
t.teardown(async () => {
  await real.close()
  await db.close()
})

let projects = 0
const project = () => `p${++projects}`

/** The real store, with switches: `failing` refuses writes; `loseAck` lets one write land, then throws. */
function store() {
  const state = { failing: false, loseAck: false, writes: 0 }
  const wrapped: AppDataStore = {
    ...real,
    async createMany(projectId, collection, docs) {
      state.writes++
      if (state.failing) throw new Error('connection refused')
      const n = await real.createMany(projectId, collection, docs)
      if (state.loseAck) {
        state.loseAck = false
        throw new Error('connection reset after the write')
      }
      return n
    },
  }
  return { appData: wrapped, state }
}

const silent = { warn() {}, error() {} }

function event(id: string, fields: Partial<DecisionEvent> = {}): string {
  const e: DecisionEvent = { decision_id: id, path: 'a/allow', result: true, revision: 1, timestamp: new Date().toISOString(), dc: 'dc1', subject: 'ann', metrics: { timer_rego_query_eval_ns: 1 }, ...fields }
  return JSON.stringify(e)
}

async function listAll(log: ReturnType<typeof createDecisionLog>, projectId: string, q: { path?: string; limit?: number } = {}) {
  const pages: DecisionEvent[][] = []
  let cursor: string | undefined
  do {
    const page = await log.query(projectId, { ...q, cursor })
    pages.push(page.items)
    cursor = page.nextCursor
  } while (cursor && pages.length < 10_000)
  return pages
}

t.test('a decision is visible to a read right after it was recorded; its id names its segment', async (t) => {
  const { appData, state } = store()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const log = createDecisionLog({ appData, metrics, log: silent })
  t.teardown(() => log.close())
  const p = project()
  const d1 = log.record(p, (id) => event(id))
  t.match(d1, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-000000000000$/, 'a UUID v7: segment key, then index 0')
  t.equal(state.writes, 0, 'recording does not write')
  t.equal(sample(await metrics.render(), 'dyad_decision_log_buffered', { dc: 'dc1' }), 1)
  t.match(await log.get(p, d1), { decision_id: d1, path: 'a/allow', result: true })
  const d2 = log.record(p, (id) => event(id))
  t.not(d2.slice(0, 23), d1.slice(0, 23), 'a flush closed the first segment')
  t.same((await log.query(p, {})).items.map((e) => e.decision_id), [d2, d1])
  const text = await metrics.render()
  t.equal(sample(text, 'dyad_decision_log_written_total', { dc: 'dc1' }), 2)
  t.equal(sample(text, 'dyad_decision_log_buffered', { dc: 'dc1' }), 0)
  t.equal(await log.get(p, `${d1.slice(0, 24)}00000000002a`), undefined, 'an index past the segment is no decision')
  t.equal(await log.get(project(), d1), undefined, 'nor is a decision of another project')
})

t.test('consecutive events share a document; pages of any size list each event once, newest first', async (t) => {
  const { appData, state } = store()
  const log = createDecisionLog({ appData, metrics: createMetricsRegistry({ dc: 'dc1' }), log: silent, segmentEvents: 50 })
  t.teardown(() => log.close())
  const p = project()
  const ids: string[] = []
  for (let i = 0; i < 130; i++) ids.push(log.record(p, (id) => event(id, { path: i % 3 === 0 ? 'x/allow' : 'a/allow', input: { i } })))
  await log.flush()
  t.equal((await real.query(p, DECISION_LOGS, { limit: 1000 })).items.length, 3, '130 events in 3 documents (50 + 50 + 30)')
  t.ok(state.writes <= 3, `${state.writes} store writes`)
  const newestFirst = [...ids].reverse()
  for (const limit of [1, 7, 50, 1000]) {
    const pages = await listAll(log, p, { limit })
    t.ok(pages.every((page) => page.length <= limit), `limit ${limit}: no page is longer`)
    t.same(pages.flat().map((e) => e.decision_id), newestFirst, `limit ${limit}: every event once, in order`)
  }
  const filtered = (await listAll(log, p, { path: 'x/allow', limit: 4 })).flat()
  t.same(filtered.map((e) => (e.input as { i: number }).i), Array.from({ length: 44 }, (_, k) => 129 - 3 * k).filter((i) => i >= 0), 'a path filter across documents')
  for (const i of [0, 49, 50, 129]) t.match(await log.get(p, ids[i]), { decision_id: ids[i], input: { i } }, `event ${i} by id`)

  const first = await log.query(p, { limit: 10 })
  const late = log.record(p, (id) => event(id))
  let rest: DecisionEvent[] = []
  for (let cursor = first.nextCursor; cursor; ) {
    const page = await log.query(p, { limit: 10, cursor })
    rest = rest.concat(page.items)
    cursor = page.nextCursor
  }
  t.same([...first.items, ...rest].map((e) => e.decision_id), newestFirst, 'an event logged between pages is not listed on later pages and shifts nothing')
  t.equal((await log.query(p, { limit: 1 })).items[0].decision_id, late, 'it leads a new listing')
})

t.test('a segment closes once it reaches its size cap', async (t) => {
  const { appData } = store()
  const log = createDecisionLog({ appData, metrics: createMetricsRegistry({ dc: 'dc1' }), log: silent, segmentBytes: 2000 })
  t.teardown(() => log.close())
  const p = project()
  const small = Array.from({ length: 12 }, () => log.record(p, (id) => event(id, { input: 'x'.repeat(200) })))
  const big = log.record(p, (id) => event(id, { input: 'y'.repeat(5000) }))
  const after = log.record(p, (id) => event(id))
  t.not(after.slice(0, 23), big.slice(0, 23), 'the large event closed its segment at once')
  await log.flush()
  const docs = (await real.query<{ events: DecisionEvent[] }>(p, DECISION_LOGS, { limit: 1000 })).items
  for (const d of docs) {
    const chars = d.body.events.slice(0, -1).reduce((n, e) => n + JSON.stringify(e).length, 0)
    t.ok(chars < 2000, `${d.id}: below the cap before its last event`)
  }
  t.equal(docs.reduce((n, d) => n + d.body.events.length, 0), 14)
  t.ok(docs.length >= 4, `${docs.length} documents`)
  t.match(await log.get(p, small[11]), { decision_id: small[11] })
  t.match(await log.get(p, big), { decision_id: big })
})

t.test('store failures are counted and retried; a write that landed but was not acknowledged is not written twice', async (t) => {
  const { appData, state } = store()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const warnings: object[] = []
  const log = createDecisionLog({ appData, metrics, log: { warn: (o) => warnings.push(o), error() {} } })
  t.teardown(() => log.close())
  const p = project()
  state.failing = true
  const d1 = log.record(p, (id) => event(id))
  t.equal(await log.flush(), false)
  t.equal(warnings.length, 1, 'the failure is logged')
  state.failing = false
  state.loseAck = true
  t.equal(await log.flush(), false, 'the write landed, but the acknowledgement was lost')
  t.equal(await log.flush(), true, 'the retry succeeds')
  t.same((await log.query(p, {})).items.map((e) => e.decision_id), [d1], 'once')
  const text = await metrics.render()
  t.equal(sample(text, 'dyad_decision_log_write_failures_total', { dc: 'dc1' }), 2)
  t.equal(sample(text, 'dyad_decision_log_written_total', { dc: 'dc1' }), 1)
})

t.test('a full buffer drops the oldest events and counts them; close drains', async (t) => {
  const { appData, state } = store()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const log = createDecisionLog({ appData, metrics, log: silent, bufferLimit: 3, segmentEvents: 2 })
  const p = project()
  state.failing = true
  const ids = Array.from({ length: 5 }, () => log.record(p, (id) => event(id)))
  await log.flush()
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { reason: 'buffer_full', dc: 'dc1' }), 2, 'the oldest segment (two events) went')
  state.failing = false
  await log.close()
  t.same((await real.query<{ events: DecisionEvent[] }>(p, DECISION_LOGS, { limit: 100, order: 'asc' })).items.flatMap((d) => d.body.events.map((e) => e.decision_id)), ids.slice(2))
  t.equal(log.record(p, (id) => event(id)).length, 36, 'a closed log still hands out ids')
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { reason: 'closed', dc: 'dc1' }), 1, 'and counts what it drops')
})

t.test("a deleted project's buffered events are forgotten, not written after its log is gone", async (t) => {
  const { appData, state } = store()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const log = createDecisionLog({ appData, metrics, log: silent, segmentEvents: 2 })
  t.teardown(() => log.close())
  const [gone, kept] = [project(), project()]
  for (let i = 0; i < 3; i++) log.record(gone, (id) => event(id)) // one closed segment, one open
  const k = log.record(kept, (id) => event(id))
  t.equal(await log.forget(gone), 3)
  await log.flush()
  t.equal(state.writes, 1)
  t.same((await real.query(gone, DECISION_LOGS)).items, [])
  t.same((await log.query(kept, {})).items.map((e) => e.decision_id), [k])
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { reason: 'discarded', dc: 'dc1' }), 3)
})

t.test('an event the store refuses for its content is dropped alone; the rest of its segment is written and readable', async (t) => {
  const { appData } = store()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const errors: object[] = []
  const log = createDecisionLog({ appData, metrics, log: { warn() {}, error: (o) => errors.push(o) } })
  t.teardown(() => log.close())
  const [p, q] = [project(), project()]
  const ok1 = log.record(p, (id) => event(id))
  const bad = log.record(p, (id) => event(id, { input: { x: '\u0000' } }))
  const ok3 = log.record(p, (id) => event(id))
  const other = log.record(q, (id) => event(id))
  t.equal(await log.flush(), true, 'the flush completes: nothing is left to retry')
  t.same((await log.query(p, {})).items.map((e) => e.decision_id).sort(), [ok1, ok3].sort())
  t.match(await log.get(p, ok3), { decision_id: ok3 }, 'an event written alone is found by its id')
  t.equal(await log.get(p, bad), undefined)
  t.same((await log.query(q, {})).items.map((e) => e.decision_id), [other], "another project's segment is written whole")
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { dc: 'dc1', reason: 'unstorable' }), 1)
  t.equal(errors.length, 1, 'the drop is logged')
})

t.test('documents of the older layout (one per decision) are read and listed with segments', async (t) => {
  const { appData } = store()
  const log = createDecisionLog({ appData, metrics: createMetricsRegistry({ dc: 'dc1' }), log: silent })
  t.teardown(() => log.close())
  const p = project()
  const old = '3f2a9c1e-7b4d-4e8f-9a6b-1c2d3e4f5a6b'
  await real.create(p, DECISION_LOGS, old, JSON.parse(event(old, { path: 'old/allow' })))
  await new Promise((r) => setTimeout(r, 5)) // a later updatedAt
  const now = log.record(p, (id) => event(id))
  t.match(await log.get(p, old), { decision_id: old, path: 'old/allow' })
  t.same((await log.query(p, {})).items.map((e) => e.decision_id), [now, old])
  t.same((await log.query(p, { path: 'old/allow' })).items.map((e) => e.decision_id), [old])
})

t.test('a listing looks at a bounded number of events per request and says where to go on', async (t) => {
  const { appData } = store()
  const log = createDecisionLog({ appData, metrics: createMetricsRegistry({ dc: 'dc1' }), log: silent, segmentEvents: 10, scanEvents: 25 })
  t.teardown(() => log.close())
  const p = project()
  const wanted = log.record(p, (id) => event(id, { path: 'rare' }))
  for (let i = 0; i < 60; i++) log.record(p, (id) => event(id))
  const first = await log.query(p, { path: 'rare' })
  t.same(first.items, [], 'nothing among the newest events looked at')
  t.type(first.nextCursor, 'string', 'but a cursor to go on')
  const pages = await listAll(log, p, { path: 'rare' })
  t.same(pages.flat().map((e) => e.decision_id), [wanted], 'following it finds the event')
})

t.test('a cursor naming a document that is not there is bounded by the scan limit too', async (t) => {
  const { appData } = store()
  const log = createDecisionLog({ appData, metrics: createMetricsRegistry({ dc: 'dc1' }), log: silent, segmentEvents: 10, scanEvents: 25 })
  t.teardown(() => log.close())
  const p = project()
  for (let i = 0; i < 60; i++) log.record(p, (id) => event(id))
  const cursor = Buffer.from(JSON.stringify({ doc: 'no-such-document', skip: 0 })).toString('base64url')
  const page = await log.query(p, { cursor })
  t.same(page.items, [], 'nothing listed while looking for it')
  t.type(page.nextCursor, 'string', 'a cursor to go on looking')
  const pages = await listAll(log, p, {})
  t.equal(pages.flat().length, 60, 'an ordinary listing still lists every event')
})

t.test('a malformed cursor is a 400 APPDATA_INVALID_CURSOR', async (t) => {
  const { appData } = store()
  const log = createDecisionLog({ appData, metrics: createMetricsRegistry({ dc: 'dc1' }), log: silent })
  t.teardown(() => log.close())
  for (const cursor of ['%%%', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"skip":-1}').toString('base64url'), Buffer.from('{"after":7}').toString('base64url'), Buffer.from('{"seek":1}').toString('base64url')]) {
    await t.rejects(log.query(project(), { cursor }), { code: 'APPDATA_INVALID_CURSOR', statusCode: 400 }, cursor)
  }
})
