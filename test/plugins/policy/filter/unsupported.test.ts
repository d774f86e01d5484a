/**
 * Constructs partial evaluation cannot express must fail with POLICY_PARTIAL_UNSUPPORTED, never
 * yield a condition (a wrong condition would leak or hide documents). And hostile known inputs
 * (huge collections, cross products, long loops) must stop at the node budget or the deadline
 * with a clean evaluation error.
 */
import t, { type Test } from 'tap'
import { compileModules } from '../../../../plugins/policy/rego/index.ts'
import { fromJs } from '../../../../plugins/policy/rego/value.ts'
import { compileCondition } from '../../../../plugins/policy/filter/index.ts'
import { conditionSize } from '../../../../plugins/policy/filter/condition.ts'
import { PolicyErrorKinds } from '../../../../plugins/policy/errors.ts'

const run = (body: string, input: unknown = { subject: { id: 'u', key: 'a', groups: ['g'] } }, opts: { maxNodes?: number; timeoutMs?: number; data?: unknown } = {}) => {
  const policy = compileModules({ files: { 'p.rego': `package p\n${body}\n` } })
  return compileCondition(policy, fromJs(opts.data ?? {}), { path: ['p', 'allow'], input, unknown: 'input.document', maxNodes: opts.maxNodes, budget: { timeoutMs: opts.timeoutMs ?? 2000 } })
}

/** The error `f` throws (a failure when it returns). */
function thrown(t: Test, f: () => unknown): Error & { statusCode?: number; extra?: { errors?: Array<{ code: string; message: string }> } } {
  try {
    const out = f()
    t.fail('no error', { out })
  } catch (err) {
    return err as Error
  }
  return new Error('none')
}

type Failure = ReturnType<typeof thrown>

/** `f` throws an error that `check` accepts. */
function fails(t: Test, f: () => unknown, check: (err: Failure) => boolean): void {
  const err = thrown(t, f)
  t.ok(check(err), String(err))
}

/** The evaluation error (422) of an exhausted budget, in OPA's error shape. */
const cancelled = (err: Failure) => PolicyErrorKinds.evaluation.is(err) && err.statusCode === 422 && err.extra?.errors?.[0]?.code === 'eval_cancel_error'

const UNSUPPORTED: Record<string, string> = {
  'built-in on the unknown': 'allow if startswith(input.document.path, "public/")',
  'count of the unknown': 'allow if count(input.document.tags) > 0',
  'built-in result compared': 'allow if lower(input.document.owner) == "u"',
  'some k, v in the unknown': 'allow if { some k, v in input.document.labels; v == "x" }',
  'some v in the unknown': 'allow if { some v in input.document.tags; v == "x" }',
  'named key var over the unknown': 'allow if input.document.labels[k] == "x"',
  'every over the unknown': 'allow if { every x in input.document.tags { x != "secret" } }',
  'every with a built-in on the unknown': 'allow if { every x in input.subject.groups { startswith(input.document.path, x) } }',
  'two fields': 'allow if input.document.owner == input.document.creator',
  'two fields, member': 'allow if input.document.owner in input.document.editors',
  'with on the unknown': 'allow if { x with input.document as {"a": 1} }\nx if input.document.a == 1',
  'with on the whole input': 'allow if { input.document.a == 1 with input as {"document": {"a": 1}} }',
  'whole input': 'allow if { x := input; x.document.a == 1 }',
  'numeric index': 'allow if input.document.tags[0] == "a"',
  'dynamic key from input': 'allow if input.document[input.subject.key] == 1',
  'dynamic key right after input': 'allow if input[input.subject.key].a == 1',
  'composite value': 'allow if input.document.level == [1]',
  'null member': 'allow if null in input.document.tags',
  'element not-equal': 'allow if input.document.tags[_] != "x"',
  'bare element': 'allow if input.document.tags[_]',
  'partial set over the unknown': 'allow if "x" in ids\nids contains input.document.id if true',
  'multi-value rule by key': 'allow if ids[input.document.id]\nids contains "a" if input.document.b == 1',
  'ref into a rule value': 'allow if doc.a == 1\ndoc := input.document',
  'rule value bound': 'allow if { x := lvl; x > 1 }\nlvl := input.document.level',
  'pattern binding to the unknown': 'allow if [a, b] = input.document.pair',
  'function value used': 'allow if { y := f(1); y == input.subject.id }\nf(x) := input.document.owner',
  'object iteration key': 'allow if { some k; input.document.labels[k] == "x" }',
}

