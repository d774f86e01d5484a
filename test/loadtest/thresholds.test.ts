/** k6 threshold expressions as the local runner evaluates them, on hand-made samples. */
import t from 'tap'
import { evaluateThresholds, parseMetric, percentile, type MetricData } from '../../loadtest/local/thresholds.ts'

const sample = (dc: string, kind: string, durationMs: number, failed = false) => ({ tags: { dc, kind, request: kind === 'write' ? 'dataWrite' : 'config' }, durationMs, failed })

// dc1: ten reads of 1..10 ms (one failed) and two writes of 50 and 70 ms; dc2: four reads of 2 ms.
const data: MetricData = {
  samples: [
    ...Array.from({ length: 10 }, (_, i) => sample('dc1', 'read', i + 1, i === 9)),
    sample('dc1', 'write', 50),
    sample('dc1', 'write', 70),
    ...Array.from({ length: 4 }, () => sample('dc2', 'read', 2)),
  ],
  dropped: [{ dc: 'dc1' }, { dc: 'dc1' }, { dc: 'dc2' }],
  seconds: 4,
}

const values = (th: Record<string, string[]>, extra?: Record<string, string>) => evaluateThresholds(th, data, extra).map((r) => [r.value, r.ok])

t.test('nearest-rank percentiles', async (t) => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
  t.equal(percentile(xs, 50), 5)
  t.equal(percentile(xs, 90), 9)
  t.equal(percentile(xs, 95), 10)
  t.equal(percentile(xs, 100), 10)
  t.equal(percentile([], 99), 0)
})

t.test('aggregations per DC and per tag', async (t) => {
  t.same(values({ http_req_duration: ['max<100', 'min>=1', 'med<=6', 'p(90)<60', 'avg<12'] }, { dc: 'dc1' }), [
    [70, true], [1, true], [6, true], [50, true], [(55 + 120) / 12, false],
  ])
  t.same(values({ 'http_req_duration{kind:write}': ['p(99)<60'] }, { dc: 'dc1' }), [[70, false]])
  t.same(values({ http_req_duration: ['p(99)<3'] }, { dc: 'dc2' }), [[2, true]])
  t.same(values({ http_req_failed: ['rate<0.05', 'rate<0.1'] }, { dc: 'dc1' }), [[1 / 12, false], [1 / 12, true]])
  t.same(values({ http_req_failed: ['rate==0'] }, { dc: 'dc2' }), [[0, true]])
  t.same(values({ http_reqs: ['count>=12', 'rate>2.5'] }, { dc: 'dc1' }), [[12, true], [3, true]])
  t.same(values({ dropped_iterations: ['count<2'] }, { dc: 'dc1' }), [[2, false]])
  t.same(values({ dropped_iterations: ['count<2'] }, { dc: 'dc2' }), [[1, true]])
  t.same(values({ dropped_iterations: ['count!=3'] }), [[3, false]], 'without a DC filter, all DCs')
})

t.test('syntax errors are refused, not ignored', async (t) => {
  t.same(parseMetric('http_req_duration{kind:write,dc:dc1}'), { name: 'http_req_duration', tags: { kind: 'write', dc: 'dc1' } })
  t.throws(() => parseMetric('http_req_duration{kind}'), /bad tag filter/)
  t.throws(() => evaluateThresholds({ http_req_duration: ['p99<10'] }, data), /not a threshold expression/)
  t.throws(() => evaluateThresholds({ http_req_duration: ['rate<10'] }, data), /does not apply/)
  t.throws(() => evaluateThresholds({ vus: ['count<10'] }, data), /unknown metric vus/)
})
