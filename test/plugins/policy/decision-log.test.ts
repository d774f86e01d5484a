import t from 'tap'
import { createDecisionLog, type DecisionEvent } from '../../../plugins/policy/decision-log.ts'
import type { AppDataStore } from '../../../src/infra/ports/appdata.ts'
import { createMetricsRegistry } from '../../../src/gateway/metrics.ts'
import { sample } from '../../helpers/prometheus.ts'

/** The part of the app-data port the decision log uses, in memory, with a switch to fail writes. */
function fakeAppData() {
  const docs = new Map<string, Record<string, unknown>>()
  const state = { failing: false, creates: 0 }
  const store = {
    // Like the adapters: one call per batch, ids that exist are skipped.
    async createMany(projectId: string, collection: string, batch: Array<{ id: string; body: Record<string, unknown> }>) {
      state.creates++
      if (state.failing) throw new Error('connection refused')
      // Like Postgres' jsonb: a NUL in a string is refused, for the whole statement.
      if (batch.some((d) => JSON.stringify(d.body).includes('\\u0000'))) throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' })
      let created = 0
      for (const { id, body } of batch) {
        const key = `${projectId}/${collection}/${id}`
        if (docs.has(key)) continue
        docs.set(key, body)
        created++
      }
      return created
    },
    async get(projectId: string, collection: string, id: string) {
      const body = docs.get(`${projectId}/${collection}/${id}`)
      return body && { projectId, collection, id, body, etag: '1', updatedAt: '' }
    },
    async query(projectId: string, collection: string) {
      const items = [...docs].filter(([k]) => k.startsWith(`${projectId}/${collection}/`)).map(([, body]) => ({ body }))
      return { items: items.reverse() }
    },
  }
  return { store: store as unknown as AppDataStore, docs, state }
}

const event = (id: string): DecisionEvent => ({
  decision_id: id,
  path: 'a/allow',
  result: true,
  revision: 1,
  timestamp: new Date().toISOString(),
  dc: 'dc1',
  subject: 'ann',
  metrics: { timer_rego_query_eval_ns: 1 },
})

const silent = { warn() {}, error() {} }

t.test('a decision is visible to a read right after it was recorded', async (t) => {
  const { store, docs } = fakeAppData()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const log = createDecisionLog({ appData: store, metrics, log: silent })
  t.teardown(() => log.close())
  log.record('p', event('d1'))
  t.equal(docs.size, 0, 'recording does not write')
  t.equal(sample(await metrics.render(), 'dyad_decision_log_buffered', { dc: 'dc1' }), 1)
  t.match(await log.get('p', 'd1'), { decision_id: 'd1' })
  log.record('p', event('d2'))
  t.same((await log.query('p', {})).items.map((e) => e.decision_id), ['d2', 'd1'])
  const text = await metrics.render()
  t.equal(sample(text, 'dyad_decision_log_written_total', { dc: 'dc1' }), 2)
  t.equal(sample(text, 'dyad_decision_log_buffered', { dc: 'dc1' }), 0)
})

t.test('store failures are counted and retried; a retry of a write that landed is not a failure', async (t) => {
  const { store, docs, state } = fakeAppData()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const warnings: object[] = []
  const log = createDecisionLog({ appData: store, metrics, log: { warn: (o) => warnings.push(o), error() {} } })
  t.teardown(() => log.close())
  state.failing = true
  log.record('p', event('d1'))
  t.equal(await log.flush(), false)
  t.equal(warnings.length, 1, 'the failure is logged')
  state.failing = false
  docs.set('p/decision-logs/d1', event('d1') as unknown as Record<string, unknown>) // it landed after all
  t.equal(await log.flush(), true)
  const text = await metrics.render()
  t.equal(sample(text, 'dyad_decision_log_write_failures_total', { dc: 'dc1' }), 1)
  t.equal(sample(text, 'dyad_decision_log_written_total', { dc: 'dc1' }), 1)
})

t.test('a full buffer drops the oldest and counts them; close drains', async (t) => {
  const { store, docs, state } = fakeAppData()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const log = createDecisionLog({ appData: store, metrics, log: silent, bufferLimit: 2 })
  state.failing = true
  for (const id of ['d1', 'd2', 'd3']) log.record('p', event(id))
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { reason: 'buffer_full', dc: 'dc1' }), 1)
  state.failing = false
  await log.close()
  t.same([...docs.keys()], ['p/decision-logs/d2', 'p/decision-logs/d3'])
})

t.test('a deleted project\'s buffered events are forgotten, not written after its log is gone', async (t) => {
  const { store, docs } = fakeAppData()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const log = createDecisionLog({ appData: store, metrics, log: silent })
  t.teardown(() => log.close())
  log.record('gone', event('d1'))
  log.record('kept', event('d2'))
  t.equal(await log.forget('gone'), 1)
  await log.flush()
  t.same([...docs.keys()], ['kept/decision-logs/d2'])
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { reason: 'discarded', dc: 'dc1' }), 1)
})

t.test('an event the store refuses for its content is dropped alone; the rest of its batch is written', async (t) => {
  const { store, docs } = fakeAppData()
  const metrics = createMetricsRegistry({ dc: 'dc1' })
  const errors: object[] = []
  const log = createDecisionLog({ appData: store, metrics, log: { warn() {}, error: (o) => errors.push(o) } })
  t.teardown(() => log.close())
  log.record('p', event('ok1'))
  log.record('p', { ...event('bad'), input: { x: '\u0000' } })
  log.record('q', event('ok2'))
  t.equal(await log.flush(), true, 'the flush completes: nothing is left to retry')
  t.same([...docs.keys()].sort(), ['p/decision-logs/ok1', 'q/decision-logs/ok2'])
  t.equal(sample(await metrics.render(), 'dyad_decision_log_dropped_total', { dc: 'dc1', reason: 'unstorable' }), 1)
  t.equal(errors.length, 1, 'the drop is logged')
})