for (const [name, body] of Object.entries(UNSUPPORTED)) {
  t.test(name, async (t) => {
    let cond: unknown
    try {
      cond = run(body)
    } catch (err) {
      t.ok(PolicyErrorKinds.partialUnsupported.is(err), String(err))
      t.equal((err as { statusCode: number }).statusCode, 422)
      return
    }
    t.fail('gave a condition', { cond })
  })
}

t.test('unsupported parts in bodies whose known parts fail are never reached', async (t) => {
  // OPA's partial evaluation also only looks at what survives the known parts.
  t.same(run('allow if { input.subject.id == "other"; startswith(input.document.path, "x") }'), { op: 'false' })
  t.same(run('allow if { input.subject.id == "u" }\nallow if { input.subject.id == "u"; count(input.document.tags) > 0 }'), { op: 'true' })
})

t.test('hostile: a huge known collection stays within the node budget or stops cleanly', async (t) => {
  const groups = Array.from({ length: 200_000 }, (_, i) => `g${i}`)
  const body = 'allow if { some g in input.subject.groups; g in input.document.groups }'
  const started = Date.now()
  fails(t, () => run(body, { subject: { groups } }), (err) => cancelled(err) && /condition nodes/.test(String(err.message)))
  t.ok(Date.now() - started < 5000, 'stops early')
  // Within the budget: one `overlaps` with every group.
  const c = run(body, { subject: { groups: groups.slice(0, 5000) } })
  t.equal(c.op, 'overlaps')
  t.ok(conditionSize(c) <= 50_000)
  t.equal((c as { values: unknown[] }).values.length, 5000)
})

t.test('hostile: a cross product over known collections hits the budget', async (t) => {
  const xs = Array.from({ length: 2000 }, (_, i) => i)
  const body = 'allow if { some a in input.subject.xs; some b in input.subject.xs; input.document.x == a; input.document.y < b }'
  fails(t, () => run(body, { subject: { xs } }, { maxNodes: 10_000 }), (err) => cancelled(err))
})

t.test('hostile: a huge known `in` list is charged', async (t) => {
  const big = Array.from({ length: 20_000 }, (_, i) => `d${i}`)
  fails(t, () => run('allow if input.document.id in data.ids', {}, { maxNodes: 1000, data: { ids: big } }), (err) => cancelled(err))
  const ok = run('allow if input.document.id in data.ids', {}, { maxNodes: 30_000, data: { ids: big } })
  t.equal(ok.op, 'in')
})

t.test('hostile: a long known loop stops at the deadline', async (t) => {
  const body = 'allow if { some i in numbers.range(1, 100000000); i < 0; input.document.a == i }'
  const started = Date.now()
  fails(t, () => run(body, {}, { timeoutMs: 200 }), (err) => cancelled(err) && /deadline|step budget/.test(err.message))
  t.ok(Date.now() - started < 3000)
})

t.test('hostile: deep chains of inlined rules', async (t) => {
  const n = 300
  const rules = Array.from({ length: n }, (_, i) => (i === 0 ? 'r0 if input.document.a == 1' : `r${i} if r${i - 1}`)).join('\n')
  t.same(run(`allow if r${n - 1}\n${rules}`), { op: 'eq', field: { path: ['a'] }, value: 1 })
  // Each rule doubles the condition: a budget, not memory, stops it.
  const doubling = Array.from({ length: 40 }, (_, i) => (i === 0 ? 'q0 if input.document.a == 1\nq0 if input.document.b == 1' : `q${i} if { q${i - 1}; not input.document.c${i} }\nq${i} if { not q${i - 1}; input.document.c${i} }`)).join('\n')
  fails(t, () => run(`allow if q39\n${doubling}`, {}, { maxNodes: 10_000 }), (err) => cancelled(err))
})
