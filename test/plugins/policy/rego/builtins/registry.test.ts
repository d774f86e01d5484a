import t from 'tap'
import { BUILTINS, BuiltinError } from '../../../../../plugins/policy/rego/builtins/index.ts'

t.test('registry exposes OPA names with OPA arities', async (t) => {
  const arity = (n: string) => BUILTINS.get(n)?.arity
  t.equal(arity('count'), 1)
  t.equal(arity('strings.replace_n'), 2)
  t.equal(arity('regex.template_match'), 4)
  t.equal(arity('time.now_ns'), 0)
  t.equal(arity('io.jwt.decode_verify'), 2)
  t.equal(arity('providers.aws.sign_req'), 3)
  t.ok(BUILTINS.size > 180)
  for (const [name, def] of BUILTINS) t.equal(def.name, name)
})

t.test('walk is the only relation', async (t) => {
  t.same([...BUILTINS.values()].filter((d) => d.relation).map((d) => d.name), ['walk'])
})

t.test('BuiltinError carries a code', async (t) => {
  const e = new BuiltinError('eval_type_error', 'x: operand 1 must be string but got number')
  t.equal(e.code, 'eval_type_error')
  t.ok(e instanceof Error)
})
