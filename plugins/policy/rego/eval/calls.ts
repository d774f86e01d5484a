/**
 * Function calls: built-ins (with OPA's strict/non-strict error handling), user functions,
 * `with` replacements, and calls whose extra last argument is an output.
 */
import type { Term } from '../ast.ts'
import { BuiltinError, type BuiltinDef } from '../builtins/index.ts'
import type { RuleNode } from '../compiler/tree.ts'
import { RegoError, type Location } from '../errors.ts'
import { TRUE, type Value } from '../value.ts'
import type { Budget } from './budget.ts'
import { Ctx, type Env, type KV } from './context.ts'
import type { Evaluator } from './evaluator.ts'
import { callInternal, INTERNAL } from './internal.ts'
import { callUserFunction } from './rules.ts'

export function evalCall(ev: Evaluator, t: Term & { t: 'call' }, env: Env, ctx: Ctx, k: KV): void {
  let name = t.name
  const ov = ctx.fnOverrides.get(name)
  if (ov && 'value' in ov) {
    // The replaced function's arity still decides whether the last argument is an output.
    const ar = name.startsWith('data.') ? functionArity(ev, name) : (ev.builtins.get(name)?.arity ?? INTERNAL.get(name))
    const n = ar !== undefined && ar >= 0 && t.args.length > ar ? ar : t.args.length
    return ev.evalList(t.args.slice(0, n), env, ctx, () => {
      if (n < t.args.length) ev.unifyValue(t.args[n], ov.value, env, ctx, () => k(TRUE))
      else k(ov.value)
    })
  }
  // As in OPA, a replacement runs with every function mock suspended, so a mock may call the
  // function it replaces (`with count as my_count`, where my_count calls count) without looping.
  // Arguments are evaluated, and the result continues, in the caller's context (k closes over
  // it); only the replacement's own body runs in callCtx.
  let callCtx = ctx
  if (ov) {
    name = ov.fn
    callCtx = unmocked(ctx)
  }
  if (INTERNAL.has(name)) return callInternal(ev, name, t, env, ctx, k)
  let arity: number
  let def: BuiltinDef | undefined
  if (name.startsWith('data.')) {
    const ar = functionArity(ev, name)
    if (ar === undefined) throw new RegoError('rego_type_error', `undefined function ${name}`, t.loc)
    arity = ar
  } else {
    def = ev.builtins.get(name)
    if (!def) throw new RegoError('rego_type_error', `undefined function ${name}`, t.loc)
    arity = def.arity
  }
  const inputs = t.args.length > arity ? t.args.slice(0, arity) : t.args
  const output = t.args.length > arity ? t.args[arity] : undefined
  ev.evalList(inputs, env, ctx, (vals) => {
    let results: Value[]
    if (def) results = callBuiltin(ev, def, vals, t.loc)
    else {
      const r = callUserFunction(ev, name, vals, callCtx, t.loc)
      results = r === undefined ? [] : [r]
    }
    for (const r of results) {
      if (output) ev.unifyValue(output, r, env, ctx, () => k(TRUE))
      else k(r)
    }
  })
}

// One mock-free twin per context, so repeated calls of a replacement share its rule memos.
const UNMOCKED = new WeakMap<Ctx, Ctx>()

function unmocked(ctx: Ctx): Ctx {
  let u = UNMOCKED.get(ctx)
  if (u === undefined) UNMOCKED.set(ctx, (u = new Ctx(ctx.input, ctx.dataOverrides)))
  return u
}

export function callBuiltin(ev: Evaluator, def: BuiltinDef, args: Value[], loc: Location): Value[] {
  const r = callBuiltinValue(ev, def, args, loc)
  if (r === undefined) return []
  if (def.relation) return r.type === 'array' ? [...r.items] : []
  return [r]
}

/**
 * The built-in's return value, or undefined when it failed without strict errors: callBuiltin
 * without the array, for callers that know `def` is not a relation (the direct path, per call).
 */
export function callBuiltinValue(ev: Evaluator, def: BuiltinDef, args: Value[], loc: Location): Value | undefined {
  ev.budget.tick(1, loc)
  if (def.name === 'numbers.range' || def.name === 'numbers.range_step') chargeRange(ev.budget, args, loc)
  try {
    return def.fn(args, ev.bctx)
  } catch (e) {
    if (e instanceof RegoError) throw e
    if (e instanceof BuiltinError) {
      if (ev.strict) throw new RegoError(e.code, e.message, loc)
      return undefined
    }
    if (e instanceof RangeError && /call stack/.test(e.message)) throw e
    if (ev.strict) throw new RegoError('eval_builtin_error', `${def.name}: ${(e as Error).message}`, loc)
    return undefined
  }
}



export function functionArity(ev: Evaluator, name: string): number | undefined {
  let node: RuleNode | undefined = ev.root
  for (const seg of name.split('.').slice(1)) {
    node = node?.children.get(seg)
    if (!node) return undefined
  }
  return node.rules.find((r) => r.kind === 'func')?.args.length
}

/** Charges a range's length against the step budget before the built-in materialises it. */
function chargeRange(b: Budget, args: Value[], loc: Location): void {
  const [a, z, s] = args
  if (a?.type !== 'number' || z?.type !== 'number' || a.int === undefined || z.int === undefined) return
  let n = a.int > z.int ? a.int - z.int : z.int - a.int
  if (s?.type === 'number' && s.int !== undefined && s.int > 0n) n = n / s.int
  if (n > BigInt(b.maxSteps)) b.tick(b.maxSteps + 1, loc)
  b.tick(Number(n), loc)
}
