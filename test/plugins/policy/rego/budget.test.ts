import t from 'tap'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { fromJs } from '../../../../plugins/policy/rego/value.ts'
import { errorOf } from './helpers.ts'

t.test('a huge range stops at the step budget instead of hanging', async (t) => {
  const policy = compileModules({ files: { 't.rego': 'package test\np := count(numbers.range(1, 1e12))' } })
  const start = Date.now()
  t.match(errorOf(() => evaluate(policy, { path: 'data.test.p' })), { code: 'eval_cancel_error', message: /step budget/ })
  t.ok(Date.now() - start < 1000)
})

t.test('runaway iteration stops at the deadline or step budget', async (t) => {
  const policy = compileModules({
    files: { 't.rego': 'package test\np := count([1 | some a in numbers.range(1, 2000); some b in numbers.range(1, 2000); some c in numbers.range(1, 2000)])' },
  })
  t.match(errorOf(() => evaluate(policy, { path: 'data.test.p', budget: { timeoutMs: 200 } })), { code: 'eval_cancel_error' })
  t.match(errorOf(() => evaluate(policy, { path: 'data.test.p', budget: { maxSteps: 10_000 } })), { code: 'eval_cancel_error', message: /step budget/ })
})

t.test('deep rule chains stop at the depth budget', async (t) => {
  const n = 150
  let src = 'package test\nr0 := 0\n'
  for (let i = 1; i <= n; i++) src += `r${i} := r${i - 1} + 1\n`
  const policy = compileModules({ files: { 't.rego': src } })
  t.same(evaluate(policy, { path: `data.test.r${n}` }).result, { type: 'number', int: BigInt(n) })
  t.match(errorOf(() => evaluate(policy, { path: `data.test.r${n}`, budget: { maxDepth: 50 } })), { code: 'eval_cancel_error', message: /depth/ })
})

t.test('equality index keeps decision time flat as rules grow', async (t) => {
  const time = (rules: number) => {
    let src = 'package authz\ndefault allow := false\n'
    for (let i = 0; i < rules; i++) src += `allow if { input.role == "r${i}"; input.action == "read" }\n`
    const policy = compileModules({ files: { 'a.rego': src } })
    const input = fromJs({ role: `r${rules - 1}`, action: 'read' })
    evaluate(policy, { path: 'data.authz.allow', input })
    const start = process.hrtime.bigint()
    for (let i = 0; i < 50; i++) t.equal(evaluate(policy, { path: 'data.authz.allow', input }).result?.type, 'boolean')
    return Number(process.hrtime.bigint() - start) / 50
  }
  const small = time(10)
  const large = time(10_000)
  // Without the index the large policy evaluates 1000x more bodies; allow generous noise.
  t.ok(large < small * 20 + 2_000_000, `10 rules: ${small}ns, 10000 rules: ${large}ns`)
})
