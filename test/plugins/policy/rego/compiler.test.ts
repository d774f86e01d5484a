import t from 'tap'
import { compileModules } from '../../../../plugins/policy/rego/index.ts'
import { errorOf, value } from './helpers.ts'

const compile = (src: string) => () => compileModules({ files: { 'c.rego': src } })

t.test('unsafe variables are compile errors with positions', async (t) => {
  t.match(errorOf(compile('package c\np if { x > 1 }')), { code: 'rego_unsafe_var_error', message: /var x is unsafe/, location: { file: 'c.rego', row: 2 } })
  t.match(errorOf(compile('package c\np := y if { true }')), { code: 'rego_unsafe_var_error', message: /var y is unsafe/ })
  t.match(errorOf(compile('package c\np if { not x == 1 }')), { code: 'rego_unsafe_var_error' })
  t.match(errorOf(compile('package c\np if { count(x) > 0 }')), { code: 'rego_unsafe_var_error' })
})

t.test('bodies are reordered for safety like OPA', async (t) => {
  t.equal(value('package test\np := y if { y > 1; y := x + 1; x := 2 }'), 3)
  t.equal(value('package test\np if { not q[x]; x := "b" }\nq contains "a"'), true)
})

t.test('recursion is rejected', async (t) => {
  t.match(errorOf(compile('package c\np if q\nq if p')), { code: 'rego_recursion_error', message: /data\.c\.(p|q) is recursive/ })
  t.match(errorOf(compile('package c\nf(x) := g(x)\ng(x) := f(x)')), { code: 'rego_recursion_error' })
  t.match(errorOf(compile('package c\np contains x if { some x in data.c.p }')), { code: 'rego_recursion_error' })
})

t.test('conflicting rule kinds, duplicate defaults, redeclared vars', async (t) => {
  t.match(errorOf(compile('package c\np := 1\np contains 2')), { code: 'rego_type_error', message: /conflicting rules data\.c\.p/ })
  t.match(errorOf(compile('package c\ndefault p := 1\ndefault p := 2')), { code: 'rego_type_error', message: /multiple default rules/ })
  t.match(errorOf(compile('package c\nf(x) := 1\nf(x, y) := 2')), { code: 'rego_type_error' })
  t.match(errorOf(compile('package c\np if { x := 1; x := 2 }')), { code: 'rego_compile_error', message: /var x assigned above/ })
})

t.test('undefined functions and arity', async (t) => {
  t.match(errorOf(compile('package c\np := nope(1)')), { code: 'rego_type_error', message: /undefined function nope/ })
  t.match(errorOf(compile('package c\np := data.c.missing(1)')), { code: 'rego_type_error', message: /undefined function data\.c\.missing/ })
  t.match(errorOf(compile('package c\np := count(1, 2, 3)')), { code: 'rego_type_error', message: /arity/ })
})

t.test('all errors are reported together', async (t) => {
  const e = errorOf(() => compileModules({ files: { 'a.rego': 'package a\np if x', 'b.rego': 'package b\nq if y' } }))
  t.equal(e.count, 2)
})

t.test('imports and aliases resolve', async (t) => {
  const { run } = await import('./helpers.ts')
  const files = {
    'lib.rego': 'package lib\nf(x) := x * 10\nk := 3',
    'test.rego': 'package test\nimport data.lib\nimport data.lib.k as kk\nimport input.user as u\np := [lib.f(2), kk, u]',
  }
  t.same(run(files, 'x := data.test.p', { inputJson: { user: 'ann' } }), [{ x: [20, 3, 'ann'] }])
})
