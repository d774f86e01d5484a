/** Compile-time detection of built-ins that make a decision depend on more than input and data. */
import t from 'tap'
import { compileModules } from '../../../../plugins/policy/rego/index.ts'

const found = (src: string) => compileModules({ files: { 'a.rego': `package a\n\nimport rego.v1\n\n${src}` } }).nondeterministic

t.test('pure policies have none', async (t) => {
  t.same(found('allow if { input.role == "admin"; count(input.x) > sprintf("%d", [1]) }\n'), [])
})

t.test('clock, randomness, network, runtime and print are found wherever they are used', async (t) => {
  t.same(found('p := time.now_ns()\n'), ['time.now_ns'])
  t.same(found('p := x if { x := rand.intn("k", 10) }\nq := uuid.rfc4122("a")\n'), ['rand.intn', 'uuid.rfc4122'])
  t.same(found('f(x) := y if { y := opa.runtime() }\n'), ['opa.runtime'], 'inside functions')
  t.same(found('p := "a" if { true } else := net.lookup_ip_addr("x")\n'), ['net.lookup_ip_addr'], 'inside else clauses')
  t.same(found('p if { print("hi") }\n'), ['print'])
  t.same(found('p := io.jwt.decode_verify(input.t, {"secret": "s"})\n'), ['io.jwt.decode_verify'], 'checks expiry against the clock')
})
