/**
 * The deep-program cases of deep.test.ts through OPA's REST API on a test app: uploads and
 * decisions answer (200), nesting past the parser's bound is a 400 in OPA's error shape, and no
 * case is a 500.
 */
import t, { type Test } from 'tap'
import { ADMIN_KEY, bearer, buildTestApp } from '../../../helpers/app.ts'

async function setup(t: Test) {
  // Large enough for a 100,000-element literal of non-constant elements (about 900 KB).
  const { app } = await buildTestApp(t, { DYAD_POLICY_MAX_MODULE_BYTES: String(2 << 20), DYAD_BODY_LIMIT: String(4 << 20) })
  const admin = bearer(ADMIN_KEY)
  await app.inject({ method: 'POST', url: '/v1/projects', headers: admin, payload: { id: 'deep', name: 'Deep' } })
  const base = '/v1/projects/deep/opa'
  const put = (id: string, src: string) => app.inject({ method: 'PUT', url: `${base}/v1/policies/${id}`, headers: { ...admin, 'content-type': 'text/plain' }, payload: src })
  const decide = (path: string, input: unknown = {}) => app.inject({ method: 'POST', url: `${base}/v1/data/${path}`, headers: admin, payload: { input } })
  const query = (q: string) => app.inject({ method: 'POST', url: `${base}/v1/query`, headers: admin, payload: { query: q } })
  return { put, decide, query }
}

t.test('huge literals, long rule chains and mocks calling the original are answered', async (t) => {
  const { put, decide } = await setup(t)
  const n = 100_000
  const literal = await put('lit.rego', `package lit\nx := [${Array(n).fill('input.a').join(', ')}]\nn := count(x)\n`)
  t.equal(literal.statusCode, 200, literal.body)
  t.same((await decide('lit/n', { a: 1 })).json().result, n)

  let chain = 'package chain\nr0 := input.base\n'
  for (let i = 1; i < 10_000; i++) chain += `r${i} := r${i - 1} + 1\n`
  t.equal((await put('chain.rego', chain)).statusCode, 200)
  const decided = await decide('chain/r9999', { base: 1 })
  t.equal(decided.statusCode, 200, decided.body)
  t.equal(decided.json().result, 10_000)

  await put('mock.rego', 'package mock\nmy_count(x) := count(x) + 100\nt := v if v := count(input.xs) with count as my_count\n')
  t.equal((await decide('mock/t', { xs: [1, 2] })).json().result, 102)
})

t.test('nesting past the documented depth is a 400 rego_parse_error, not a 500', async (t) => {
  const { put, decide, query } = await setup(t)
  for (const [what, src] of [
    ['1,000 nested arrays', `x := ${'['.repeat(1000)}1${']'.repeat(1000)}`],
    ['100,000 nested arrays', `x := ${'['.repeat(100_000)}1${']'.repeat(100_000)}`],
    ['1,000 nested comprehensions', `x := ${'[v | v := '.repeat(1000)}1${']'.repeat(1000)}`],
    ['a 100,000-operand sum', `x := ${Array(100_000).fill('1').join(' + ')}`],
  ]) {
    const res = await put('nest.rego', `package nest\n${src}\n`)
    t.equal(res.statusCode, 400, what)
    const body = res.json()
    t.equal(body.code, 'invalid_parameter', what)
    t.match(body.errors[0], { code: 'rego_parse_error', message: /max parsing recursion depth reached/, location: { file: 'nest.rego', row: 2, col: Number } }, what)
  }
  const q = await query(`y := ${'['.repeat(5000)}1${']'.repeat(5000)}`)
  t.equal(q.statusCode, 400)
  t.equal(q.json().errors[0].code, 'rego_parse_error')
  // Within the bound, the same shapes work.
  t.equal((await put('ok.rego', `package ok\nx := ${'['.repeat(400)}input.a${']'.repeat(400)}\n`)).statusCode, 200)
  t.equal((await decide('ok/x', { a: 1 })).statusCode, 200)
})

t.test('a rule chain building a 10,000-deep value is a 422, not a 500 when the result is written', async (t) => {
  const { put, decide } = await setup(t)
  let src = 'package wrap\nr0 := 0\n'
  for (let i = 1; i < 10_000; i++) src += `r${i} := [r${i - 1}]\n`
  t.equal((await put('wrap.rego', src)).statusCode, 200)
  const res = await decide('wrap/r9999')
  t.equal(res.statusCode, 422)
  t.equal(res.json().errors[0].code, 'eval_cancel_error')
})

t.test('a function chain past the depth budget is a 422 eval_cancel_error', async (t) => {
  const { put, decide } = await setup(t)
  let src = 'package fns\nf0(x) := x\n'
  for (let i = 1; i < 5000; i++) src += `f${i}(x) := f${i - 1}(x) + 1\n`
  src += 'out := f4999(input.x)\n'
  t.equal((await put('fns.rego', src)).statusCode, 200)
  const res = await decide('fns/out', { x: 0 })
  t.equal(res.statusCode, 422)
  t.equal(res.json().errors[0].code, 'eval_cancel_error')
})
