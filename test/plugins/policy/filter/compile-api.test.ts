/**
 * `POST /v1/compile` (OPA's Compile API) over HTTP: the queries it returns, read back into
 * conditions, agree with the engine on every (subject, document) pair; exact shapes for the
 * shipped rag-read policy; refused queries and policies.
 */
import t, { type Test } from 'tap'
import type { AccessCondition } from '../../../../src/contracts/filter.ts'
import { evalAccessCondition } from '../../../helpers/access-condition.ts'
import { ADMIN_KEY, bearer, buildTestApp } from '../../../helpers/app.ts'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { equal, fromJs, TRUE } from '../../../../plugins/policy/rego/value.ts'
import { ragReadPolicySource } from '../../../../plugins/policy/authz/rag-read.ts'
import { toOpaCompileResult } from '../../../../plugins/policy/filter/opa-queries.ts'
import { POLICIES, documents, subjects } from './policies.ts'

type J = { type: string; value?: any }
type OpaExpr = { index: number; negated?: boolean; terms: J | J[] }

/** Reads one of our OPA expressions back into a condition leaf (only the shapes opa-queries.ts emits). */
function leaf(e: OpaExpr): AccessCondition {
  const field = (r: J) => {
    if (r.type !== 'ref' || r.value[0].value !== 'input' || r.value[1].value !== 'document') throw new Error('not a field: ' + JSON.stringify(r))
    return { path: r.value.slice(2).map((s: J) => s.value) }
  }
  const scalar = (x: J) => (x.type === 'null' ? null : x.value)
  let c: AccessCondition
  if (!Array.isArray(e.terms)) c = { op: 'ne', field: field(e.terms), value: false }
  else {
    const [op, a, b] = e.terms
    const name = op.value.map((s: J) => s.value).join('.')
    const ops: Record<string, 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'> = { equal: 'eq', neq: 'ne', lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte' }
    if (name === 'internal.member_2' && b.type === 'ref') c = { op: 'contains', field: field(b), value: scalar(a) }
    else if (name === 'internal.member_2') c = { op: 'or', args: b.value.map((v: J) => ({ op: 'eq', field: field(a), value: scalar(v) })) }
    else c = { op: ops[name], field: field(a), value: scalar(b) } as AccessCondition
  }
  return e.negated ? { op: 'not', arg: c } : c
}

const fromQueries = (r: { queries?: OpaExpr[][] }): AccessCondition => ({ op: 'or', args: (r.queries ?? []).map((q) => ({ op: 'and', args: q.map(leaf) })) })

async function setup(t: Test, project: string, modules: Record<string, string>, data?: Record<string, unknown>) {
  const { app } = await buildTestApp(t)
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: project, name: project } })
  for (const [id, raw] of Object.entries(modules)) {
    const r = await app.inject({ method: 'PUT', url: `/v1/projects/${project}/opa/v1/policies/${id}`, headers: { ...admin, 'content-type': 'text/plain' }, payload: raw })
    t.equal(r.statusCode, 200, r.body)
  }
  for (const [key, value] of Object.entries(data ?? {})) {
    const r = await app.inject({ method: 'PUT', url: `/v1/projects/${project}/opa/v1/data/${key}`, payload: JSON.stringify(value), headers: { ...admin, 'content-type': 'application/json' } })
    t.equal(r.statusCode, 204, r.body)
  }
  return (body: unknown) => app.inject({ method: 'POST', url: `/v1/projects/${project}/opa/v1/compile`, headers: admin, payload: body as object })
}

t.test('rag-read: exact result, always and never', async (t) => {
  const compile = await setup(t, 'ragread', { 'rag.rego': ragReadPolicySource() })
  const r = await compile({ query: 'data.dyad.rag.read == true', input: { subject: { id: 'u1', groups: ['g1'], roles: [] } }, unknowns: ['input.document'] })
  t.equal(r.statusCode, 200, r.body)
  const ref = (...p: string[]) => ({ type: 'ref', value: [{ type: 'var', value: 'input' }, ...p.map((s) => ({ type: 'string', value: s }))] })
  const member = [{ type: 'ref', value: [{ type: 'var', value: 'internal' }, { type: 'string', value: 'member_2' }] }]
  t.same(r.json(), {
    result: {
      queries: [
        [{ index: 0, terms: [...member, { type: 'string', value: 'u1' }, ref('document', 'access', 'users')] }],
        [{ index: 0, terms: [...member, { type: 'string', value: 'g1' }, ref('document', 'access', 'groups')] }],
        [{ index: 0, terms: [{ type: 'ref', value: [{ type: 'var', value: 'equal' }] }, ref('document', 'access', 'public'), { type: 'boolean', value: true }] }],
      ],
    },
  })
  const admin = await compile({ query: 'data.dyad.rag.read', input: { subject: { roles: ['project-admin'] } }, unknowns: ['input.document'] })
  t.same(admin.json(), { result: { queries: [[]] } })
  const never = await compile({ query: 'true = data.dyad.rag.nothing', input: {}, unknowns: ['input.document'] })
  t.same(never.json(), { result: {} })
})

