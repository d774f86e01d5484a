/**
 * The k6 script (loadtest/k6/dyad.js) loaded as an ES module under a k6-API shim
 * (test/loadtest/k6-shim: `k6`, `k6/http`, `k6/execution`), with k6's `__ENV`: its options are
 * valid k6 options built from the shared scenario definitions (one constant-arrival-rate scenario
 * per DC, thresholds per DC), setup() creates the run's project through DC1 with the admin key,
 * play() sends the mix's requests to its own DC with the project key, and teardown() deletes the
 * project.
 */
import { register } from 'node:module'
import t from 'tap'
import { requests, scenarios, setupSteps } from '../../loadtest/k6/scenarios.js'

interface Sent { method: string; url: string; body: unknown; headers: Record<string, string>; tags: Record<string, string>; responseCallback?: { expectedStatuses: number[] } }
interface Shim { requests: Sent[]; checks: Array<{ name: string; ok: boolean }>; iteration: number; answer: (r: Sent) => { status: number; body: string } }

register(new URL('./k6-shim/hooks.mjs', import.meta.url))

const shim = ((globalThis as { __k6shim?: Shim }).__k6shim ??= { requests: [], checks: [], iteration: 0, answer: () => ({ status: 200, body: '{}' }) })

async function load(env: Record<string, string>) {
  ;(globalThis as { __ENV?: Record<string, string> }).__ENV = env
  // A fresh module instance per environment (k6 evaluates the init context per VU).
  return (await import(`../../loadtest/k6/dyad.js?env=${encodeURIComponent(JSON.stringify(env))}`)) as {
    options: { scenarios: Record<string, Record<string, unknown>>; thresholds: Record<string, string[]> }
    setup(): Record<string, string>
    play(vars: Record<string, string>): void
    teardown(vars: Record<string, string>): void
  }
}

t.test('options: one constant-arrival-rate scenario per DC, thresholds per DC', async (t) => {
  for (const [name, def] of Object.entries(scenarios)) {
    const script = await load({ SCENARIO: name, DC1_URL: 'http://dc1.test', DC2_URL: 'http://dc2.test', DYAD_ADMIN_KEY: 'admin' })
    t.same(Object.keys(script.options.scenarios), ['dc1', 'dc2'])
    for (const [dc, s] of Object.entries(script.options.scenarios)) {
      t.match(s, { executor: 'constant-arrival-rate', rate: def.rate, timeUnit: '1s', duration: `${def.duration}s`, maxVUs: def.maxInFlight, exec: 'play', tags: { dc }, env: { DC: dc } }, `${name}/${dc}`)
      t.ok((s.preAllocatedVUs as number) >= 1 && (s.preAllocatedVUs as number) <= def.maxInFlight)
    }
    const expected: Record<string, string[]> = {}
    for (const [metric, exprs] of Object.entries(def.thresholds)) {
      for (const dc of ['dc1', 'dc2']) {
        const [base, filter] = metric.includes('{') ? [metric.slice(0, metric.indexOf('{')), metric.slice(metric.indexOf('{') + 1, -1) + ','] : [metric, '']
        expected[`${base}{${filter}dc:${dc}}`] = exprs
      }
    }
    t.same(script.options.thresholds, expected, `${name}: every threshold once per DC`)
  }
  await t.rejects(load({ SCENARIO: 'nope' }), /unknown scenario nope/)
})

t.test('setup, play and teardown send what the definitions say', async (t) => {
  const script = await load({ SCENARIO: 'mixed', DC1_URL: 'http://dc1.test', DC2_URL: 'http://dc2.test', DYAD_ADMIN_KEY: 'admin-key' })
  shim.requests.length = 0
  // Answer each setup step (in order) with its expected status; the key step with a key.
  shim.answer = () => {
    const step = setupSteps[shim.requests.length - 1]
    return { status: step.expect[0], body: JSON.stringify(step.capture ? { apiKey: 'project-key' } : {}) }
  }
  const vars = script.setup()
  t.match(vars, { project: /^lt-[0-9a-z]+$/, key: 'project-key' })
  t.equal(shim.requests.length, setupSteps.length, 'one request per setup step')
  shim.requests.forEach((r, i) => {
    t.equal(r.method, setupSteps[i].method, setupSteps[i].name)
    t.ok(r.url.startsWith('http://dc1.test/'), 'setup goes through DC1')
    t.equal(r.headers.authorization, 'Bearer admin-key')
    t.notOk(r.url.includes('{'), 'placeholders filled')
    t.same(r.responseCallback, { expectedStatuses: setupSteps[i].expect })
  })

  // A failing step stops setup with its status.
  shim.answer = () => ({ status: 500, body: 'boom' })
  t.throws(() => script.setup(), /create project: HTTP 500 boom/)

  const seen = new Set<string>()
  for (const dc of ['dc1', 'dc2']) {
    ;(globalThis as { __ENV?: Record<string, string> }).__ENV!.DC = dc
    for (let i = 0; i < 200; i++) {
      shim.requests.length = 0
      shim.iteration = i
      shim.answer = (r) => ({ status: requests[r.tags.request].expect[0], body: '{}' })
      script.play(vars)
      t.equal(shim.requests.length, 1)
      const r = shim.requests[0]
      const def = requests[r.tags.request]
      seen.add(r.tags.request)
      if (!t.ok(r.url.startsWith(`http://${dc}.test/`) && def && r.method === def.method && r.headers.authorization === 'Bearer project-key' && !r.url.includes('{') && r.tags.kind === (def.kind ?? 'read'), `${dc} ${r.method} ${r.url}`)) break
    }
  }
  t.same([...seen].sort(), scenarios.mixed.mix.map((m) => m.request).sort(), 'every request of the mix was played')
  t.ok(shim.checks.every((c) => c.ok), 'expected statuses pass the checks')

  shim.requests.length = 0
  shim.answer = () => ({ status: 204, body: '' })
  script.teardown(vars)
  t.match(shim.requests, [{ method: 'DELETE', url: `http://dc1.test/v1/projects/${vars.project}` }])
})
