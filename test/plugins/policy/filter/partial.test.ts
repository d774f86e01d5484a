/**
 * Partial evaluation against the engine: for every (subject, document) pair of a seeded set, the
 * condition compiled for the subject, evaluated on the document (test/helpers/access-condition.ts),
 * must equal the policy evaluated with the whole input. Documents include missing fields and
 * values of the wrong type, where Rego's undefined and its cross-type order decide.
 */
import t, { type Test } from 'tap'
import type { AccessCondition, FilterRequest } from '../../../../src/contracts/filter.ts'
import { evalAccessCondition } from '../../../helpers/access-condition.ts'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { fromJs, TRUE, equal } from '../../../../plugins/policy/rego/value.ts'
import { compileCondition } from '../../../../plugins/policy/filter/index.ts'
import { conditionSize } from '../../../../plugins/policy/filter/condition.ts'
import { ragReadPolicySource } from '../../../../plugins/policy/authz/rag-read.ts'
import { createPolicyService } from '../../../../plugins/policy/service.ts'
import type { PolicyStore } from '../../../../plugins/policy/store.ts'
import { POLICIES, documents, subjects } from './policies.ts'

const SUBJECTS = subjects(7, 40)
const DOCS = documents(11, 80)

function agree(t: Test, name: string, src: string, data: Record<string, unknown> | undefined, path: string[], compile: (input: unknown) => AccessCondition | Promise<AccessCondition>) {
  const policy = compileModules({ files: { [`${name}.rego`]: src } })
  const d = fromJs(data ?? {})
  return t.test(`${name}: ${path.join('/')}`, async (t) => {
    let pairs = 0
    let mismatches = 0
    let granted = 0
    for (const subject of SUBJECTS) {
      const cond = await compile({ subject })
      for (const document of DOCS) {
        const { result } = evaluate(policy, { path: 'data.' + path.join('.'), input: fromJs({ subject, document }), data: d })
        const want = result !== undefined && equal(result, TRUE)
        const got = evalAccessCondition(cond, document)
        pairs++
        if (want) granted++
        if (got !== want && mismatches++ < 3) t.fail('condition disagrees with the engine', { subject, document, cond, want })
      }
    }
    t.equal(mismatches, 0, `${pairs} pairs agree`)
    // Not a vacuous property: some pairs are granted and some are not.
    t.ok(granted > 0 && granted < pairs, `granted ${granted} of ${pairs}`)
  })
}

for (const [name, p] of Object.entries(POLICIES)) {
  const policy = compileModules({ files: { [`${name}.rego`]: p.src } })
  const paths = name === 'elses' ? [['dyad', 'rag', 'read'], ['dyad', 'rag', 'editable']] : [['dyad', 'rag', 'read']]
  for (const path of paths) {
    agree(t, name, p.src, p.data, path, (input) => compileCondition(policy, fromJs(p.data ?? {}), { path, input, unknown: 'input.document' }))
  }
}

// The service: stored policies per project, the shipped rag-read policy without a dyad.rag package.
function fakeStore(modules: Record<string, Array<{ id: string; raw: string }>>, data: Record<string, Record<string, unknown>> = {}): PolicyStore {
  return {
    async snapshot(projectId: string) {
      return { modules: modules[projectId] ?? [], data: data[projectId] ?? {}, revision: 1, etag: projectId }
    },
  } as unknown as PolicyStore
}

const service = createPolicyService({
  store: fakeStore(
    { custom: [{ id: 'deny.rego', raw: POLICIES.denylist.src }], other: [{ id: 'x.rego', raw: 'package app\nallow := true\n' }] },
    { custom: POLICIES.denylist.data! },
  ),
  decisions: { record() {} } as never,
  dc: 'a',
  limits: { maxModuleBytes: 1 << 20, maxModules: 100, budget: { timeoutMs: 2000 } },
  log: { error() {}, warn() {}, info() {} },
})
const req = (input: unknown): FilterRequest => ({ path: 'dyad/rag/read', input, unknowns: ['input.document'] })

agree(t, 'shipped rag-read (service fallback)', ragReadPolicySource(), undefined, ['dyad', 'rag', 'read'], (input) => service.compileFilter('other', req(input)))
agree(t, 'project denylist (service)', POLICIES.denylist.src, POLICIES.denylist.data, ['dyad', 'rag', 'read'], (input) => service.compileFilter('custom', req(input)))

t.test('shipped policy: exact conditions', async (t) => {
  t.same(await service.compileFilter('none', req({ subject: { id: 'u1', groups: ['g1', 'g2'], roles: [] } })), {
    op: 'or',
    args: [
      { op: 'contains', field: { path: ['access', 'users'] }, value: 'u1' },
      { op: 'overlaps', field: { path: ['access', 'groups'] }, values: ['g1', 'g2'] },
      { op: 'eq', field: { path: ['access', 'public'] }, value: true },
    ],
  })
  t.same(await service.compileFilter('none', req({ subject: { id: 'u', roles: ['project-admin'] } })), { op: 'true' })
  t.same(await service.compileFilter('none', req({})), { op: 'eq', field: { path: ['access', 'public'] }, value: true })
  // A document in the known input is ignored: the unknown stands for every document.
  t.same(await service.compileFilter('none', req({ document: { access: { public: true } } })), { op: 'eq', field: { path: ['access', 'public'] }, value: true })
})

t.test('conditions that reduce to constants', async (t) => {
  const p = compileModules({ files: { 'a.rego': 'package t\nallow if input.subject.admin\nallow if { input.subject.x == 1; input.document.a == 2 }\nplain := 3\n' } })
  const c = (input: unknown, path = ['t', 'allow']) => compileCondition(p, undefined, { path, input, unknown: 'input.document' })
  t.same(c({ subject: { admin: true } }), { op: 'true' })
  t.same(c({ subject: {} }), { op: 'false' })
  t.same(c({ subject: { x: 1 } }), { op: 'eq', field: { path: ['a'] }, value: 2 })
  t.same(c({}, ['t', 'plain']), { op: 'false' }, 'a value other than true')
  t.same(c({}, ['t', 'missing']), { op: 'false' }, 'undefined')
})

t.test('bad requests', async (t) => {
  for (const r of [
    { path: 'dyad/rag/read', input: {}, unknowns: [] },
    { path: 'dyad/rag/read', input: {}, unknowns: ['input.document', 'input.x'] },
    { path: 'dyad/rag/read', input: {}, unknowns: ['data.x'] },
    { path: 'dyad/rag/read', input: {}, unknowns: ['input'] },
  ]) {
    await t.rejects(service.compileFilter('none', r as FilterRequest), { code: 'invalid_parameter', statusCode: 400 }, JSON.stringify(r.unknowns))
  }
})

t.test('sizes are counted', async (t) => {
  t.equal(conditionSize({ op: 'or', args: [{ op: 'in', field: { path: ['a'] }, values: [1, 2] }, { op: 'not', arg: { op: 'true' } }] }), 6)
})
