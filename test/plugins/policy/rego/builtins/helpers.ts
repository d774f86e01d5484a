/** Calls built-ins directly, with JS values in and out, so each namespace can be tested without the evaluator. */
import { BUILTINS, BuiltinError, type BuiltinContext } from '../../../../../plugins/policy/rego/builtins/index.ts'
import { fromJs, toJs, type Value } from '../../../../../plugins/policy/rego/value.ts'

export function ctx(over: Partial<BuiltinContext> = {}): BuiltinContext {
  return { strict: false, nowNs: 1_700_000_000_000_000_000n, cache: new Map(), ...over }
}

/** Raw call: Value arguments, Value | undefined result. */
export function callV(name: string, args: Value[], c: BuiltinContext = ctx()): Value | undefined {
  const d = BUILTINS.get(name)
  if (!d) throw new Error(`no built-in ${name}`)
  if (d.arity !== args.length) throw new Error(`${name} takes ${d.arity} arguments, got ${args.length}`)
  return d.fn(args, c)
}

/** JS in, JS out (undefined result stays undefined). */
export function call(name: string, ...args: unknown[]): unknown {
  const r = callV(name, args.map((a) => (isValue(a) ? a : fromJs(a))))
  return r === undefined ? undefined : toJs(r)
}

/** The BuiltinError thrown by a call, as "code: message". */
export function callErr(name: string, ...args: unknown[]): string {
  try {
    call(name, ...args)
  } catch (e) {
    if (e instanceof BuiltinError) return `${e.code}: ${e.message}`
    throw e
  }
  return 'no error'
}

/** A Value built with value.ts (plain JS objects that merely have a "type" field are not). */
function isValue(a: unknown): a is Value {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false
  const v = a as Record<string, unknown>
  switch (v.type) {
    case 'null': return Object.keys(v).length === 1
    case 'boolean': return typeof v.value === 'boolean'
    case 'number': return typeof v.int === 'bigint' || typeof v.float === 'number'
    case 'string': return typeof v.value === 'string' && Object.keys(v).length === 2
    case 'array': return Array.isArray(v.items)
    case 'object': return v.entries instanceof Map
    case 'set': return v.items instanceof Map
    default: return false
  }
}
