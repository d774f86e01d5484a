/**
 * Legal programs far beyond what a naive recursive engine survives: huge literals, long rule
 * chains, mocks that call what they replace. And nesting beyond the parser's documented bound
 * (parser/stream.ts MAX_NESTING) is a located `rego_parse_error`, never a RangeError.
 */
import t from 'tap'
import { compileModules, evaluate } from '../../../../plugins/policy/rego/index.ts'
import { parseModule } from '../../../../plugins/policy/rego/parser/module.ts'
import { BODY_LEVELS, MAX_NESTING } from '../../../../plugins/policy/rego/parser/stream.ts'
import { MAX_VALUE_DEPTH } from '../../../../plugins/policy/rego/eval/value-depth.ts'
import { fromJs, toJs } from '../../../../plugins/policy/rego/value.ts'
import { errorOf } from './helpers.ts'

/** `y` of the first solution of `query` against one module, as JSON. */
function y(src: string, query: string, input?: unknown): unknown {
  const policy = compileModules({ files: { 'deep.rego': `package p\n${src}\n` } })
  const { bindings } = evaluate(policy, { query, input: input === undefined ? undefined : fromJs(input) })
  return bindings.length ? toJs(bindings[0].y) : undefined
}

const N = 100_000
const ints = Array.from({ length: N }, (_, i) => i)

t.test('100,000-element literals evaluate, in rules and in queries', async (t) => {
  const list = ints.join(', ')
  t.equal(y(`x := [${list}]`, 'y := count(data.p.x)'), N)
  t.equal(y('', `y := count([${list}])`), N)
  t.equal(y('', `y := count({${list}})`), N)
  t.equal(y(`x := {${ints.map((i) => `"k${i}": input.a`).join(', ')}}`, 'y := data.p.x.k99999', { a: 7 }), 7)
  // Elements that need evaluation (not folded at compile time) take the same loop.
  t.equal(y(`x := [${ints.map(() => 'input.a').join(', ')}]`, 'y := sum(data.p.x)', { a: 2 }), 2 * N)
  t.equal(y(`x := {${ints.map((i) => `input.a + ${i}`).join(', ')}}`, 'y := count(data.p.x)', { a: 1 }), N)
  // An element that iterates still produces one array per solution.
  t.same(y(`x contains v if v := [input.xs[_], ${ints.map(() => 'input.a').join(', ')}]`, 'y := count(data.p.x)', { a: 1, xs: [1, 2, 3] }), 3)
  // One undefined element makes the whole literal undefined.
  t.equal(y(`x := [${ints.map(() => 'input.a').join(', ')}, input.missing]`, 'y := data.p.x', { a: 1 }), undefined)
})

t.test('100,000-element patterns unify without a continuation per element', async (t) => {
  const vars = ints.map((i) => `v${i}`).join(', ')
  t.equal(y(`x := v99999 if [${vars}] := input.arr`, 'y := data.p.x', { arr: ints }), N - 1)
  t.equal(y(`x := v1 if [${vars}] = [${ints.join(', ')}]`, 'y := data.p.x'), 1)
  t.equal(y(`x := v5 if { {${ints.map((i) => `"k${i}": v${i}`).join(', ')}} := input.o }`, 'y := data.p.x', { o: Object.fromEntries(ints.map((i) => [`k${i}`, i])) }), 5)
  // Repeated vars, constants and a nested pattern in the middle keep their meaning.
  const pattern = `[a, a, 7, ${ints.slice(3, 50).map((i) => `w${i}`).join(', ')}, [b, c], ${ints.slice(51).map((i) => `w${i}`).join(', ')}]`
  const arr = ints.map((i) => (i < 2 ? 1 : i === 2 ? 7 : i === 50 ? [2, 3] : i))
  t.same(y(`x := [a, b, c, w99999] if ${pattern} := input.arr`, 'y := data.p.x', { arr }), [1, 2, 3, N - 1])
  t.equal(y(`x := a if ${pattern} := input.arr`, 'y := data.p.x', { arr: [2, ...arr.slice(1)] }), undefined)
  t.equal(y(`x := a if ${pattern} := input.arr`, 'y := data.p.x', { arr: arr.map((v, i) => (i === 2 ? 8 : v)) }), undefined)
  t.equal(y(`x := v1 if { {${ints.map((i) => `"k${i}": v${i}`).join(', ')}} := input.o }`, 'y := data.p.x', { o: { k0: 1 } }), undefined)
})

