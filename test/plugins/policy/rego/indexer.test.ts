import t from 'tap'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { findNode } from '../../../../plugins/policy/rego/compiler/tree.ts'
import { fromJs, toJs } from '../../../../plugins/policy/rego/value.ts'

const src = (n: number) => {
  let s = 'package authz\ndefault allow := false\nallow if input.admin\nroles contains "none"\n'
  for (let i = 0; i < n; i++) s += `allow if { input.role == "r${i}"; input.ok }\nroles contains r if { input.role == "r${i}"; r := "r${i}" }\n`
  return s
}

t.test('indexed rules give the same answers as a full scan', async (t) => {
  const policy = compileModules({ files: { 'a.rego': src(20) } })
  t.ok(findNode(policy.root, ['authz', 'allow'])?.index, 'allow is indexed')
  t.ok(findNode(policy.root, ['authz', 'roles'])?.index, 'roles is indexed')
  const ask = (input: unknown, path = 'data.authz.allow') => toJs(evaluate(policy, { path, input: fromJs(input) }).result!)
  t.equal(ask({ role: 'r7', ok: true }), true)
  t.equal(ask({ role: 'r7', ok: false }), false)
  t.equal(ask({ role: 'nobody', ok: true }), false)
  t.equal(ask({ admin: true }), true, 'unindexed rules still run')
  t.equal(ask({}), false, 'missing input value falls back to the default')
  t.same(ask({ role: 'r3' }, 'data.authz.roles'), ['none', 'r3'])
  const withInput = evaluate(policy, { query: 'x := data.authz.allow with input as {"role": "r2", "ok": true}' }).bindings
  t.same(toJs(withInput[0].x), true, 'with input is seen by the index')
})

t.test('small rule sets are not indexed', async (t) => {
  const policy = compileModules({ files: { 'a.rego': src(2) } })
  t.notOk(findNode(policy.root, ['authz', 'allow'])?.index)
})
