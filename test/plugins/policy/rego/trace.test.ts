import t from 'tap'
import { compileModules, evaluate, type TraceEvent } from '../../../../plugins/policy/rego/index.ts'
import { fromJs } from '../../../../plugins/policy/rego/value.ts'

// Row/col matter here: the failing expression `input.action == "write"` is at 6:2.
const SRC = `package authz

# Writers must be named alice.
allow if {
	input.user == "alice"
	input.action == "write"
}

names := [n | some n in input.names; startswith(n, "a")]

loud if print("user", input.user)
`

const policy = compileModules({ files: { 'authz.rego': SRC } })
const input = fromJs({ user: 'alice', action: 'read', names: ['ann', 'bob'] })
const ops = (events: TraceEvent[]) => events.map((e) => e.op)

t.test('fails: a Fail event at the failing expression, with the Enter events of its lineage', async (t) => {
  const { result, events } = evaluate(policy, { path: 'data.authz.allow', input, trace: 'fails' })
  t.equal(result, undefined)
  t.same(ops(events!), ['Enter', 'Enter', 'Fail', 'Fail'])
  const [query, rule, failed, top] = events!
  t.match(query, { op: 'Enter', query_id: 1, parent_id: 0, type: 'body' })
  t.match(rule, { op: 'Enter', query_id: 2, parent_id: 1, type: 'rule', node: { ref: 'data.authz.allow', kind: 'complete' }, location: { file: 'authz.rego', row: 4, col: 1 } })
  t.same(failed, {
    op: 'Fail',
    query_id: 2,
    parent_id: 1,
    type: 'expr',
    node: {
      index: 1,
      terms: [
        { type: 'ref', value: [{ type: 'var', value: 'equal' }] },
        { type: 'ref', value: [{ type: 'var', value: 'input' }, { type: 'string', value: 'action' }] },
        { type: 'string', value: 'write' },
      ],
    },
    locals: [],
    location: { file: 'authz.rego', row: 6, col: 2 },
  })
  t.match(top, { op: 'Fail', query_id: 1, parent_id: 0, location: { file: 'query' } }, 'the undefined path query fails too')
})

t.test('fails: locals are the bound variables, as JSON', async (t) => {
  const { result, events } = evaluate(policy, { query: 'x := data.authz.names', input, trace: 'fails' })
  t.same(result, undefined)
  const fail = events!.find((e) => e.op === 'Fail')!
  t.match(fail, { type: 'expr', location: { file: 'authz.rego', row: 9, col: 38 } })
  t.same(fail.locals, [{ key: { type: 'var', value: 'n' }, value: 'bob' }])
  // Every Fail's query and its ancestors are announced by Enter events.
  const entered = new Map(events!.filter((e) => e.op === 'Enter').map((e) => [e.query_id, e.parent_id]))
  for (let id = fail.query_id; id !== 0; id = entered.get(id)!) t.ok(entered.has(id), `query ${id} entered`)
})

t.test('full: Enter, Eval, Exit, Fail, Redo and Note events in evaluation order', async (t) => {
  const ok = evaluate(policy, { path: 'data.authz.allow', input: fromJs({ user: 'alice', action: 'write' }), trace: 'full' })
  t.same(ok.result, { type: 'boolean', value: true })
  // A rule with a constant value stops at its first solution, so nothing is redone.
  t.same(ops(ok.events!), ['Enter', 'Eval', 'Enter', 'Eval', 'Eval', 'Exit', 'Exit'])
  t.match(ok.events![5], { op: 'Exit', query_id: 2, type: 'rule', location: { row: 4, col: 1 } })
  t.match(ok.events![3], { op: 'Eval', query_id: 2, location: { row: 5, col: 2 } })

  const failed = evaluate(policy, { path: 'data.authz.allow', input, trace: 'full' })
  t.same(ops(failed.events!), ['Enter', 'Eval', 'Enter', 'Eval', 'Eval', 'Fail', 'Redo', 'Fail'])

  const note = evaluate(policy, { path: 'data.authz.loud', input, trace: 'full' })
  t.match(
    note.events!.find((e) => e.op === 'Note'),
    { op: 'Note', query_id: 2, message: 'user alice', location: { row: 11, col: 9 } },
  )
  t.same(note.notes, ['user alice'], 'notes are still collected')
})

t.test('no tracer, no events', async (t) => {
  const r = evaluate(policy, { path: 'data.authz.allow', input })
  t.notOk('events' in r)
  t.same(evaluate(policy, { query: 'data.authz.allow', input }).bindings, [])
})

t.test('the number of events is capped and the cap is announced', async (t) => {
  const big = compileModules({ files: { 'b.rego': 'package b\n\nodd contains n if {\n\tsome n in numbers.range(1, 30000)\n\tn % 2 == 1\n}\n' } })
  const { result, events } = evaluate(big, { path: 'data.b.odd', trace: 'full', maxTraceEvents: 100 })
  t.equal(result?.type === 'set' && result.items.size, 15000, 'evaluation itself is complete')
  t.equal(events!.length, 101)
  t.same(events![100], { op: 'Note', query_id: 0, parent_id: 0, type: 'expr', node: null, locals: [], message: 'trace truncated after 100 events' })
  const fails = evaluate(big, { path: 'data.b.odd', trace: 'fails' }).events!
  t.equal(fails.length, 10_001, 'the default cap is 10,000')
  t.equal(fails.filter((e) => e.op === 'Fail').length, 9_998)
  t.match(fails[10_000], { op: 'Note', message: 'trace truncated after 10000 events' })
})