t.test('bodies of 20,000 expressions run expression by expression in a loop', async (t) => {
  const n = 20_000
  const tests = Array(n).fill('  input.a == 1').join('\n')
  t.equal(y(`x if {\n${tests}\n}`, 'y := data.p.x', { a: 1 }), true)
  t.equal(y(`x if {\n${tests}\n  input.a == 2\n}`, 'y := data.p.x', { a: 1 }), undefined)
  const steps = Array.from({ length: n - 1 }, (_, i) => `  v${i + 1} := v${i} + 1`).join('\n')
  t.equal(y(`x := v${n - 1} if {\n  v0 := input.a\n${steps}\n}`, 'y := data.p.x', { a: 1 }), n)
  // An expression that iterates in the middle: every solution still reaches the end.
  t.same(y(`x contains [v0, v${n - 1}] if {\n  some v0 in input.xs\n${steps}\n}`, 'y := data.p.x', { xs: [1, 2] }), [[1, n], [2, n + 1]])
  t.same(y(`x contains [w, v${n - 1}] if {\n  v0 := input.a\n${steps}\n  some w in input.xs\n  w > 1\n}`, 'y := data.p.x', { a: 0, xs: [1, 2, 3] }), [[2, n - 1], [3, n - 1]])
})

t.test('a 10,000-rule dependency chain evaluates', async (t) => {
  const n = 10_000
  let src = 'r0 := 0\n'
  for (let i = 1; i < n; i++) src += `r${i} := r${i - 1} + 1\n`
  t.equal(y(src, `y := data.p.r${n - 1}`), n - 1)
  // The same chain of partial set rules, and with the chain defined last-first.
  let sets = ''
  for (let i = n - 1; i > 0; i--) sets += `s${i} contains v if { some v in s${i - 1}; v < 2 }\ns${i} contains ${i}\n`
  t.same(y(`${sets}s0 contains 0`, `y := data.p.s${n - 1}`), [0, 1, n - 1])
  // Inside a `with` (a fresh context with its own memo) as well.
  t.equal(y(src.replace('r0 := 0', 'r0 := input.base'), `y := data.p.r${n - 1} with input.base as 5`), n + 4)
})

t.test('a chain that nests each value in the next is held under MAX_VALUE_DEPTH', async (t) => {
  const chain = (n: number) => {
    let src = 'r0 := 0\n'
    for (let i = 1; i < n; i++) src += `r${i} := [r${i - 1}]\n`
    return src
  }
  // 900 levels: under the bound, and the value is really that deep.
  let v = y(chain(900), 'y := data.p.r899') as unknown
  let depth = 0
  while (Array.isArray(v)) (v = v[0]), depth++
  t.equal(depth, 899)
  // 10,000 levels would overflow whoever walks the result (keys, comparison, JSON): a clean error.
  t.match(errorOf(() => y(chain(10_000), 'y := data.p.r9999')), { code: 'eval_cancel_error', message: new RegExp(`nested more than ${MAX_VALUE_DEPTH} levels`) })
})

t.test('evaluating dependencies first changes no answer', async (t) => {
  // r100 reads r99 ... r0; r0 reads `bad` only when input.b is set, and bad conflicts. Bottom-up
  // evaluation computes bad early (it is a static dependency) but must not report it unless read.
  let src = 'bad := 1 if input.a\nbad := 2 if input.a\nr0 := 0 if not input.b\nr0 := bad if input.b\n'
  for (let i = 1; i <= 100; i++) src += `r${i} := r${i - 1} + 1\n`
  t.equal(y(src, 'y := data.p.r100', { a: true }), 100)
  t.match(errorOf(() => y(src, 'y := data.p.r100', { a: true, b: true })), { code: 'eval_conflict_error' })
  // A dependency that fails is not retried for every rule above it (that would be quadratic).
  const strict = compileModules({ files: { 's.rego': `package p\n${src}` } })
  t.match(errorOf(() => evaluate(strict, { query: 'y := data.p.r100', input: fromJs({ a: true, b: true }), strict: true })), { code: 'eval_conflict_error' })
})

t.test('function chains still stop cleanly at the depth budget', async (t) => {
  let src = 'f0(x) := x\n'
  for (let i = 1; i < 5000; i++) src += `f${i}(x) := f${i - 1}(x) + 1\n`
  t.match(errorOf(() => y(src, 'y := data.p.f4999(0)')), { code: 'eval_cancel_error' })
})

