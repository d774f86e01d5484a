/**
 * The evaluator's shortcuts for small, hot policies (constant folding of rule values, existence
 * checks without a throw, early exit on equal constants, remembered data-ref descents) must
 * never change an answer. Each case below is one a wrong shortcut would get wrong.
 */
import t from 'tap'
import { BUILTINS } from '../../../../plugins/policy/rego/builtins/index.ts'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { findNode } from '../../../../plugins/policy/rego/compiler/tree.ts'
import { bodyHasOneSolution } from '../../../../plugins/policy/rego/eval/solutions.ts'
import { fromJs, toJs } from '../../../../plugins/policy/rego/value.ts'
import { errorOf } from './helpers.ts'

const compile = (src: string) => compileModules({ files: { 'a.rego': `package a\n\nimport rego.v1\n\n${src}` } })
const ask = (src: string, path: string, input?: unknown, data?: unknown) => {
  const r = evaluate(compile(src), { path, input: input === undefined ? undefined : fromJs(input), data: data === undefined ? undefined : fromJs(data) }).result
  return r === undefined ? undefined : toJs(r)
}

t.test('a rule value written as a literal of constants is folded to one constant', async (t) => {
  const policy = compile('d := {"allow": true, "tags": ["a", {"b": null}], "s": {1, 2}} if input.x\n')
  const rule = findNode(policy.root, ['a', 'd'])!.rules[0]
  t.equal(rule.value.t, 'scalar')
  t.same(toJs(evaluate(policy, { path: 'data.a.d', input: fromJs({ x: true }) }).result!), { allow: true, tags: ['a', { b: null }], s: [1, 2] })
  t.equal(findNode(compile('d := {"v": input.x} if true\n').root, ['a', 'd'])!.rules[0].value.t, 'object', 'a literal with a ref is not folded')
  t.match(errorOf(() => evaluate(compile('d := {"k": 1, "k": 2}\n'), { path: 'data.a.d' })), { code: 'eval_conflict_error' }, 'duplicate keys still conflict at run time')
})

t.test('which bodies count as having at most one solution', async (t) => {
  const bodyOf = (rule: string) => findNode(compile(rule).root, ['a', 'p'])!.rules[0].body
  const single = (rule: string) => bodyHasOneSolution(bodyOf(rule), new Map(), BUILTINS)
  t.equal(single('p if { input.a == 1; x := input.b; x > 2 }\n'), true)
  t.equal(single('p if { not input.a; count(input.b) > 0 }\n'), true)
  t.equal(single('p if { input.a[_] == 1 }\n'), false, 'an unbound ref key iterates')
  t.equal(single('p if { some x in input.a; x == 1 }\n'), false)
  t.equal(single('p if { walk(input.a, [path, v]) }\n'), false, 'a relation built-in iterates')
  t.equal(single('p if { x := input.a[i] }\n'), false)
})

t.test('existence checks and early exit give the same answers with several solutions', async (t) => {
  const src = 'p if { some x in input.xs; x > 1 }\nq if not r\nr if { input.xs[_] == 3 }\nallow if input.a\nallow if input.b\ndefault allow := false\n'
  t.equal(ask(src, 'data.a.p', { xs: [1, 2, 3] }), true)
  t.equal(ask(src, 'data.a.p', { xs: [0, 1] }), undefined)
  t.equal(ask(src, 'data.a.q', { xs: [3, 3] }), undefined)
  t.equal(ask(src, 'data.a.q', { xs: [1] }), true)
  t.equal(ask(src, 'data.a.allow', { a: true, b: true }), true)
  t.equal(ask(src, 'data.a.allow', { b: true }), true)
  t.equal(ask(src, 'data.a.allow', {}), false)
  // Rules with different constants still conflict: early exit only skips equal ones.
  t.match(errorOf(() => ask('v := 1 if input.a\nv := 2 if input.b\n', 'data.a.v', { a: true, b: true })), { code: 'eval_conflict_error' })
})

t.test('base data read through a remembered ref follows the data of each evaluation', async (t) => {
  const policy = compile('x := data.cfg.limits[input.k]\n')
  const at = (data: unknown) => evaluate(policy, { path: 'data.a.x', input: fromJs({ k: 'a' }), data: fromJs(data) }).result
  t.same(toJs(at({ cfg: { limits: { a: 1 } } })!), 1)
  t.same(toJs(at({ cfg: { limits: { a: 2 } } })!), 2)
  t.equal(at({}), undefined)
  const over = evaluate(policy, { query: 'y := data.a.x with data.cfg.limits as {"a": 9}', input: fromJs({ k: 'a' }), data: fromJs({ cfg: { limits: { a: 1 } } }) })
  t.same(toJs(over.bindings[0].y), 9, '`with data` overrides are still seen')
})

t.test('built-in tests read straight from constants, bound vars and constant-key refs', async (t) => {
  const src = 'lim := {"a": 2}\np if input.n >= data.a.lim.a\nq if { x := input.m; x["0"] == "zero" }\nr if input.obj[0] == "zero"\ns if startswith(input.n, "a")\nu if input.missing != 1\n'
  t.equal(ask(src, 'data.a.p', { n: 3 }), true)
  t.equal(ask(src, 'data.a.p', { n: 1 }), undefined)
  t.equal(ask(src, 'data.a.q', { m: { 0: 'zero' } }), true, 'a bound var as the ref head')
  t.equal(ask(src, 'data.a.r', { obj: { 0: 'zero' } }), true, 'input.obj[0] also finds the key "0", as in OPA')
  t.equal(ask(src, 'data.a.s', { n: 3 }), undefined, 'a built-in error is undefined without strict')
  t.match(errorOf(() => evaluate(compile(src), { path: 'data.a.s', input: fromJs({ n: 3 }), strict: true })), { code: 'eval_type_error' }, '...and raises with it')
  t.equal(ask(src, 'data.a.u', {}), undefined, 'an undefined argument makes the test undefined, not true')
})

t.test('rule values built directly from literals and built-in calls', async (t) => {
  const src = 'd := {"reason": sprintf("requires %s", [input.role]), "tags": {input.a, "x"}}\ne := {"k": input.a, "k": input.b}\n'
  t.same(ask(src, 'data.a.d', { role: 'admin', a: 'y' }), { reason: 'requires admin', tags: ['x', 'y'] })
  t.equal(ask(src, 'data.a.d', { a: 'y' }), undefined, 'an undefined part leaves the rule undefined')
  t.same(ask(src, 'data.a.e', { a: 1, b: 1 }), { k: 1 })
  t.match(errorOf(() => ask(src, 'data.a.e', { a: 1, b: 2 })), { code: 'eval_conflict_error' }, 'duplicate keys with different values conflict')
})
