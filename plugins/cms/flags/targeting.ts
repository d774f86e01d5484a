/**
 * The JsonLogic engine targeting rules run on: json-logic-engine (the engine flagd's own JavaScript
 * evaluator uses), holding only the operators flagd documents, each wrapped so that evaluation is
 * bounded.
 *
 * - Every operator call costs a step against a budget and, every 256 steps, checks a deadline;
 *   iterators (`map`, `reduce`...) run their bodies through the same wrapped operators, so nested
 *   loops over a large context stop at the budget, not at the product of the array sizes.
 * - A string or array an operator builds may not grow past LIMITS (a `reduce` that doubles a
 *   string with `cat` stops after a few steps instead of exhausting memory).
 * - `var` and `missing` read own properties only: `{"var": "constructor.name"}` finds nothing, where
 *   the engine's own lookup would walk into Object.prototype.
 * - The engine's interpreted optimizer and inlining are off: it would cache plans per rule object
 *   and fold constant sub-rules outside any budget. Rules are small; the interpreter is fast enough.
 * - Rules are never compiled to JavaScript (`engine.build`), so no tenant text becomes code.
 */
import jsonLogic from 'json-logic-engine'
import { fractional } from './fractional.ts'
import { LIMITS } from './limits.ts'
import { endsWith, OperatorError, semVer, startsWith } from './operators.ts'

const { LogicEngine, defaultMethods, splitPath } = jsonLogic

/** Operators a targeting rule may use, with their argument counts (checked when literal). */
export const OPERATORS: ReadonlyMap<string, { min: number; max: number }> = new Map(
  Object.entries({
    var: [0, 2], missing: [0, Infinity], missing_some: [2, 2],
    if: [1, Infinity], '==': [2, 2], '===': [2, 2], '!=': [2, 2], '!==': [2, 2], '!': [1, 1], '!!': [1, 1],
    or: [1, Infinity], and: [1, Infinity], '>': [2, 2], '>=': [2, 2], '<': [2, 3], '<=': [2, 3],
    max: [1, Infinity], min: [1, Infinity], '+': [0, Infinity], '-': [1, 2], '*': [1, Infinity], '/': [2, 2], '%': [2, 2],
    map: [2, 2], filter: [2, 2], reduce: [2, 3], all: [2, 2], none: [2, 2], some: [2, 2],
    merge: [0, Infinity], in: [2, 2], cat: [0, Infinity], substr: [2, 3],
    fractional: [1, Infinity], sem_ver: [3, 3], starts_with: [2, 2], ends_with: [2, 2],
  }).map(([name, [min, max]]) => [name, { min, max }]),
)

export { OperatorError }

/** Thrown when an evaluation exceeds its budget; reported as a GENERAL error for that flag. */
export class EvaluationLimitError extends Error {}

/** What one targeting run may still spend; shared by the flags of a bulk evaluation. */
export interface Budget {
  steps: number
  /** performance.now() value after which evaluation stops. */
  deadline: number
}

interface Run {
  budget: Budget
  /** Steps since the deadline was last checked. */
  sinceCheck: number
  flagKey: string
  targetingKey?: string
  /** Set when a `fractional` split chose something: the result's reason is SPLIT. */
  split: boolean
}

// Evaluation is synchronous and never re-entrant, so one slot holds the run in progress.
let current: Run | undefined

function tick(): Run {
  const run = current
  if (!run) throw new EvaluationLimitError('targeting ran outside an evaluation')
  if (--run.budget.steps < 0) throw new EvaluationLimitError('targeting exceeded its step budget')
  if (++run.sinceCheck === 256) {
    run.sinceCheck = 0
    if (performance.now() > run.budget.deadline) throw new EvaluationLimitError('targeting exceeded its time budget')
  }
  return run
}

