/**
 * Hostile tenants against a real server process. One process serves every tenant, so a policy
 * that grows a value without bound must end in a clean evaluation error for its own tenant while
 * the process stays up, `/health/live` keeps answering and another tenant's decisions, sent
 * concurrently, keep coming back correct. Before built-ins charged the budget, the first attack
 * here killed the process ("Fatal JavaScript invalid size error") and others held it for 4-37 s.
 *
 * No timing assertions: how long each attack holds the event loop is a benchmark figure.
 */
import t from 'tap'
import { startServer } from '../../helpers/process.ts'
import { ATTACKS, attackModule } from './hostile-attacks.ts'

const KEY = 'dyad_hostile000001_' + 'H'.repeat(43)
const auth = { authorization: `Bearer ${KEY}` }

const VICTIM_POLICY = `package app.rbac

default allow := false

allow if "admin" in data.roles[input.user]

allow if {
	some role in data.roles[input.user]
	some grant in data.grants[role]
	grant == {"action": input.action, "type": input.type}
}
`
const VICTIM_DATA = { roles: { alice: ['admin'], bob: ['employee'] }, grants: { employee: [{ action: 'read', type: 'dog' }] } }
const VICTIM_CASES: Array<[Record<string, string>, boolean]> = [
  [{ user: 'alice', action: 'delete', type: 'cat' }, true],
  [{ user: 'bob', action: 'read', type: 'dog' }, true],
  [{ user: 'bob', action: 'update', type: 'dog' }, false],
  [{ user: 'eve', action: 'read', type: 'dog' }, false],
]

t.test('hostile policies fail cleanly while another tenant keeps being served', async (t) => {
  const proc = startServer({ DYAD_DATA_DIR: t.testdir(), DYAD_BOOTSTRAP_ADMIN_KEY: KEY })
  t.teardown(() => { proc.child.kill('SIGTERM') })
  const base = await proc.ready
  const call = (method: string, path: string, body?: unknown, type = 'application/json') =>
    fetch(`${base}${path}`, { method, headers: { ...auth, ...(body !== undefined ? { 'content-type': type } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) })

  for (const id of ['hostile', 'victim']) t.equal((await call('POST', '/v1/projects', { id, name: id })).status, 201)
  const victim = '/v1/projects/victim/opa'
  t.equal((await call('PUT', `${victim}/v1/policies/rbac.rego`, VICTIM_POLICY, 'text/plain')).status, 200)
  for (const [key, doc] of Object.entries(VICTIM_DATA)) t.equal((await call('PUT', `${victim}/v1/data/${key}`, doc)).status, 204)

  // The other tenant and a liveness probe, sent in a loop for as long as the attacks run.
  let attacking = true
  const served = { decisions: 0, wrong: [] as string[], live: 0, notLive: 0 }
  const victimLoop = (async () => {
    for (let i = 0; attacking; i++) {
      const [input, want] = VICTIM_CASES[i % VICTIM_CASES.length]
      const [res, live] = await Promise.all([call('POST', `${victim}/v1/data/app/rbac/allow`, { input }), fetch(`${base}/health/live`)])
      const body = (await res.json()) as { result?: unknown }
      if (res.status === 200 && body.result === want) served.decisions++
      else served.wrong.push(`${JSON.stringify(input)}: ${res.status} ${JSON.stringify(body)}`)
      if (live.status === 200) served.live++
      else served.notLive++
      await live.body?.cancel()
    }
  })()

  const hostile = '/v1/projects/hostile/opa'
  for (const [name, lines] of Object.entries(ATTACKS)) {
    const asQuery = await call('POST', `${hostile}/v1/query`, { query: lines.join('; ') })
    const q = (await asQuery.json()) as { code?: string; message?: string }
    t.equal(asQuery.status, 400, `${name} as a query: ${asQuery.status}`)
    t.match(q, { code: 'invalid_parameter', message: /eval_cancel_error/ }, `${name} as a query`)

    t.equal((await call('PUT', `${hostile}/v1/policies/attack.rego`, attackModule(lines), 'text/plain')).status, 200, `${name} is a legal policy`)
    const decision = await call('POST', `${hostile}/v1/data/hostile/p`, { input: {} })
    const d = (await decision.json()) as { code?: string; errors?: Array<{ code: string }> }
    t.equal(decision.status, 422, `${name} as a decision: ${decision.status}`)
    t.match(d, { code: 'POLICY_EVALUATION_ERROR', errors: [{ code: 'eval_cancel_error' }] }, `${name} as a decision`)
    t.equal(proc.child.exitCode, null, `the process survives ${name}`)
  }

  // A cheap evaluation whose trace is not: every event repeats a 2^20-fold shared array.
  const lines = ['x0 := 1', ...Array.from({ length: 20 }, (_, i) => `x${i + 1} := [x${i}, x${i}]`), ...Array(30).fill('true'), 'r := 1']
  t.equal((await call('PUT', `${hostile}/v1/policies/attack.rego`, attackModule(lines), 'text/plain')).status, 200)
  const explained = await call('POST', `${hostile}/v1/data/hostile/p?explain=full`, { input: {} })
  t.equal(explained.status, 422, 'a trace too large to write is an evaluation error')
  t.match(await explained.json(), { errors: [{ code: 'eval_cancel_error', message: /trace is too large/ }] })

  // Recursion through data: the compiler refuses it, so it never runs.
  const recursive = 'package hostile\n\np contains x if some x in data.hostile.q\n\nq contains x if some x in data.hostile.p\n'
  const rec = await call('PUT', `${hostile}/v1/policies/attack.rego`, recursive, 'text/plain')
  t.equal(rec.status, 400, 'mutually recursive rules through data are refused at upload')
  t.match(await rec.json(), { errors: [{ code: 'rego_recursion_error' }] })

  attacking = false
  await victimLoop
  t.same(served.wrong, [], 'every decision of the other tenant was answered, and correctly')
  t.ok(served.decisions > 0, `the other tenant was served during the attacks (${served.decisions} decisions)`)
  t.equal(served.notLive, 0, `/health/live answered every probe (${served.live})`)
  t.equal((await fetch(`${base}/health/live`)).status, 200)
  t.equal(proc.child.exitCode, null, 'the process is still running')
})
