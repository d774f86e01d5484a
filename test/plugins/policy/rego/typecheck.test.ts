import t from 'tap'
import { BUILTINS } from '../../../../plugins/policy/rego/builtins/index.ts'
import { SIGNATURES, T, typeName } from '../../../../plugins/policy/rego/builtins/signatures.ts'
import { compileModules, evaluate, RegoErrors } from '../../../../plugins/policy/rego/index.ts'
import { run, value } from './helpers.ts'

/** Every error of compiling one `t.rego` module, as OPA's JSON shape. */
function typeErrors(src: string): Array<{ code: string; message: string; location?: unknown }> {
  try {
    compileModules({ files: { 't.rego': src } })
  } catch (e) {
    if (e instanceof RegoErrors) return e.errors.map((x) => x.toJSON())
    throw e
  }
  return []
}

const at = (row: number, col: number) => ({ file: 't.rego', row, col })

t.test('signatures name real built-ins with their arity', async (t) => {
  for (const [name, s] of SIGNATURES) t.equal(BUILTINS.get(name)?.arity, s.args.length, name)
  t.equal(typeName(T.any), 'any')
  t.equal(typeName(T.array | T.set), 'any<array, set>')
})

t.test('a call with an argument of an excluded kind is a rego_type_error', async (t) => {
  t.same(typeErrors('package t\np if {\n  x := count(1)\n}'), [
    { code: 'rego_type_error', message: 'count: invalid argument(s)\n\thave: (number)\n\twant: (any<string, array, object, set>)', location: at(3, 3) },
  ])
  t.same(typeErrors('package t\np := 1 + "a"'), [
    { code: 'rego_type_error', message: 'plus: invalid argument(s)\n\thave: (number, string)\n\twant: (number, number)', location: at(2, 6) },
  ])
  t.same(typeErrors('package t\np if { startswith(5, "x") }'), [
    { code: 'rego_type_error', message: 'startswith: invalid argument(s)\n\thave: (number, string)\n\twant: (string, string)', location: at(2, 8) },
  ])
  t.same(typeErrors('package t\np if {\n  x := "s"\n  y := x + 1\n}'), [
    { code: 'rego_type_error', message: 'plus: invalid argument(s)\n\thave: (string, number)\n\twant: (number, number)', location: at(4, 3) },
  ])
  t.same(typeErrors('package t\np if { z := {"a": 1} - 2 }'), [
    { code: 'rego_type_error', message: 'minus: invalid argument(s)\n\thave: (object, number)\n\twant: (any<number, set>, any<number, set>)', location: at(2, 8) },
  ])
  t.same(typeErrors('package t\np := sprintf("%s", "a")'), [
    { code: 'rego_type_error', message: 'sprintf: invalid argument(s)\n\thave: (string, string)\n\twant: (string, array)', location: at(2, 6) },
  ])
})

t.test('types flow through built-in results, comprehensions and nested bodies', async (t) => {
  const codes = (src: string) => typeErrors(src).map((e) => [e.code, e.message.split('\n')[0], e.location])
  t.same(codes('package t\np if { n := count(input.x); upper(n) }'), [['rego_type_error', 'upper: invalid argument(s)', at(2, 29)]])
  t.same(codes('package t\np := count(x) if { x := 1 }'), [['rego_type_error', 'count: invalid argument(s)', at(2, 6)]])
  t.same(codes('package t\np := [y | some x in input; y := lower([x])]'), [['rego_type_error', 'lower: invalid argument(s)', at(2, 28)]])
  t.same(codes('package t\np if { every y in input { x := "a"; x + 1 } }'), [['rego_type_error', 'plus: invalid argument(s)', at(2, 37)]])
  t.same(codes('package t\np := q if { q := {1} | 2 }'), [['rego_type_error', 'or: invalid argument(s)', at(2, 13)]])
  t.same(codes('package t\nf(x) := y if { y := concat(1, x) }'), [['rego_type_error', 'concat: invalid argument(s)', at(2, 16)]])
  t.same(codes('package t\np := 1 if { false } else := count(true)'), [['rego_type_error', 'count: invalid argument(s)', at(2, 29)]])
})

t.test('every error is reported together, in source order', async (t) => {
  const errs = typeErrors('package t\nq if { y }\np if { count(1) }\nr := 1 + "a"\ns := upper(1)')
  t.same(errs.map((e) => [e.code, e.location]), [
    ['rego_unsafe_var_error', at(2, 8)],
    ['rego_type_error', at(3, 8)],
    ['rego_type_error', at(4, 6)],
    ['rego_type_error', at(5, 6)],
  ])
})

t.test('ad-hoc queries are checked too', async (t) => {
  const policy = compileModules({ files: {} })
  t.throws(() => evaluate(policy, { query: 'x := count(1)' }), { errors: [{ code: 'rego_type_error' }] })
})

t.test('anything not certainly mistyped compiles', async (t) => {
  const ok = [
    // input- and data-derived values are `any`
    'package t\np := count(input.x)\nq if startswith(data.d.s, "a")\nr := x + 1 if { x := input.n }\ns := input.a - data.b',
    // `with`, including a mocked built-in
    'package t\nmock(_) := 7\np := n if { n := count(1) with count as mock; upper(n) }\nq if { data.t.r with input as 1 }\nr := input + 1\ns if { y := input.n + 1 with input.n as 2 }',
    // function parameters are untyped, patterns included
    'package t\nf(x) := x + 1\ng(s) if startswith(s, "a")\nh([a, b]) := a + b\np := [f(1), h([1, 2])]',
    // every collection kind and strings have a count
    'package t\np := [count({1, 2}), count([1]), count({"a": 1}), count("abc"), count([x | some x in [1]]), count(set())]',
    // string building goes through concat, sprintf and templates
    'package t\np := concat("", ["a", "b"])\nq := sprintf("%s%s", ["a", "b"])\nr := concat("-", {x | some x in input})',
    'package t\np if { x := 1; y := x + 2.5; y > 3 }',
    // any two values can be compared or tested for equality
    'package t\np if { 1 < "a"; [1] > {"a": 1}; null <= true; {1} >= "s" }\nq if { 1 == "1"; {1} != [1]; x := "s"; x != 2 }',
    // set operators, numeric minus, unary minus of unknowns
    'package t\np := ({1} - {2}) | ({3} & input.s)\nq := 3 - 1\nr := -input.n',
    // a comprehension may shadow an outer local with another type
    'package t\np := ys if { x := "s"; ys := [y | x := 1; y := x + 1] }',
    // results of unsigned or `any`-typed built-ins are unknown
    'package t\np := object.get(input, "a", 0) + 1\nq := json.unmarshal("1") + 1\nr := max([1, 2]) * 2',
  ]
  for (const src of ok) t.same(typeErrors(src), [], src)
  t.same(run('package t\np := ys if { x := "s"; ys := [y | x := 1; y := x + 1] }', 'x := data.t.p'), [{ x: [2] }])
  t.equal(value('package test\np := x + 2.5 if { x := 1 }'), 3.5)
  t.equal(value('package test\nmock(_) := 7\np := n if { n := count(1) with count as mock }'), 7)
})