t.test('a mock may call the function it replaces (OPA suspends mocks inside the mock)', async (t) => {
  const fns = 'f(x) := x + 1\ng(x) := f(x) * 10\nmy_count(x) := count(x) + 100\nh(x) := count(x)\n'
  t.equal(y(`${fns}t := v if v := f(1) with f as g`, 'y := data.p.t'), 20)
  t.equal(y(`${fns}t := v if v := data.p.f(1) with data.p.f as data.p.g`, 'y := data.p.t'), 20)
  t.equal(y(`${fns}t := v if v := count([1, 2]) with count as my_count`, 'y := data.p.t'), 102)
  // The mock applies to calls below the `with` (h calls count), not inside the mock itself.
  t.equal(y(`${fns}t := v if v := h([1, 2]) with count as my_count`, 'y := data.p.t'), 102)
  // After the mocked call, the rest of the expression still sees the mock.
  t.equal(y(`${fns}t := v if v := f(1) + f(2) with f as g`, 'y := data.p.t'), 50)
})

// Each construct, nested as deeply as the parser allows, compiles and evaluates; one level more
// is a rego_parse_error at the offending token.
const nesting: Record<string, (n: number) => string> = {
  array: (n) => `x := ${'['.repeat(n)}input.a${']'.repeat(n)}`,
  object: (n) => `x := ${'{"a": '.repeat(n)}input.a${'}'.repeat(n)}`,
  set: (n) => `x := ${'{'.repeat(n)}input.a${'}'.repeat(n)}`,
  parentheses: (n) => `x := ${'('.repeat(n)}input.a${')'.repeat(n)}`,
  'array comprehension': (n) => `x := ${'[v | v := '.repeat(n)}input.a${']'.repeat(n)}`,
  'object comprehension': (n) => `x := ${'{"k": v | v := '.repeat(n)}input.a${'}'.repeat(n)}`,
  not: (n) => `x if { ${'not '.repeat(n)}input.b }`,
  every: (n) => `x if { ${'every v in [1] { '.repeat(n)}input.a == 1${' }'.repeat(n)} }`,
  'operator chain': (n) => `x := ${Array(n).fill('input.a').join(' + ')}`,
  'unary minus': (n) => `x := ${'-'.repeat(n)}input.a`,
  'ref segments': (n) => `x := input${'.a'.repeat(n)}`,
  calls: (n) => `x := ${'abs('.repeat(n)}input.a${')'.repeat(n)}`,
  with: (n) => `x if { input.a ${Array.from({ length: n }, (_, i) => `with input.c${i} as 1`).join(' ')} }`,
  'rule head': (n) => `x${'.a'.repeat(n)} := 1`,
  mixed: (n) => `x := ${'[{"a": ('.repeat(n)}input.a${')}]'.repeat(n)}`,
  template: (n) => {
    let t = 'input.a'
    for (let i = 0; i < n; i++) t = `$"<{${t}}>"`
    return `x := ${t}`
  },
}

const parses = (src: string): boolean => {
  try {
    parseModule('deep.rego', `package p\n${src}\n`)
    return true
  } catch (e) {
    if ((e as { code?: string }).code !== 'rego_parse_error') throw e
    return false
  }
}

t.test('nesting up to the documented depth works; one level more is a rego_parse_error', async (t) => {
  for (const [name, gen] of Object.entries(nesting)) {
    // The deepest count that parses: binary search, since constructs cost 1 or BODY_LEVELS levels.
    let lo = 1
    let hi = MAX_NESTING + 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (parses(gen(mid))) lo = mid
      else hi = mid - 1
    }
    t.ok(lo >= Math.floor(MAX_NESTING / (BODY_LEVELS + 1)) - 1, `${name}: ${lo} levels parse`)
    const policy = compileModules({ files: { 'deep.rego': `package p\n${gen(lo)}\n` } })
    t.doesNotThrow(() => evaluate(policy, { query: 'y := data.p.x', input: fromJs({ a: 1 }) }), `${name}: ${lo} levels evaluate`)
    const err = errorOf(() => compileModules({ files: { 'deep.rego': `package p\n${gen(lo + 1)}\n` } }))
    t.match(err, { code: 'rego_parse_error', message: /max parsing recursion depth reached/, location: { file: 'deep.rego', row: name === 'template' ? Number : 2 } }, `${name}: ${lo + 1} is refused`)
  }
})

t.test('far deeper nesting is the same clean error, in modules and in queries', async (t) => {
  for (const src of [`x := ${'['.repeat(100_000)}1${']'.repeat(100_000)}`, `x := ${Array(100_000).fill('1').join(' + ')}`, `x := ${'('.repeat(100_000)}`]) {
    t.match(errorOf(() => compileModules({ files: { 'deep.rego': `package p\n${src}\n` } })), { code: 'rego_parse_error', message: /max parsing recursion depth/ })
  }
  const policy = compileModules({ files: {} })
  t.match(errorOf(() => evaluate(policy, { query: `y := ${'['.repeat(5000)}1${']'.repeat(5000)}` })), { code: 'rego_parse_error', location: { file: 'query', row: 1 } })
})