function bounded(result: unknown): unknown {
  if (typeof result === 'string' && result.length > LIMITS.maxStringLength) throw new EvaluationLimitError(`targeting built a string longer than ${LIMITS.maxStringLength} characters`)
  if (Array.isArray(result) && result.length > LIMITS.maxArrayLength) throw new EvaluationLimitError(`targeting built an array longer than ${LIMITS.maxArrayLength} items`)
  return result
}

const MISSING = Symbol('missing')
const INDEX = /^(?:0|[1-9][0-9]{0,8})$/

/** A `var` path in `data`, by own properties and array indexes only. */
function lookup(data: unknown, path: unknown): unknown {
  if (path === undefined || path === null || path === '') return data
  if (typeof path !== 'string' && typeof path !== 'number') return MISSING
  let cur = data
  for (const part of typeof path === 'number' ? [String(path)] : splitPath(path)) {
    if (Array.isArray(cur)) {
      if (!INDEX.test(part) || Number(part) >= cur.length) return MISSING
      cur = cur[Number(part)]
    } else if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, part)) {
      cur = (cur as Record<string, unknown>)[part]
    } else return MISSING
  }
  return cur === undefined ? MISSING : cur
}

const args = (a: unknown): unknown[] => (Array.isArray(a) ? a : [a])

function missing(keys: unknown[], data: unknown): unknown[] {
  const list = keys.length === 1 && Array.isArray(keys[0]) ? keys[0] : keys
  return list.filter((k) => {
    const v = lookup(data, k)
    return v === MISSING || v === null
  })
}

type Method = (input: any, data: any, above: any, engine: any) => unknown

const OWN: Record<string, Method> = {
  var: (input, data) => {
    const [path, fallback] = args(input)
    const v = lookup(data, path)
    return v === MISSING ? (fallback ?? null) : v
  },
  missing: (input, data) => missing(args(input), data),
  missing_some: (input, data) => {
    const [need, keys] = args(input)
    const list = args(keys)
    const absent = missing(list, data)
    return list.length - absent.length >= Number(need) ? [] : absent
  },
  fractional: (input) => {
    const run = current!
    const chosen = fractional(args(input), run.flagKey, run.targetingKey)
    run.split = true
    return chosen
  },
  sem_ver: (input) => semVer(args(input)),
  starts_with: (input) => startsWith(args(input)),
  ends_with: (input) => endsWith(args(input)),
}

function createEngine() {
  const engine = new LogicEngine({}, { disableInterpretedOptimization: true, disableInline: true })
  const library = defaultMethods as unknown as Record<string, Method | { method: Method; lazy?: boolean }>
  for (const name of OPERATORS.keys()) {
    const own = OWN[name]
    const lib = library[name]
    const impl = own ?? (typeof lib === 'function' ? lib : lib?.method)
    if (!impl) throw new Error(`json-logic-engine has no operator ${name}`)
    const lazy = !own && typeof lib === 'object' && lib.lazy === true
    engine.addMethod(name, { lazy, method: (input: unknown, data: unknown, above: unknown, eng: unknown) => (tick(), bounded(impl(input, data, above, eng))) })
  }
  return engine
}

const engine = createEngine()

/** Runs one flag's targeting on a context (already copied and checked). Throws on errors and limits. */
export function runTargeting(logic: unknown, context: Record<string, unknown>, opts: { flagKey: string; targetingKey?: string; budget: Budget }): { result: unknown; split: boolean } {
  if (performance.now() > opts.budget.deadline) throw new EvaluationLimitError('targeting exceeded its time budget')
  const run: Run = { budget: opts.budget, sinceCheck: 0, flagKey: opts.flagKey, targetingKey: opts.targetingKey, split: false }
  current = run
  try {
    return { result: engine.run(logic, context), split: run.split }
  } finally {
    current = undefined
  }
}

/** A readable reason from what the engine threw (it throws NaN and plain objects, not only Errors). */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof err === 'number' && Number.isNaN(err)) return 'an arithmetic or comparison operand is not a number'
  if (err && typeof err === 'object' && typeof (err as { type?: unknown }).type === 'string') return (err as { type: string }).type
  return 'targeting failed'
}
