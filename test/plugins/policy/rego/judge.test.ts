import t from 'tap'
import { judge } from '../../../../plugins/policy/conformance/judge.ts'

const mod = 'package test\np := 7\nq contains x if some x in [2, 1]\n'

t.test('results compare as sets under Rego equality', async (t) => {
  t.same(judge({ note: 'a', query: 'data.test.p = x', modules: [mod], want_result: [{ x: 7.0 }] }), { pass: true })
  t.same(judge({ note: 'b', query: 'data.test.q = x', modules: [mod], want_result: [{ x: [1, 2] }], sort_bindings: true }), { pass: true })
  t.equal(judge({ note: 'c', query: 'data.test.p = x', modules: [mod], want_result: [{ x: 8 }] }).pass, false)
  t.same(judge({ note: 'd', query: 'data.test.nope = x', modules: [mod], want_result: [] }), { pass: true })
})

t.test('errors must match code and message', async (t) => {
  t.same(judge({ note: 'e', query: '1 / 0', want_error_code: 'eval_builtin_error', want_error: 'divide by zero', strict_error: true }), { pass: true })
  t.equal(judge({ note: 'f', query: '1 / 0', want_error_code: 'eval_type_error', strict_error: true }).pass, false)
  t.equal(judge({ note: 'g', query: 'data.test.p = x', modules: [mod], want_error_code: 'eval_conflict_error' }).pass, false)
})

t.test('input_term wins over input and keeps sets', async (t) => {
  t.same(judge({ note: 'h', query: 'x := count(input)', input: [1], input_term: '{1, 2, 2}', want_result: [{ x: 2 }] }), { pass: true })
})

t.test('big integers keep every digit', async (t) => {
  t.same(judge({ note: 'i', query: 'x := input.n + 1', input: { n: 18446744073709551613n }, want_result: [{ x: 18446744073709551614n }] }), { pass: true })
  t.equal(judge({ note: 'j', query: 'x := input.n + 1', input: { n: 18446744073709551613n }, want_result: [{ x: 18446744073709551615n }] }).pass, false)
})
