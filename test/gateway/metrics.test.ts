import t from 'tap'
import { createMetricsRegistry } from '../../src/gateway/metrics.ts'
import { sample } from '../helpers/prometheus.ts'

t.test('each app has its own registry: same names, separate counts, its own dc', async (t) => {
  const a = createMetricsRegistry({ dc: 'dc1' })
  const b = createMetricsRegistry({ dc: 'dc2' })
  a.counter('x_total', 'X.', ['kind']).inc({ kind: 'k' }, 2)
  b.counter('x_total', 'X.', ['kind']).inc({ kind: 'k' })
  t.equal(sample(await a.render(), 'x_total', { kind: 'k', dc: 'dc1' }), 2)
  t.equal(sample(await b.render(), 'x_total', { kind: 'k', dc: 'dc2' }), 1)
})

t.test('undeclared label names are taken from the first observation', async (t) => {
  const m = createMetricsRegistry({ dc: 'dc1' })
  const h = m.histogram('lat_seconds', 'Latency.')
  h.observe({ route: '/a' }, 0.002)
  const text = await m.render()
  t.equal(sample(text, 'lat_seconds_bucket', { le: '0.001', route: '/a', dc: 'dc1' }), 0, 'buckets start at 1 ms')
  t.equal(sample(text, 'lat_seconds_bucket', { le: '0.0025', route: '/a', dc: 'dc1' }), 1)
  t.throws(() => h.observe({ other: 'x' }, 1), /not included in initial labelset/, 'later observations must use the same names')
})

t.test('a gauge can be read at scrape time', async (t) => {
  const m = createMetricsRegistry({ dc: 'dc1' })
  let queued = 3
  m.gauge('queue_length', 'Queued.', [], { collect: () => queued })
  t.equal(sample(await m.render(), 'queue_length', { dc: 'dc1' }), 3)
  queued = 0
  t.equal(sample(await m.render(), 'queue_length', { dc: 'dc1' }), 0)
})
