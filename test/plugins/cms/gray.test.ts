/** Gray selection: labels, stable percentage buckets, independent per namespace, monotonic in the percentage. */
import t from 'tap'
import { bucketOf, matchesGray, parseLabels } from '../../../plugins/cms/gray.ts'

const ref = { projectId: 'p', app: 'a', env: 'prod', cluster: 'default', namespace: 'application' }
const ids = Array.from({ length: 10_000 }, (_, i) => `client-${i}`)

t.test('labels must all match one of their values', async (t) => {
  const rule = { labels: { dc: ['dc2', 'dc3'], tier: ['gold'] } }
  t.ok(matchesGray(rule, ref, { labels: { dc: 'dc2', tier: 'gold' } }))
  t.notOk(matchesGray(rule, ref, { labels: { dc: 'dc2' } }), 'a missing label does not match')
  t.notOk(matchesGray(rule, ref, { labels: { dc: 'dc1', tier: 'gold' } }))
  t.notOk(matchesGray({ labels: { constructor: ['x'] } }, ref, { labels: parseLabels('a=b') }), 'no prototype keys match')
})

t.test('percentage rollouts are stable, proportional and only grow', async (t) => {
  const inAt = (p: number) => new Set(ids.filter((id) => matchesGray({ percentage: p }, ref, { id, labels: {} })))
  const ten = inAt(10)
  t.ok(ten.size > 900 && ten.size < 1100, `about 10% selected (${ten.size})`)
  t.same(inAt(10), ten, 'the same clients every time')
  const thirty = inAt(30)
  t.ok([...ten].every((id) => thirty.has(id)), 'widening the percentage keeps every client already in')
  t.equal(inAt(0).size, 0)
  t.equal(inAt(100).size, ids.length)
  t.notOk(matchesGray({ percentage: 100 }, ref, { labels: {} }), 'a client without an id is never in a percentage rollout')
  const other = ids.filter((id) => bucketOf({ ...ref, namespace: 'other' }, id) < 1000)
  const overlap = other.filter((id) => ten.has(id)).length
  t.ok(overlap < 300, `another namespace picks mostly other clients (overlap ${overlap} of ~1000)`)
})

t.test('label parsing is bounded', async (t) => {
  t.same({ ...parseLabels('dc=dc2, version = 2.1,bad,=x') }, { dc: 'dc2', version: '2.1' })
  t.equal(Object.keys(parseLabels(Array.from({ length: 1000 }, (_, i) => `k${i}=v`).join(','))).length, 32)
})
