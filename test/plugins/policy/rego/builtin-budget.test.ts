/**
 * Budgets inside built-ins: work that grows with the input is charged before it is done, and the
 * memory budget is checked before a value is built. Each attack here used to run for seconds (or
 * kill the process: V8 aborts on an array it cannot size) because the deadline was only read
 * between built-in calls.
 */
import t from 'tap'
import { BUILTINS } from '../../../../plugins/policy/rego/builtins/index.ts'
import { Budget } from '../../../../plugins/policy/rego/eval/budget.ts'
import { compileModules, evaluate, type BudgetOptions } from '../../../../plugins/policy/rego/index.ts'
import { arr, fromJs, num, toJsonText, type Value } from '../../../../plugins/policy/rego/value.ts'
import { errorOf } from './helpers.ts'

/** The service's defaults (DYAD_POLICY_TIMEOUT_MS, DYAD_POLICY_MAX_STEPS). */
const SERVICE: BudgetOptions = { timeoutMs: 1000, maxSteps: 10_000_000 }

/** `x0 := seed; x1 := f(x0); ...; xn := f(xn-1); r := last` as one query. */
function doubling(step: (prev: string) => string, seed: string, n: number, last = `count(x${n})`): string {
  const lines = [`x0 := ${seed}`]
  for (let i = 1; i <= n; i++) lines.push(`x${i} := ${step(`x${i - 1}`)}`)
  return [...lines, `r := ${last}`].join('; ')
}

const empty = compileModules({ files: {} })
const query = (q: string, budget: BudgetOptions = SERVICE) => evaluate(empty, { query: q, budget })

t.test('doubling attacks stop with eval_cancel_error at the call that would overrun', async (t) => {
  const attacks: Record<string, string> = {
    'array.concat x40': doubling((p) => `array.concat(${p}, ${p})`, '[1]', 40),
    'sprintf x28': doubling((p) => `sprintf("%s%s", [${p}, ${p}])`, '"ab"', 28),
    'concat x26': doubling((p) => `concat("", [${p}, ${p}])`, '"ab"', 26),
    'replace x30': doubling((p) => `replace(${p}, "a", "aa")`, '"a"', 30),
    'strings.replace_n x30': doubling((p) => `strings.replace_n({"a": "aa", "b": "bb"}, ${p})`, '"ab"', 30),
    'regex.replace x20': doubling((p) => `regex.replace(${p}, "", "ab")`, '"ab"', 20),
    'upper of non-ASCII x30': doubling((p) => `upper(concat("é", [${p}, ${p}]))`, '"ab"', 30),
    'sprintf %v of arrays x30': doubling((p) => `sprintf("%v%v", [${p}, ${p}])`, '[1]', 30),
    'object.union x30': doubling((p) => `object.union({"a": ${p}}, {"b": ${p}})`, '{"c": 1}', 30),
    'json.marshal of a shared tree': doubling((p) => `[${p}, ${p}]`, '1', 40, 'json.marshal(x40)'),
    'json.unmarshal of a huge text': doubling((p) => `concat(",", [${p}, ${p}])`, '"1"', 22, 'count(json.unmarshal(concat("", ["[", x22, "]"])))'),
    'walk of a shared tree': doubling((p) => `{"a": ${p}, "b": ${p}}`, '1', 30, 'count([1 | walk(x30, _)])'),
    'integer squaring x30': doubling((p) => `${p} * ${p}`, '3', 30, 'x30 > 0'),
    'a shared tree as a set element': doubling((p) => `[${p}, ${p}]`, '1', 40, '{x40}'),
  }
  for (const [name, q] of Object.entries(attacks)) {
    const err = errorOf(() => query(q))
    t.equal(err.code, 'eval_cancel_error', `${name}: ${err.message}`)
  }
})

t.test('the memory budget refuses a value before building it, and leaves smaller ones alone', async (t) => {
  const q = 'a := numbers.range(1, 40000); b := array.concat(a, a); r := count(b)'
  t.match(errorOf(() => query(q, { ...SERVICE, maxBytes: 1_000_000 })), { code: 'eval_cancel_error', message: /memory budget \(1000000 bytes\)/, location: { row: 1 } })
  t.same(query(q, { ...SERVICE, maxBytes: 10_000_000 }).bindings[0].r, num(80000))
})

t.test("V8's hard size limits hold whatever the configured budget", async (t) => {
  // A sparse array claims 2^26 elements without their memory; concatenating two of them would be
  // an array V8 cannot size, which aborts the process instead of throwing.
  const huge = arr(new Array<Value>(2 ** 26))
  const budget = new Budget({ timeoutMs: 60_000, maxSteps: 1e15, maxBytes: 1e15 })
  const ctx = { strict: false, nowNs: 0n, cache: new Map<string, unknown>(), budget }
  t.match(errorOf(() => BUILTINS.get('array.concat')!.fn([huge, huge], ctx)), { code: 'eval_cancel_error', message: /memory budget/ })
})

t.test('a charge whose work would end past the deadline is refused before the work starts', async (t) => {
  const b = new Budget({ timeoutMs: 50, maxSteps: 1e12 })
  b.charge(100) // 10 µs: fine
  t.match(errorOf(() => b.charge(1_000_000)), { code: 'eval_cancel_error', message: /deadline/ }, '100 ms of work against 50 ms left')
  t.equal(b.steps, 1_000_100, 'charged steps count against the step budget too')
})

t.test('a result too large to write out in time is refused before writing it', async (t) => {
  // 2^21 numbers behind a few kilobytes of shared arrays; 3^(2^22) has two million digits.
  const shared = doubling((p) => `[${p}, ${p}]`, '1', 21, 'x21')
  const big = doubling((p) => `${p} * ${p}`, '3', 22, 'x22')
  for (const q of [shared, big]) {
    const r = query(q, { ...SERVICE, maxSteps: 1e9 }).bindings[0].r
    t.match(errorOf(() => toJsonText(r)), { code: 'eval_cancel_error', message: /too large/ })
  }
  t.equal(toJsonText(query(doubling((p) => `[${p}, ${p}]`, '1', 10, 'x10')).bindings[0].r).length, 4093, 'smaller ones are written')
})

t.test('built-in errors keep their OPA semantics under the cost model', async (t) => {
  // Estimators charge nothing for arguments of the wrong type; the built-in reports its own error.
  t.match(errorOf(() => evaluate(empty, { query: 'x := concat(input.a, input.b)', input: fromJs({ a: 1, b: [] }), strict: true })), { code: 'eval_type_error', message: /concat: operand 1 must be string/ })
  t.same(query('x := sprintf("%s-%d", ["a", 1])').bindings[0].x, { type: 'string', value: 'a-1' })
  t.same(query('x := upper("straße")').bindings[0].x, { type: 'string', value: 'STRAßE' }, 'Go maps rune by rune; ß stays')
})
