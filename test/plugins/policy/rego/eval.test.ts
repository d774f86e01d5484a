import t from 'tap'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { fromJs, toJsonText } from '../../../../plugins/policy/rego/value.ts'
import { errorOf, run, value } from './helpers.ts'

t.test('undefined is not false; default fills in', async (t) => {
  t.same(run('package test\np if input.x == 1', 'x := data.test.p', { inputJson: { x: 2 } }), [])
  t.equal(value('package test\ndefault p := false\np if input.x == 1', undefined, { inputJson: { x: 2 } }), false)
  t.equal(value('package test\np := 1 if false else := 2 if true'), 2)
})

t.test('partial sets, partial objects, ref heads and functions', async (t) => {
  const src = `package test
s contains x if some x in [3, 1, 2]
o[k] := v if some k, v in {"a": 1, "b": 2}
r.a[x].b := x if some x in ["p", "q"]
f(x) := y if y := x * 2
g(x) := y if { x < 0; y := 0 } else := -1
p := [f(4), g(1)]
`
  t.same(value(src, 'x := data.test.s'), [1, 2, 3])
  t.same(value(src, 'x := data.test.o'), { a: 1, b: 2 })
  t.same(value(src, 'x := data.test.r'), { a: { p: { b: 'p' }, q: { b: 'q' } } })
  t.same(value(src, 'x := data.test.p'), [8, -1])
})

t.test('conflicts raise eval_conflict_error', async (t) => {
  t.match(errorOf(() => run('package test\np := 1\np := 2 if true', 'x := data.test.p')), { code: 'eval_conflict_error', message: /complete rules must not produce multiple outputs/ })
  t.match(errorOf(() => run('package test\no[k] := 1 if k := "a"\no[k] := 2 if k := "a"', 'x := data.test.o')), { code: 'eval_conflict_error', message: /object keys must be unique/ })
  t.match(errorOf(() => run('package test\nf(_) := 1\nf(_) := 2', 'x := data.test.f(0)')), { code: 'eval_conflict_error', message: /functions must not produce multiple outputs/ })
})

t.test('with overrides input, data and functions', async (t) => {
  const src = `package test
p := input.x + data.d
q := count([1, 2, 3])
mock(_) := 42
`
  t.same(run(src, 'x := data.test.p with input.x as 1 with data.d as 2'), [{ x: 3 }])
  t.same(run(src, 'x := data.test.q with count as data.test.mock'), [{ x: 42 }])
  t.same(run(src, 'x := data.test.q with count as 7'), [{ x: 7 }])
})

t.test('every, not, comprehensions and iteration', async (t) => {
  const src = `package test
all_pos if every x in input.xs { x > 0 }
none_neg if not any_neg
any_neg if { some x in input.xs; x < 0 }
sq := {x: y | some x in input.xs; y := x * x}
pairs := [[i, v] | some i, v in input.xs]
`
  t.equal(value(src, 'x := data.test.all_pos', { inputJson: { xs: [1, 2] } }), true)
  t.same(run(src, 'x := data.test.all_pos', { inputJson: { xs: [1, -2] } }), [])
  t.equal(value(src, 'x := data.test.none_neg', { inputJson: { xs: [1, 2] } }), true)
  t.same(value(src, 'x := data.test.sq', { inputJson: { xs: [2, 3] } }), { '2': 4, '3': 9 })
  t.same(value(src, 'x := data.test.pairs', { inputJson: { xs: ['a'] } }), [[0, 'a']])
  t.same(run('package test', 'x := [1, 2, 3][i]; x > 1'), [{ x: 2, i: 1 }, { x: 3, i: 2 }])
})

t.test('big integers keep every digit', async (t) => {
  const policy = compileModules({ files: { 't.rego': 'package test\np := input.n + 1\nq := 12345678901234567890 * 10\nr := 10 / 4\ns := 9 / 3' } })
  const out = (path: string, input?: unknown) => {
    const r = evaluate(policy, { path, input: input === undefined ? undefined : fromJs(input) }).result
    return r && toJsonText(r)
  }
  t.equal(out('data.test.p', { n: 18446744073709551614n }), '18446744073709551615')
  t.equal(out('data.test.q'), '123456789012345678900')
  t.equal(out('data.test.r'), '2.5')
  t.equal(out('data.test.s'), '3')
})

t.test('strict built-in errors raise, otherwise undefined', async (t) => {
  t.same(run('package test\np := 1 / 0', 'x := data.test.p'), [])
  t.match(errorOf(() => run('package test\np := 1 / 0', 'x := data.test.p', { strict: true })), { code: 'eval_builtin_error', message: /divide by zero/ })
})

t.test('string interpolation and print notes', async (t) => {
  t.equal(value('package test\np := $"{input.a} and {input.missing}"', undefined, { inputJson: { a: [1, "b"] } }), '[1, "b"] and <undefined>')
  const policy = compileModules({ files: { 't.rego': 'package test\np if { print("hi", 1) }' } })
  t.same(evaluate(policy, { path: 'data.test.p' }).notes, ['hi 1'])
})
