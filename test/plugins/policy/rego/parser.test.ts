import t from 'tap'
import { parseModule, parseQuery } from '../../../../plugins/policy/rego/parser/module.ts'
import { compileModules } from '../../../../plugins/policy/rego/index.ts'
import { errorOf, value } from './helpers.ts'

t.test('parse errors carry file, row and col in OPA shape', async (t) => {
  const e = errorOf(() => compileModules({ files: { 'bad.rego': 'package x\n\np if {\n  x := [1, 2\n}\n' } }))
  t.equal(e.code, 'rego_parse_error')
  t.match(e.location, { file: 'bad.rego', row: 5, col: 1 })
  const e2 = errorOf(() => parseModule('m.rego', 'package x\np := "unterminated\n'))
  t.equal(e2.code, 'rego_parse_error')
  t.match(e2.location, { file: 'm.rego', row: 2 })
  const e3 = errorOf(() => parseModule('m.rego', 'p := 1'))
  t.match(e3, { code: 'rego_parse_error', location: { row: 1, col: 1 } })
})

t.test('RegoError serialises to OPA JSON', async (t) => {
  try {
    parseModule('f.rego', 'package a\np := }')
    t.fail('should throw')
  } catch (e) {
    t.same(JSON.parse(JSON.stringify(e)), { code: 'rego_parse_error', message: 'unexpected } token: expected term', location: { file: 'f.rego', row: 2, col: 6 } })
  }
})

t.test('rule forms', async (t) => {
  const m = parseModule('m.rego', `package a.b
import rego.v1
import data.lib as l
default allow := false
allow if input.x == 1
s contains x if some x in [1]
o[k] := v if { some k, v in {"a": 1} }
p.q.r[x] := 1 if x := "y"
f(x) := y if { y := x + 1 } else := 0
g(x) if x > 1
`)
  t.same(m.pkg, ['a', 'b'])
  t.equal(m.imports.length, 2)
  t.same(m.rules.map((r) => r.kind), ['complete', 'complete', 'set', 'complete', 'complete', 'func', 'func'])
  t.equal(m.rules[0].isDefault, true)
  t.equal(m.rules[5].elses.length, 1)
})

t.test('sets, empty objects, raw strings, numbers and precedence', async (t) => {
  t.same(value('package test\np := {1, 2}'), [1, 2])
  t.same(value('package test\np := {}'), {})
  t.same(value('package test\np := set()'), [])
  t.equal(value('package test\np := `a\\nb`'), 'a\\nb')
  t.equal(value('package test\np := 1 + 2 * 3 - 4 / 2'), 5)
  t.equal(value('package test\np := 1e3'), 1000)
  t.equal(value('package test\np := -2.5'), -2.5)
  t.equal(value('package test\np := 3 in {1, 2} | {3}'), true)
  t.equal(value('package test\np := $"a{1 + 1}b{"c"}{[1]}"'), 'a2bc[1]')
})

t.test('queries: several expressions separated by ; or newlines', async (t) => {
  t.equal(parseQuery('x := 1; y := 2\nz := 3').length, 3)
})

t.test('METADATA comments attach to rules', async (t) => {
  const m = parseModule('m.rego', 'package a\n\n# METADATA\n# title: T\np := 1\n')
  t.same(m.rules[0].annotations, { title: 'T', scope: 'rule' })
})

t.test('v0-style bodies are rejected as in OPA 1.x', async (t) => {
  t.match(errorOf(() => parseModule('v0.rego', 'package a\np[x] { x := 1 }')), { code: 'rego_parse_error', message: /`if` keyword is required/, location: { row: 2, col: 6 } })
})