t.test('queries read back agree with the engine', async (t) => {
  const { src, data } = POLICIES.denylist
  const compile = await setup(t, 'deny', { 'deny.rego': src }, data)
  const policy = compileModules({ files: { 'deny.rego': src } })
  let mismatches = 0
  let granted = 0
  let pairs = 0
  for (const subject of subjects(3, 15)) {
    const r = await compile({ query: 'data.dyad.rag.read == true', input: { subject }, unknowns: ['input.document'] })
    t.equal(r.statusCode, 200, r.body)
    const cond = fromQueries(r.json().result)
    for (const document of documents(5, 60)) {
      const { result } = evaluate(policy, { path: 'data.dyad.rag.read', input: fromJs({ subject, document }), data: fromJs(data) })
      const want = result !== undefined && equal(result, TRUE)
      if (evalAccessCondition(cond, document) !== want) mismatches++
      if (want) granted++
      pairs++
    }
  }
  t.equal(mismatches, 0)
  t.ok(granted > 0 && granted < pairs, `granted ${granted} of ${pairs}`)
})

t.test('the disjunctive form is bounded', async (t) => {
  const f = (p: string): AccessCondition => ({ op: 'eq', field: { path: [p] }, value: 1 })
  const wide: AccessCondition = { op: 'and', args: Array.from({ length: 30 }, (_, i) => ({ op: 'or', args: [f(`a${i}`), f(`b${i}`)] }) as AccessCondition) }
  t.throws(() => toOpaCompileResult(wide, ['document']), { code: 'POLICY_EVALUATION_ERROR', statusCode: 422 })
  // not (a and b) = not a or not b; overlaps = one query per value.
  const r = toOpaCompileResult({ op: 'or', args: [{ op: 'not', arg: { op: 'and', args: [f('a'), f('b')] } }, { op: 'overlaps', field: { path: ['g'] }, values: ['x', 'y'] }] }, ['document'])
  t.same(r.queries!.map((q) => q.map((e) => [e.negated === true, (e.terms as any)[0].value.map((s: J) => s.value).join('.')])), [[[true, 'equal']], [[true, 'equal']], [[false, 'internal.member_2']], [[false, 'internal.member_2']]])
})

t.test('refused queries, unknowns and policies', async (t) => {
  const compile = await setup(t, 'refused', { 'p.rego': 'package p\nallow if startswith(input.document.path, "a")\n' })
  const cases: Array<[unknown, number, string]> = [
    [{ query: 'data.p.allow', unknowns: ['input.document'] }, 422, 'POLICY_PARTIAL_UNSUPPORTED'],
    [{ query: 'data.p.allow; x := 1', unknowns: ['input.document'] }, 422, 'POLICY_PARTIAL_UNSUPPORTED'],
    [{ query: 'data.p.allow == 1', unknowns: ['input.document'] }, 422, 'POLICY_PARTIAL_UNSUPPORTED'],
    [{ query: 'data.p.allow', unknowns: ['input.a', 'input.b'] }, 422, 'POLICY_PARTIAL_UNSUPPORTED'],
    [{ query: 'data.p.allow' }, 400, 'invalid_parameter'], // OPA's default unknown is the whole input
    [{ query: 'data.p.allow ==', unknowns: ['input.document'] }, 400, 'invalid_parameter'],
    [{ unknowns: ['input.document'] }, 400, ''],
  ]
  for (const [body, status, code] of cases) {
    const r = await compile(body)
    t.equal(r.statusCode, status, JSON.stringify(body))
    if (code) t.equal(r.json().code, code, r.body)
  }
})
